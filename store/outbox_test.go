package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// outboxJSON returns every op waiting in the outbox as JSON, in order.
func outboxJSON(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	if err := s.View(func(tx *Tx) error {
		entries, err := tx.Outbox(0)
		for _, e := range entries {
			data, _ := json.Marshal(e.Op)
			out = append(out, string(data))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// replayOutbox applies the waiting ops for one record to an empty one.
func replayOutbox(t *testing.T, s *Store, typ, id string) (*model.Record, *model.Record) {
	t.Helper()
	replay := model.NewRecord(typ)
	var stored *model.Record
	s.View(func(tx *Tx) error {
		entries, err := tx.Outbox(0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Op.Entity.ID == id {
				replay.Apply(e.Op)
			}
		}
		stored, _, err = tx.Record(typ, id)
		return err
	})
	return replay, stored
}

// A new record's create waits as a reference to the record, not a copy;
// when the record changes, the create is written out as it was.
func TestCreateIsStoredOnceInTheOutbox(t *testing.T) {
	s := openSyncTemp(t)
	l := model.Lead{Company: "Once Only", City: "Suzhou", Tags: []string{"a"}}
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	var size int
	s.View(func(tx *Tx) error {
		v := tx.bucket(bucketOutbox).Get(u64(1))
		if len(v) == 0 || v[0] != refTag {
			t.Fatalf("the create waits as %q, not as a reference", v)
		}
		size = len(v)
		if seq, ok := waitsAt(tx, model.TypeLead, l.ID); !ok || seq != 1 {
			t.Fatalf("the lead's merge state says its create waits at %d (%v), want 1", seq, ok)
		}
		return nil
	})
	if size > 80 {
		t.Errorf("a reference takes %d bytes", size)
	}
	if replay, stored := replayOutbox(t, s, model.TypeLead, l.ID); !replay.Equal(stored) {
		t.Fatalf("the outbox does not make the record:\nreplay %s\nstored %s", replay.Fields, stored.Fields)
	}

	l.City = "Wuxi"
	if err := s.Update(func(tx *Tx) error { return tx.UpdateLead(&l) }); err != nil {
		t.Fatal(err)
	}
	ops := outboxJSON(t, s)
	if len(ops) != 2 || !bytes.Contains([]byte(ops[0]), []byte(`"city":"Suzhou"`)) {
		t.Fatalf("after an edit the create must say what it wrote (Suzhou):\n%v", ops)
	}
	s.View(func(tx *Tx) error {
		if v := tx.bucket(bucketOutbox).Get(u64(1)); v[0] != '{' {
			t.Errorf("the edited record's create is still a reference")
		}
		if seq, ok := waitsAt(tx, model.TypeLead, l.ID); ok {
			t.Errorf("the edited lead's merge state still says its create waits at %d", seq)
		}
		return nil
	})
	if replay, stored := replayOutbox(t, s, model.TypeLead, l.ID); !replay.Equal(stored) {
		t.Fatalf("the outbox does not make the record:\nreplay %s\nstored %s", replay.Fields, stored.Fields)
	}
}

// A change from the server to a record whose create still waits (its push
// answer was lost) leaves the create as it was written.
func TestRemoteChangeSettlesAWaitingCreate(t *testing.T) {
	s := openSyncTemp(t)
	l := model.Lead{Company: "Lost Answer"}
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	before := outboxJSON(t, s)
	op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: l.ID}, Kind: model.OpSet,
		Fields: map[string]json.RawMessage{"company": json.RawMessage(`"Renamed Elsewhere"`)},
		HLC:    model.HLC{Wall: 9e12, Node: "other"}, Actor: model.Actor{User: "ann", Device: "other"}, Schema: model.CurrentSchema}
	if err := s.Update(func(tx *Tx) error { return tx.ApplyRemoteOp(op) }); err != nil {
		t.Fatal(err)
	}
	if after := outboxJSON(t, s); len(after) != 1 || after[0] != before[0] {
		t.Fatalf("the waiting create changed with the record:\nbefore %v\nafter  %v", before, after)
	}
	answerAll(t, s, 1)
}

// The seq an answered create leaves in its record's merge state names an
// entry that is gone, or one that is not a reference to the record: an
// edit then writes out nothing but its own op.
func TestAnsweredCreateLeavesNothingWaiting(t *testing.T) {
	s := openSyncTemp(t)
	a, b := model.Lead{Company: "Answered"}, model.Lead{Company: "Still Waiting"}
	if err := s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&a); err != nil {
			return err
		}
		return tx.AddLead(&b)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DropOutbox(1) }); err != nil {
		t.Fatal(err)
	}
	isRef := func(seq uint64) bool {
		var ref bool
		s.View(func(tx *Tx) error {
			v := tx.bucket(bucketOutbox).Get(u64(seq))
			ref = len(v) > 0 && v[0] == refTag
			return nil
		})
		return ref
	}
	edit := func(l *model.Lead, city string) {
		t.Helper()
		l.City = city
		if err := s.Update(func(tx *Tx) error { return tx.UpdateLead(l) }); err != nil {
			t.Fatal(err)
		}
	}
	edit(&a, "Xi'an")
	if ops := outboxJSON(t, s); len(ops) != 2 || !strings.Contains(ops[1], `"kind":"set"`) || !isRef(2) {
		t.Fatalf("after an edit of an answered create: %v", ops)
	}
	// A merge state naming another record's reference (a seq given
	// twice, as after damage) leaves that reference as it is.
	if err := s.Update(func(tx *Tx) error {
		st, err := encodeStamps(&model.Record{Base: model.Stamp{HLC: model.HLC{Wall: 1, Node: "x"}}}, tx.s.node)
		if err != nil {
			return err
		}
		return tx.bucket(bucketStamps, []byte(model.TypeLead)).Put([]byte(a.ID), markWaiting(st, 2))
	}); err != nil {
		t.Fatal(err)
	}
	edit(&a, "Lanzhou")
	if !isRef(2) {
		t.Fatal("an edit of one lead wrote out another's waiting create")
	}
	edit(&b, "Xining")
	if ops := outboxJSON(t, s); len(ops) != 4 || isRef(2) || !strings.Contains(ops[0], `"company":"Still Waiting"`) || strings.Contains(ops[0], "Xining") {
		t.Fatalf("after an edit of the waiting create's lead: %v", ops)
	}
}

