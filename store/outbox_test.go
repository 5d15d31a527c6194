package store

import (
	"bytes"
	"encoding/json"
	"path/filepath"
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
		if tx.bucket(bucketOutboxNew).Get(refKey(model.EntityRef{Type: model.TypeLead, ID: l.ID})) == nil {
			t.Fatal("outbox_new does not name the reference")
		}
		return nil
	})
	if size > 160 {
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
		if n := tx.bucket(bucketOutboxNew).Stats().KeyN; n != 0 {
			t.Errorf("outbox_new keeps %d entries", n)
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
	if err := s.Update(func(tx *Tx) error { return tx.DropOutbox(1) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if tx.OutboxLen() != 0 || tx.bucket(bucketOutboxNew).Stats().KeyN != 0 {
			t.Errorf("after the answer: outbox %d, outbox_new %d", tx.OutboxLen(), tx.bucket(bucketOutboxNew).Stats().KeyN)
		}
		return nil
	})
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
	// Write the outbox as books before schema 11 held it: every op JSON.
	if err := s.Update(func(tx *Tx) error {
		var refs []model.EntityRef
		tx.bucket(bucketOutboxNew).ForEach(func(k, _ []byte) error {
			typ, id, _ := bytes.Cut(k, []byte{0})
			refs = append(refs, model.EntityRef{Type: string(typ), ID: string(id)})
			return nil
		})
		for _, r := range refs {
			if err := tx.settleCreate(r.Type, r.ID); err != nil {
				return err
			}
		}
		if err := tx.tx.DeleteBucket(bucketOutboxNew); err != nil {
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
