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

// TestStaleVisitDoesNotTakeTheFirstKeys starts the real binary in a real
// terminal on a book whose visit was left open yesterday (`visit start`
// and no check-out) and types at once, as a user does while the screen
// comes up: the keys must not become the old visit's notes (issue 14,
// finding 5). The UI says the visit is open and waits for an answer.
func TestStaleVisitDoesNotTakeTheFirstKeys(t *testing.T) {
	t.Parallel()
	s := uitest.NewTerminal(t, "stale")
	db := filepath.Join(s.Dir, "book.db")
	yesterday := time.Now().Add(-26 * time.Hour)
	st, err := store.Open(store.Options{Path: db, User: "tester", Now: func() time.Time { return yesterday }})
	if err != nil {
		t.Fatal(err)
	}
	var visitID string
	err = st.Update(func(tx *store.Tx) error {
		l := &model.Lead{Company: "Harbor Logistics", Stage: "qualified"}
		if err := tx.AddLead(l); err != nil {
			return err
		}
		a, err := tx.StartVisit(l.ID, "")
		visitID = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Config("user = \"tester\"\n")
	s.Start(100, 30, fmt.Sprintf("exec %s %q 2>%q", s.Env("FIELDCRM_DB="+db), s.Bin, filepath.Join(s.Dir, "stderr")))
	for range 10 { // typing while the first frame comes up: keys the board ignores, and e, which would end the visit
		s.Text("jkejk")
	}
	s.WaitFor("is still open.")
	s.WaitFor("e end it now")
	if scr := s.Screen(); strings.Contains(scr, "jk") || strings.Contains(scr, "Visit: Harbor") {
		t.Fatalf("the first keys went into the old visit:\n%s", scr)
	}
	time.Sleep(500 * time.Millisecond) // past the question's guard
	s.Keys("Escape")
	s.WaitFor("Pipeline")
	s.Keys("q")
	s.WaitEnded() // fieldcrm was the session's only process
	err = st.View(func(tx *store.Tx) error {
		ds, err := tx.Drafts()
		for _, d := range ds {
			if strings.Contains(d.Text, "jk") {
				t.Errorf("a draft took the keys: %+v", d)
			}
		}
		open, _ := tx.OpenVisits()
		if len(open) != 1 || open[0].ID != visitID {
			t.Errorf("the stale visit is not left open, as asked: %+v", open)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
