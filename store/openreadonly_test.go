package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestOpenReadOnlyLeavesNoTrace: Options.ReadOnly reads a writable book
// without making a lock file, refuses writes with ErrReadOnly, and on a
// path with no book makes neither the book nor its folder.
func TestOpenReadOnlyLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "book.db")
	s, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&model.Lead{Company: "Acme", Stage: "prospect"}) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Remove(lockPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}

	ro, err := Open(Options{Path: path, ReadOnly: true, CheckOnFirstUse: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := ro.View(func(tx *Tx) error { leads, err := tx.Leads(LeadFilter{}); n = len(leads); return err }); err != nil || n != 1 {
		t.Fatalf("View: %d leads, %v", n, err)
	}
	err = ro.Update(func(tx *Tx) error { return tx.AddLead(&model.Lead{Company: "Bravo", Stage: "prospect"}) })
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Update on a read-only store: %v, want ErrReadOnly", err)
	}
	if _, err := os.Stat(lockPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read-only open made the lock file: %v", err)
	}

	missing := filepath.Join(dir, "nowhere", "book.db")
	if ro, err := Open(Options{Path: missing, ReadOnly: true, CheckOnFirstUse: true}); err == nil {
		ro.View(func(*Tx) error { return nil })
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read-only open of a missing book made its folder: %v", err)
	}
}
