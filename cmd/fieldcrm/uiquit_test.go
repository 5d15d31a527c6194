package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Quitting the terminal UI waits for a save still waiting for the book
// (here another write holds it, as the sync's pull may for a second or
// two), and the save is in the book when the wait ends.
func TestQuitWaitsForTheUIsWrites(t *testing.T) {
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "book.db"), KeepOpen: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &savingBook{Store: st}
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- st.Update(func(*store.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
	saved := make(chan error, 1)
	go func() {
		saved <- b.Update(func(tx *store.Tx) error {
			l := model.Lead{Company: "Typed before quitting"}
			return tx.AddLead(&l)
		})
	}()
	for i := 0; b.writes.Load() == 0 && i < 2000; i++ {
		time.Sleep(time.Millisecond)
	}
	if b.settle(20 * time.Millisecond) {
		t.Fatal("settled while a save waited for the book")
	}
	close(release)
	if !b.settle(10 * time.Second) {
		t.Fatal("the save did not end once the book was free")
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.View(func(tx *store.Tx) error {
		ls, err := tx.Leads(store.LeadFilter{})
		n = len(ls)
		return err
	}); err != nil || n != 1 {
		t.Fatalf("%d leads in the book after the wait (%v); want the one saved", n, err)
	}
}
