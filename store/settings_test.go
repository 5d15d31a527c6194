package store

import (
	"path/filepath"
	"testing"
	"time"
)

// TestCompanySettingsKeptInTheBook: the settings a sync stored are there
// after a reopen, and for a read-only open (as every command reads them
// before it opens the book), which writes nothing.
func TestCompanySettingsKeptInTheBook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	s, err := Open(Options{Path: path, User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		if _, ok, err := tx.CompanySettings(); ok || err != nil {
			t.Errorf("a new book has settings: %v %v", ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := CompanySettings{Version: 4, Text: "[[stages]]\nkey = \"试点\"\n", Server: "https://crm.example.com", Fetched: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)}
	if err := s.Update(func(tx *Tx) error { return tx.SetCompanySettings(want) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	ro, err := Open(Options{Path: path, ReadOnly: true, CheckOnFirstUse: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.View(func(tx *Tx) error {
		got, ok, err := tx.CompanySettings()
		if !ok || got != want {
			t.Errorf("read back %+v %v, want %+v", got, ok, want)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.Update(func(tx *Tx) error { return tx.SetCompanySettings(want) }); err == nil {
		t.Error("a read-only book took a write")
	}
}
