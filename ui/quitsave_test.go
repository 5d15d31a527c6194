package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestQuitWaitsForASaveTheBookHolds: a quick note saved with ctrl+s and
// the program quit with ctrl+c at once, while another handle holds the
// book (as a sync's pull or another process's compaction may for a
// second or two), is in the book once the hold ends: the real binary, in
// a real terminal (tmux on a private socket), waits for the save before
// it ends instead of dropping it.
func TestQuitWaitsForASaveTheBookHolds(t *testing.T) {
	t.Parallel()
	s, ids := newTerminal(t, "quitsave", model.Lead{Company: "Harbor Logistics", Stage: "qualified"})
	s.start()
	s.WaitFor("1 leads")
	s.QuickNote("harbor", "Harbor Logistics")
	const note = "Asked for a quote on 40 pallets"
	s.Text(note)
	s.WaitFor("40 pallets")

	holder, err := store.Open(store.Options{Path: s.st.Path(), KeepOpen: true, LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.Keys("C-s")
	s.Keys("C-c")
	time.Sleep(1500 * time.Millisecond)
	if !s.Running() {
		holder.Close()
		t.Fatal("the program ended while its save waited for the book")
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	s.WaitEnded()

	err = s.st.View(func(tx *store.Tx) error {
		acts, err := tx.ActivitiesOf(ids[0], 0)
		if err != nil {
			return err
		}
		if len(acts) != 1 || !strings.HasPrefix(acts[0].Notes(), note) {
			t.Errorf("after quitting, the lead has %+v; want the note saved", acts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