// answerAll drops the outbox entries seqs, as the push answers that
// acknowledge them do, and checks that nothing then waits.
func answerAll(t *testing.T, s *Store, seqs ...uint64) {
	t.Helper()
	if err := s.Update(func(tx *Tx) error { return tx.DropOutbox(seqs...) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if tx.OutboxLen() != 0 {
			t.Errorf("after the answers the outbox holds %d ops", tx.OutboxLen())
		}
		return nil
	})
}

// waitsAt is the outbox seq the merge state of typ/id says its create
// waits at.
func waitsAt(tx *Tx, typ, id string) (uint64, bool) {
	return waitingSeq(tx.bucket(bucketStamps, []byte(typ)).Get(stampKey(id)))
}

// Migration 11 turns the waiting creates of an older book whose records
// are unchanged into references, and leaves every op as it was.
func TestMigration11KeepsWaitingCreatesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	var kept, edited model.Lead
	if err := s.Update(func(tx *Tx) error {
		kept, edited = model.Lead{Company: "Kept"}, model.Lead{Company: "Edited"}
		if err := tx.AddLead(&kept); err != nil {
			return err
		}
		if err := tx.AddLead(&edited); err != nil {
			return err
		}
		a := model.Activity{LeadID: kept.ID, Kind: model.KindCall}
		return tx.AddActivity(&a, "called")
	}); err != nil {
		t.Fatal(err)
	}
	edited.City = "Ningbo"
	if err := s.Update(func(tx *Tx) error { return tx.UpdateLead(&edited) }); err != nil {
		t.Fatal(err)
	}
	// Write the outbox as books before schema 11 held it: every op JSON
	// (and the merge states keyed by their ids' text).
	if err := s.Update(func(tx *Tx) error {
		for _, r := range waitingRefs(t, tx) {
			if err := tx.settleCreate(r.Entity.Type, r.Entity.ID); err != nil {
				return err
			}
		}
		if err := textStampKeys(tx.tx); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchema, u64(9))
	}); err != nil {
		t.Fatal(err)
	}
	before := outboxJSON(t, s)
	oldSize := outboxBytes(t, s)
	s.Close()

	s, err = Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := outboxJSON(t, s)
	if len(after) != len(before) {
		t.Fatalf("%d ops after migrating, %d before", len(after), len(before))
	}
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("op %d changed:\nbefore %s\nafter  %s", i, before[i], after[i])
		}
	}
	refs := 0
	s.View(func(tx *Tx) error {
		return tx.bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			if v[0] == refTag {
				refs++
			}
			return nil
		})
	})
	if refs != 2 {
		t.Errorf("%d creates became references, want 2 (the kept lead and the activity)", refs)
	}
	if n := outboxBytes(t, s); n >= oldSize {
		t.Errorf("the outbox holds %d bytes after migrating, %d before", n, oldSize)
	}
}

