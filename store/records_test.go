package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	bolt "go.etcd.io/bbolt"
)

// TestADamagedPackedRecordIsDamage: a packed record cut short on disk is
// damage in one sentence when read, doctor names it, and a repair saves
// the rest.
func TestADamagedPackedRecordIsDamage(t *testing.T) {
	path, leads := doctorBook(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeads)
		v := b.Get([]byte(leads[0].ID))
		if !jsonpack.Packed(v) {
			t.Fatalf("lead stored as %q, not packed", v)
		}
		return b.Put([]byte(leads[0].ID), append([]byte(nil), v[:len(v)/2]...))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error { _, err := tx.Lead(leads[0].ID); return err })
	var de *DamagedError
	if !errors.As(err, &de) || !strings.Contains(de.Problem, leads[0].ID) {
		t.Fatalf("reading the damaged lead: %v", err)
	}
	s.Close()

	r, err := Doctor(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || len(r.Lost) != 1 || !strings.Contains(r.Lost[0].Where, leads[0].ID) {
		t.Fatalf("doctor = %+v", r)
	}
	if r, err = Repair(path, t0); err != nil || !r.Repaired {
		t.Fatalf("repair = %+v, %v", r, err)
	}
	if got := readLeads(t, path); len(got) != len(leads)-1 {
		t.Fatalf("%d leads after repair, want %d", len(got), len(leads)-1)
	}
}
