package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

func openSyncTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "sync.db"), User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigration3AddsSyncBucketsToAnOlderFile(t *testing.T) {
	s := openSyncTemp(t)
	// Make the file look like schema 2: no sync buckets.
	db, err := bolt.Open(s.Path(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSync, bucketRejected} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(2))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Path: s.Path(), User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.SetSyncState(SyncState{Cursor: 7, Epoch: "e1", LastSync: time.UnixMilli(1_700_000_000_000)}); err != nil {
			return err
		}
		got := tx.SyncState()
		if got.Cursor != 7 || got.Epoch != "e1" || got.LastSync.UnixMilli() != 1_700_000_000_000 {
			t.Fatalf("sync state %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRejectedListKeepsOpsUntilDismissed(t *testing.T) {
	s := openSyncTemp(t)
	op := model.Op{ID: "op1", Entity: model.EntityRef{Type: model.TypeLead, ID: "l1"}, Kind: model.OpSet,
		Fields: map[string]json.RawMessage{"city": json.RawMessage(`"苏州"`)}}
	if err := s.Update(func(tx *Tx) error { return tx.AddRejected(op, "only a manager can change owner") }); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		list, err := tx.Rejected()
		if err != nil || len(list) != 1 || list[0].Reason == "" || string(list[0].Op.Fields["city"]) != `"苏州"` || tx.RejectedLen() != 1 {
			t.Fatalf("rejected %+v %v", list, err)
		}
		return nil
	})
	if err := s.Update(func(tx *Tx) error { return tx.DismissRejected("op1") }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DismissRejected("op1") }); err == nil {
		t.Fatal("dismissing twice did not fail")
	}
}

func TestRemoveLocalDropsRecordIndexesAndCard(t *testing.T) {
	s := openSyncTemp(t)
	l := model.Lead{Company: "Acme"}
	a := model.Activity{Kind: model.KindCall}
	err := s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		a.LeadID = l.ID
		if err := tx.AddActivity(&a, "hi"); err != nil {
			return err
		}
		entries, err := tx.Outbox(0)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := tx.DropOutbox(e.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.RemoveLocal(model.TypeActivity, a.ID); err != nil {
			return err
		}
		return tx.RemoveLocal(model.TypeLead, l.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		if _, ok, _ := tx.Record(model.TypeLead, l.ID); ok {
			t.Fatal("lead still there")
		}
		if cards, _ := tx.Cards(); len(cards) != 0 {
			t.Fatalf("cards left: %d", len(cards))
		}
		if acts, _ := tx.ActivitiesOf(l.ID, 0); len(acts) != 0 {
			t.Fatalf("activity index left: %d", len(acts))
		}
		if tx.OutboxLen() != 0 {
			t.Fatal("removing made an op")
		}
		for _, typ := range []string{model.TypeLead, model.TypeActivity} {
			if n := tx.bucket(bucketStamps, []byte(typ)).Stats().KeyN; n != 0 {
				t.Errorf("%d merge states of %s records left", n, typ)
			}
		}
		return nil
	})
}

func TestReplaceRecordKeepsWaitingOps(t *testing.T) {
	s := openSyncTemp(t)
	l := model.Lead{Company: "Acme"}
	var server *model.Record
	err := s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		rec, _, err := tx.Record(model.TypeLead, l.ID)
		server = rec
		entries, _ := tx.Outbox(0)
		for _, e := range entries {
			_ = tx.DropOutbox(e.Seq)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		got, err := tx.Lead(l.ID)
		if err != nil {
			return err
		}
		got.City = "Ningbo" // waiting in the outbox
		if err := tx.UpdateLead(&got); err != nil {
			return err
		}
		return tx.ReplaceRecord(model.TypeLead, l.ID, server)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		got, err := tx.Lead(l.ID)
		if err != nil || got.City != "Ningbo" {
			t.Fatalf("after replace: city %q, %v; the waiting change must stay", got.City, err)
		}
		return nil
	})
}