func outboxBytes(t *testing.T, s *Store) int {
	n := 0
	s.View(func(tx *Tx) error {
		return tx.tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
	})
	return n
}

// waitingRefs decodes every reference in the outbox, in order.
func waitingRefs(t *testing.T, tx *Tx) []rawOp {
	t.Helper()
	var refs []rawOp
	err := tx.bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		if v[0] != refTag {
			return nil
		}
		r, err := tx.decodeRef(v)
		refs = append(refs, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// A book whose outbox holds references as books before packed ids wrote
// them (ids as text, outbox_new keyed type|id with 8-byte seqs) pushes
// exactly what it held: doctor accepts it, migration 16 moves where each
// waits into its record's merge state (keyed by its id's text before), an edit settles an old reference,
// the answers drop old and new ones, and nothing is left.
func TestOldReferencesPushAsTheyWere(t *testing.T) {
	s := openSyncTemp(t)
	var leads []model.Lead
	if err := s.Update(func(tx *Tx) error {
		for _, c := range []string{"旧的有限公司", "Old Two", "Old Three"} {
			l := model.Lead{Company: c, City: "Hangzhou"}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			leads = append(leads, l)
		}
		a := model.Activity{LeadID: leads[0].ID, Kind: model.KindCall}
		return tx.AddActivity(&a, "called")
	}); err != nil {
		t.Fatal(err)
	}
	packed := outboxJSON(t, s)
	packedSize := outboxBytes(t, s)
	if err := s.Update(func(tx *Tx) error {
		refs, err := tx.tx.CreateBucket(bucketOutboxNew)
		if err != nil {
			return err
		}
		n := 0
		err = tx.bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			if v[0] != refTag {
				return nil
			}
			if v[1] != 0 {
				t.Errorf("a new reference %q is not packed", v)
			}
			r, err := tx.decodeRef(v)
			if err != nil {
				return err
			}
			if seq, ok := waitsAt(tx, r.Entity.Type, r.Entity.ID); !ok || seq != binary.BigEndian.Uint64(k) {
				t.Errorf("the merge state of %s says its create waits at %d (%v), not %x", r.Entity.ID, seq, ok, k)
			}
			// The merge state as books before schema 16 wrote it.
			stamps := tx.bucket(bucketStamps, []byte(r.Entity.Type))
			rec := model.NewRecord(r.Entity.Type)
			if err := decodeStamps(stamps.Get(stampKey(r.Entity.ID)), rec, tx.s.node); err != nil {
				return err
			}
			st, err := encodeStamps(rec, tx.s.node)
			if err != nil {
				return err
			}
			if err := stamps.Put(stampKey(r.Entity.ID), st); err != nil {
				return err
			}
			if err := refs.Put(refKey(r.Entity), clone(k)); err != nil {
				return err
			}
			if n++; n == 4 {
				return nil // one stays packed: a book can hold both
			}
			return tx.bucket(bucketOutbox).Put(clone(k), r.appendRefIn(nil, tx.s.node, false))
		})
		if n != 4 {
			t.Errorf("%d references, want 4", n)
		}
		if err != nil {
			return err
		}
		if err := textStampKeys(tx.tx); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchema, u64(15))
	}); err != nil {
		t.Fatal(err)
	}
	if got := outboxJSON(t, s); !slices.Equal(got, packed) {
		t.Fatalf("the outbox with references as text:\n%v\nwith packed ones:\n%v", got, packed)
	}
	if text := outboxBytes(t, s); text < packedSize+3*30 {
		t.Errorf("the outbox holds %d bytes with text references, %d packed", text, packedSize)
	}
	path := s.Path()
	s.Close()
	r, err := Doctor(path)
	if err != nil || !r.OK() || r.Outbox != 4 {
		t.Fatalf("doctor on old and new references: %+v, %v", r, err)
	}
	s, err = Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := outboxJSON(t, s); !slices.Equal(got, packed) {
		t.Fatalf("the outbox after migration 16:\n%v\nbefore:\n%v", got, packed)
	}
	s.View(func(tx *Tx) error {
		if tx.tx.Bucket(bucketOutboxNew) != nil {
			t.Error("migration 16 left outbox_new")
		}
		for i, l := range leads {
			if seq, ok := waitsAt(tx, model.TypeLead, l.ID); !ok || seq != uint64(i+1) {
				t.Errorf("after migration 16 lead %d's merge state says its create waits at %d (%v)", i+1, seq, ok)
			}
		}
		return nil
	})

	leads[1].City = "Ningbo"
	if err := s.Update(func(tx *Tx) error { return tx.UpdateLead(&leads[1]) }); err != nil {
		t.Fatal(err)
	}
	got := outboxJSON(t, s)
	if len(got) != 5 || !slices.Equal(got[:4], packed) || !bytes.Contains([]byte(got[4]), []byte("Ningbo")) {
		t.Fatalf("after an edit of an old reference's record:\n%v", got)
	}
	s.View(func(tx *Tx) error {
		if v := tx.bucket(bucketOutbox).Get(u64(2)); v[0] != '{' {
			t.Errorf("the edited record's create is still a reference: %q", v)
		}
		if v := tx.bucket(bucketOutbox).Get(u64(3)); v[0] != refTag {
			t.Errorf("another record's create is no longer a reference: %q", v)
		}
		return nil
	})
	answerAll(t, s, 1, 2, 3, 4, 5)
}

