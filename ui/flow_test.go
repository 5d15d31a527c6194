package ui_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// TestWholeFlowInARealTerminal builds fieldcrm, opens the demo in tmux,
// creates a lead, moves it two stages, opens it, goes back, quits, and
// checks the database.
func TestWholeFlowInARealTerminal(t *testing.T) {
	t.Parallel()
	s := uitest.NewTerminal(t, "flow")
	done := filepath.Join(s.Dir, "exit-code")
	s.Start(100, 30, fmt.Sprintf("%s %q --demo 2>%q; echo $? >%q; sleep 30", s.Env(), s.Bin, filepath.Join(s.Dir, "stderr"), done))

	s.WaitFor("300 leads")
	s.Keys("n")
	s.WaitFor("New lead")
	s.Text("Tmux Flow Co")
	for range 9 { // company, contact, phone, e-mail, city, industry, source, value, tags
		s.Keys("Enter")
		time.Sleep(30 * time.Millisecond)
	}
	s.WaitFor("┃ Tmux Flow Co")
	s.Keys("L")
	s.WaitFor("Moved Tmux Flow Co to Qualified.")
	s.Keys("L")
	s.WaitFor("Moved Tmux Flow Co to Contacted.")
	s.Keys("Enter")
	s.WaitFor("Tmux Flow Co  [Contacted]")
	s.Keys("Escape")
	s.WaitFor("Pipeline")
	s.WaitFor("┃ Tmux Flow Co")
	s.Keys("q")

	deadline := time.Now().Add(10 * time.Second)
	for {
		code, err := os.ReadFile(done)
		if err == nil {
			if strings.TrimSpace(string(code)) != "0" {
				stderr, _ := os.ReadFile(filepath.Join(s.Dir, "stderr"))
				t.Fatalf("fieldcrm exited with %s: %s", code, stderr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fieldcrm did not quit on q:\n%s", s.Screen())
		}
		time.Sleep(50 * time.Millisecond)
	}

	st, err := store.Open(store.Options{Path: filepath.Join(s.Home(), "data", "fieldcrm", "demo.db")})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(func(tx *store.Tx) error {
		id, err := tx.ResolveLead("Tmux Flow Co")
		if err != nil {
			return err
		}
		l, err := tx.Lead(id)
		if err != nil {
			return err
		}
		if l.Stage != "contacted" {
			t.Errorf("the lead is in %q, want contacted", l.Stage)
		}
		cards, err := tx.Cards()
		if len(cards) != 301 {
			t.Errorf("the demo book has %d leads, want 301", len(cards))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
