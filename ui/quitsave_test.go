package ui_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// TestQuitWaitsForASaveTheBookHolds: a quick note saved with ctrl+s and
// the program quit with ctrl+c at once, while another handle holds the
// book (as a sync's pull or another process's compaction may for a
// second or two), is in the book once the hold ends: the real binary, in
// a real terminal (tmux on a private socket), waits for the save before
// it ends instead of dropping it.
func TestQuitWaitsForASaveTheBookHolds(t *testing.T) {
	t.Parallel()
	s := uitest.NewTerminal(t, "quitsave")
	db := filepath.Join(s.Dir, "book.db")
	st, err := store.Open(store.Options{Path: db, User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	var leadID string
	err = st.Update(func(tx *store.Tx) error {
		l := &model.Lead{Company: "Harbor Logistics", Stage: "qualified"}
		err := tx.AddLead(l)
		leadID = l.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Config("user = \"tester\"\n")
	script := fmt.Sprintf("exec %s %q 2>%q", s.Env("FIELDCRM_DB="+db), s.Bin, filepath.Join(s.Dir, "stderr"))
	s.Start(100, 30, script)
	s.WaitFor("1 leads")
	s.Keys("C-n")
	s.WaitFor("Quick note")
	s.Text("harbor")
	s.WaitFor("Harbor Logistics")
	s.Keys("Enter")
	s.WaitFor("for Harbor Logistics")
	const note = "Asked for a quote on 40 pallets"
	s.Text(note)
	s.WaitFor("40 pallets")

	holder, err := store.Open(store.Options{Path: db, KeepOpen: true, LockTimeout: 5 * time.Second})
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

	err = st.View(func(tx *store.Tx) error {
		acts, err := tx.ActivitiesOf(leadID, 0)
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
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
