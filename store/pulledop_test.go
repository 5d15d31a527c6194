package store_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	bolt "go.etcd.io/bbolt"
)

// TestPreparedPullWritesWhatApplyRemoteOpWrites: the ops of a demo book,
// pulled by two books, one applying each with ApplyRemoteOp and one
// preparing them all first (as the sync does a page ahead) and applying
// them with ApplyPulled, leave the two files equal, byte for byte, in
// every bucket but the book's own identity; delivered twice, with a
// create whose record the book refuses among them, and a create arriving
// again after an edit of its record.
func TestPreparedPullWritesWhatApplyRemoteOpWrites(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return t0 }
	ops := demoOps(t, 12, t0)
	bad := ops[0]
	bad.ID, bad.Entity.ID = model.NewID(), "L-refused"
	bad.Fields = map[string]json.RawMessage{"id": json.RawMessage(`"L-refused"`), "company": json.RawMessage(`[1]`)}
	// A later edit of the first record, then its create once more: the
	// create must merge into what the book holds, not replace it.
	edit := ops[0]
	edit.ID, edit.Kind, edit.HLC.Wall = model.NewID(), model.OpSet, edit.HLC.Wall+1
	edit.Fields = map[string]json.RawMessage{"city": json.RawMessage(`"Suzhou"`)}
	ops = append(append(append(ops, bad), ops...), edit, ops[0]) // every op twice, the bad one between

	open := func(name string) *store.Store {
		st, err := store.Open(store.Options{Path: filepath.Join(dir, name), User: "boss", Now: now, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	one, two := open("one.db"), open("two.db")
	apply := func(st *store.Store, fn func(tx *store.Tx, i int) error) (refused int) {
		if err := st.Update(func(tx *store.Tx) error {
			for i := range ops {
				if err := fn(tx, i); err != nil {
					if _, ok := err.(*store.CannotApplyError); !ok {
						return err
					}
					refused++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return refused
	}
	r1 := apply(one, func(tx *store.Tx, i int) error { return tx.ApplyRemoteOp(ops[i]) })
	prepared := make([]*store.PulledOp, len(ops))
	for i, op := range ops {
		prepared[i] = two.PreparePulled(op)
	}
	r2 := apply(two, func(tx *store.Tx, i int) error { return tx.ApplyPulled(prepared[i]) })
	if r1 != 1 || r2 != 1 {
		t.Fatalf("refused %d and %d changes, want the bad one alone", r1, r2)
	}
	if n := sameFiles(t, one, two, "ApplyRemoteOp", "ApplyPulled"); n < len(ops) {
		t.Fatalf("the book holds only %d keys", n)
	}
}

// sameFiles fails unless the files of want and got (closed by it) hold
// the same keys and values, meta aside (fileSnapshot); it returns how
// many. The names say which book is which.
func sameFiles(t *testing.T, want, got *store.Store, wantName, gotName string) int {
	t.Helper()
	a, b := fileSnapshot(t, want), fileSnapshot(t, got)
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("%q differs:\n%s %q\n%s %q", k, wantName, v, gotName, b[k])
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Fatalf("%q is only in the book of %s", k, gotName)
		}
	}
	return len(a)
}

// demoOps are the ops in the outbox of a demo book of leads leads made at
// t0 by ann: what a pull brings a manager.
func demoOps(t *testing.T, leads int, t0 time.Time) []model.Op {
	t.Helper()
	src, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "src.db"), User: "ann",
		Now: func() time.Time { return t0 }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := demo.Generate(src, demo.Options{Leads: leads, Now: t0, SalesOnly: true}); err != nil {
		t.Fatal(err)
	}
	var ops []model.Op
	if err := src.View(func(tx *store.Tx) error {
		entries, err := tx.Outbox(0)
		for _, e := range entries {
			ops = append(ops, e.Op)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(ops) < 8*leads {
		t.Fatalf("the demo book has only %d ops", len(ops))
	}
	return ops
}

// fileSnapshot is every key and value of st's file, nested buckets
// included, less the meta bucket (the book's node id and clock).
func fileSnapshot(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	path := st.Path()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+string(k)+"/", b.Bucket(k))
			} else {
				out[prefix+string(k)] = string(v)
			}
			return nil
		})
	}
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) != "meta" {
				walk(string(name)+"/", b)
			}
			return nil
		})
	})
	return out
}
