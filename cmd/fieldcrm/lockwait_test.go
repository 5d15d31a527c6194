package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestUISaveWaitsOutAnotherProcesssHold: with the UI's lock wait, a write
// made while another handle holds the book for longer than the CLI's one
// second (as a compaction of a big book does) waits and lands; with the
// CLI's default it gives up. The holder lets go after 1.5 s.
func TestUISaveWaitsOutAnotherProcesssHold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	open := func(wait time.Duration) *store.Store {
		a := &app{in: strings.NewReader(""), out: io.Discard, err: io.Discard, now: time.Now,
			dbPath: path, cfg: &config.Config{User: "wang"}, lockWait: wait}
		a.rules = model.DefaultRules
		st, err := a.store()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	add := func(st *store.Store, company string) error {
		return st.Update(func(tx *store.Tx) error {
			l := model.Lead{Company: company}
			return tx.AddLead(&l)
		})
	}
	for _, c := range []struct {
		name string
		wait time.Duration
		want bool
	}{{"cli", 0, false}, {"ui", uiLockWait, true}} {
		st := open(c.wait)
		if err := add(st, "before "+c.name); err != nil {
			t.Fatal(err)
		}
		holder, err := store.Open(store.Options{Path: path, KeepOpen: true, LockTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		released := make(chan struct{})
		go func() {
			time.Sleep(1500 * time.Millisecond)
			holder.Close()
			close(released)
		}()
		err = add(st, "during "+c.name)
		<-released
		if got := err == nil; got != c.want {
			t.Errorf("%s: a write during a 1.5 s hold: err = %v, want success %v", c.name, err, c.want)
		}
	}
}
