package store

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestReadOnlyBookCanBeRead: a book whose file is 0400 opens for reading;
// a write is refused with a sentence saying the book is read-only.
func TestReadOnlyBookCanBeRead(t *testing.T) {
	s := openTemp(t, nil)
	addLead(t, s, "Acme", "")
	path := s.Path()
	s.Close()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	r, err := Open(Options{Path: path, User: "ann", CheckOnFirstUse: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := r.View(func(tx *Tx) error { c, err := tx.Cards(); n = len(c); return err }); err != nil || n != 1 {
		t.Fatalf("read: %d cards, %v", n, err)
	}
	err = r.Update(func(tx *Tx) error { return tx.AddLead(&model.Lead{Company: "Other"}) })
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path) {
		t.Fatalf("write: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("the read-only book changed")
	}
}