// decodeRef reads both forms of a reference, and refuses damage with
// errBadRef, never a panic: what it reads writes back as it read.
func FuzzDecodeRef(f *testing.F) {
	uuid := model.NewID()
	for _, op := range []rawOp{
		{ID: uuid, Entity: model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, Kind: model.OpCreate,
			HLC: model.HLC{Wall: 1764230400000, Counter: 2, Node: "mine"}, Actor: model.Actor{User: "ann", Device: "mine"}, Schema: 3},
		{ID: "op-1", Entity: model.EntityRef{Type: model.TypeService, ID: "S1"}, Kind: model.OpCreate,
			HLC: model.HLC{Wall: -5, Node: "other"}, Actor: model.Actor{User: "王伟", Device: "laptop"}, Schema: 1},
	} {
		f.Add(op.appendRef(nil, "mine"))
		f.Add(op.appendRefIn(nil, "mine", false))
	}
	f.Add([]byte{refTag, 0, 9})
	f.Add([]byte{refTag, 0, 0, 200})
	f.Fuzz(func(t *testing.T, v []byte) {
		op, err := decodeRef(v, "mine")
		if err != nil {
			if !errors.Is(err, errBadRef) {
				t.Fatalf("%q: %v", v, err)
			}
			return
		}
		back, err := decodeRef(op.appendRef(nil, "mine"), "mine")
		if err != nil || back != op {
			t.Fatalf("%q reads as %+v, which writes back as %+v, %v", v, op, back, err)
		}
	})
}