func TestAdoptUnsyncedRewritesOwnerOfWaitingCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(Options{Path: path, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	l := model.Lead{Company: "Acme"}
	if err := s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		a := model.Activity{LeadID: l.ID, Kind: model.KindCall}
		return tx.AddActivity(&a, "called them")
	}); err != nil {
		t.Fatal(err)
	}
	l.City = "Xiamen" // a set as well as a create
	if err := s.Update(func(tx *Tx) error { return tx.UpdateLead(&l) }); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.Update(func(tx *Tx) error { n, err = tx.AdoptUnsynced("root", "wang"); return err }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("adopted %d", n)
	}
	var entries []OutboxEntry
	_ = s.View(func(tx *Tx) error {
		entries, _ = tx.Outbox(0)
		for _, e := range entries {
			if e.Op.Actor.User != "wang" {
				t.Errorf("op %s goes out as %q", e.Op.Kind, e.Op.Actor.User)
			}
			if e.Op.Kind == model.OpCreate && e.Op.Entity.Type == model.TypeLead && string(e.Op.Fields["owner"]) != `"wang"` {
				t.Fatalf("create op still names %s", e.Op.Fields["owner"])
			}
		}
		return nil
	})
	// The server answers the ops: the record becomes what they make.
	if err := s.Update(func(tx *Tx) error {
		for _, e := range entries {
			if err := tx.DropOutbox(e.Seq); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		got, err := tx.Lead(l.ID)
		if err != nil || got.Owner != "wang" {
			t.Fatalf("owner %q, %v", got.Owner, err)
		}
		rec, _, _ := tx.Record(model.TypeLead, l.ID)
		replay := model.NewRecord(model.TypeLead)
		for _, e := range entries {
			if e.Op.Entity.ID == l.ID {
				e.Op.Actor.User = "wang" // as the server stores it
				replay.Apply(e.Op)
			}
		}
		if !replay.Equal(rec) {
			t.Fatalf("the stored lead is not what its pushed ops make:\nstored %+v %s\nreplay %+v %s", rec, rec.Fields, replay, replay.Fields)
		}
		if tx.adopted() != nil {
			t.Errorf("the handover is still recorded with an empty outbox: %v", tx.adopted())
		}
		acts, err := tx.ActivitiesOf(l.ID, 0)
		if err != nil || len(acts) != 1 || acts[0].Author != "wang" {
			t.Errorf("activities after the answers: %+v, %v", acts, err)
		}
		return nil
	})
	// The card and the indexes say what the records say.
	s.Close()
	r, err := Doctor(path)
	if err != nil || !r.OK() {
		t.Fatalf("doctor after the handover: %+v, %v", r, err)
	}
}

// Adopting writes one key, however much waits: the records change only
// as the server answers their ops.
func TestAdoptUnsyncedWritesOnlyTheNames(t *testing.T) {
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "a.db"), User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.Update(func(tx *Tx) error {
		for i := range 50 {
			l := model.Lead{Company: fmt.Sprintf("Lead %d", i)}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			ids = append(ids, l.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dump := func() map[string]string {
		out := map[string]string{}
		s.View(func(tx *Tx) error {
			for _, name := range [][]byte{bucketLeads, bucketOutbox} {
				tx.bucket(name).ForEach(func(k, v []byte) error { out[string(name)+"/"+string(k)] = string(v); return nil })
			}
			return tx.bucket(bucketStamps, []byte(model.TypeLead)).ForEach(func(k, v []byte) error {
				out["stamps/"+string(k)] = string(v)
				return nil
			})
		})
		return out
	}
	before := dump()
	var n int
	if err := s.Update(func(tx *Tx) error { n, err = tx.AdoptUnsynced("root", "wang"); return err }); err != nil {
		t.Fatal(err)
	}
	if n != 50 {
		t.Fatalf("adopted %d leads, want 50", n)
	}
	if after := dump(); !maps.Equal(before, after) {
		t.Fatal("adopting rewrote records or ops")
	}
	// A second handover before the push names the last account.
	if err := s.Update(func(tx *Tx) error { _, err = tx.AdoptUnsynced("wang", "li"); return err }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		entries, _ := tx.Outbox(1)
		if len(entries) != 1 || entries[0].Op.Actor.User != "li" || string(entries[0].Op.Fields["owner"]) != `"li"` {
			t.Fatalf("after two handovers the op reads %+v", entries)
		}
		return nil
	})
}
