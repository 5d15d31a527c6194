package ui_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestStaleVisitDoesNotTakeTheFirstKeys starts the real binary in a real
// terminal on a book whose visit was left open yesterday (`visit start`
// and no check-out) and types at once, as a user does while the screen
// comes up: the keys must not become the old visit's notes (issue 14,
// finding 5). The UI says the visit is open and waits for an answer.
func TestStaleVisitDoesNotTakeTheFirstKeys(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fieldcrm")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/fieldcrm/fieldcrm/cmd/fieldcrm").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "book.db")
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
	home := filepath.Join(dir, "home")
	cfgDir := filepath.Join(home, "config", "fieldcrm")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("user = \"tester\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("env -i PATH=%q HOME=%q XDG_DATA_HOME=%q XDG_CONFIG_HOME=%q TERM=xterm-256color LANG=C.UTF-8 FIELDCRM_LANG=en USER=tester FIELDCRM_DB=%q",
		os.Getenv("PATH"), home, filepath.Join(home, "data"), filepath.Join(home, "config"), db)
	script := fmt.Sprintf("exec %s %q 2>%q", env, bin, filepath.Join(dir, "stderr"))
	s := &tmuxSession{t: t, socket: fmt.Sprintf("fieldcrm-stale-%d", os.Getpid())}
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.tmux("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30", "sh", "-c", script)
	for range 10 { // typing while the first frame comes up: keys the board ignores, and e, which would end the visit
		s.text("jkejk")
	}
	s.waitFor("is still open.")
	s.waitFor("e end it now")
	if scr := s.screen(); strings.Contains(scr, "jk") || strings.Contains(scr, "Visit: Harbor") {
		t.Fatalf("the first keys went into the old visit:\n%s", scr)
	}
	time.Sleep(500 * time.Millisecond) // past the question's guard
	s.keys("Escape")
	s.waitFor("Pipeline")
	s.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	// The session ends with fieldcrm, its only process.
	for exec.Command("tmux", "-L", s.socket, "has-session", "-t", "ui").Run() == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
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
