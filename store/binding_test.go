package store

import (
	"testing"
)

// A book bound at its first login gets its first sync state in the same
// transaction; a book that synced before books were bound keeps its
// cursor; rebinding starts afresh; once bound, the book writes as its
// account's user whatever Options.User says; the unsynced work can be set
// aside into the refused list.
func TestBindingAndRebinding(t *testing.T) {
	s := openSyncTemp(t)
	lead := addLead(t, s, "Bound Co", "prospect").ID
	if err := s.Update(func(tx *Tx) error {
		if !tx.Binding().IsZero() {
			t.Error("a new book is bound")
		}
		return tx.SetSyncState(SyncState{LastError: "offline"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.Bind("https://a.example", "bob") }); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(Options{Path: s.Path(), User: "mallory"})
	if err != nil {
		t.Fatal(err)
	}
	if s2.User() != "bob" {
		t.Errorf("a book bound to bob writes as %q", s2.User())
	}
	s2.View(func(tx *Tx) error {
		b := tx.Binding()
		if b.Server != "https://a.example" || b.User != "bob" || b.Replica != s.Node() || b.At.IsZero() {
			t.Errorf("binding %+v", b)
		}
		if st := tx.SyncState(); st != (SyncState{}) {
			t.Errorf("the first sync state is %+v", st)
		}
		return nil
	})
	if err := s2.Update(func(tx *Tx) error { return tx.Bind("https://b.example", "carl") }); err == nil {
		t.Error("a bound book was bound again without Rebind")
	}

	// Synced before books were bound: the cursor stays.
	legacy := openSyncTemp(t)
	if err := legacy.Update(func(tx *Tx) error {
		if err := tx.SetSyncState(SyncState{Cursor: 42, Epoch: "e1"}); err != nil {
			return err
		}
		if err := tx.Bind("https://a.example", "ann"); err != nil {
			return err
		}
		if st := tx.SyncState(); st.Cursor != 42 || st.Epoch != "e1" {
			t.Errorf("binding a book that synced lost its cursor: %+v", st)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	if err := s2.Update(func(tx *Tx) error {
		if err := tx.Rebind("https://b.example", "carl"); err != nil {
			return err
		}
		if st := tx.SyncState(); st.Cursor != 0 || st.Epoch != "" {
			t.Errorf("rebinding kept the cursor: %+v", st)
		}
		n, err := tx.SetAsideOutbox("handed over")
		if n != 1 {
			t.Errorf("set aside %d change(s), want 1", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s2.View(func(tx *Tx) error {
		if tx.OutboxLen() != 0 || tx.RejectedLen() != 1 {
			t.Errorf("after setting aside: outbox %d, refused %d", tx.OutboxLen(), tx.RejectedLen())
		}
		if _, err := tx.Lead(lead); err != nil {
			t.Errorf("the lead went with its op: %v", err)
		}
		return nil
	})
}
