package ui_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// TestDraftSurvivesSIGKILL types a quick note into the real binary in a
// real terminal (tmux on a private socket), kills the process with SIGKILL
// mid-sentence (by its pid, from tmux's pane_pid), starts it again and
// finds the note offered back, then saves it.
func TestDraftSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	s := uitest.NewTerminal(t, "capture")
	dir := s.Dir
	db := filepath.Join(dir, "book.db")
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

	// The "editor" appends a line to the file it is given, as a person
	// would in vi.
	editorScript := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(editorScript, []byte("#!/bin/sh\nprintf 'From the editor. ' >> \"$1\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	// exec: the pane's process is fieldcrm itself, so pane_pid is its pid.
	script := fmt.Sprintf("exec %s %q 2>%q", s.Env("FIELDCRM_DB="+db, "EDITOR="+editorScript), s.Bin, filepath.Join(dir, "stderr"))
	s.Start(100, 30, script)
	// The config has no user line: the first start asks for a name and
	// saves it, so the restart below goes straight to the board.
	s.WaitFor("What is your name?")
	s.Text("tester")
	s.Keys("Enter")
	s.WaitFor("1 leads")
	if cfg, err := os.ReadFile(filepath.Join(s.Home(), "config", "fieldcrm", "config.toml")); err != nil || !strings.Contains(string(cfg), `"tester"`) {
		t.Fatalf("the name was not saved in the config: %v %q", err, cfg)
	}
	s.QuickNote("harbor", "Harbor Logistics")
	s.Keys("C-e") // $EDITOR takes the terminal and gives the text back
	s.WaitFor("From the editor.")
	s.Text("Met the fleet manager. Wants 3 trucks")
	s.WaitFor("Wants 3 trucks")
	time.Sleep(1200 * time.Millisecond) // a pause: the draft is saved
	s.Text(" by March and a serv")      // mid-sentence...
	s.Kill()
	// The session died with its only process; start the program again.
	s.Start(100, 30, script)
	s.WaitFor("Unsaved notes from last time")
	s.WaitFor("From the editor. Met the fleet manager. Wants 3 trucks")
	s.Keys("Enter")
	s.WaitFor("for Harbor Logistics")
	s.Keys("C-s")
	s.WaitFor("Note saved to Harbor Logistics.")
	s.Keys("q")

	err = st.View(func(tx *store.Tx) error {
		acts, err := tx.ActivitiesOf(leadID, 0)
		if err != nil {
			return err
		}
		if len(acts) != 1 || !strings.HasPrefix(acts[0].Notes(), "From the editor. Met the fleet manager. Wants 3 trucks") {
			t.Errorf("after the kill and the restart the lead has %+v", acts)
		}
		ds, err := tx.Drafts()
		if len(ds) != 0 {
			t.Errorf("drafts left after saving: %+v", ds)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
