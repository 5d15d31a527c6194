package ui_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestDraftSurvivesSIGKILL types a quick note into the real binary in a
// real terminal (tmux on a private socket), kills the process with SIGKILL
// mid-sentence (by its pid, from tmux's pane_pid), starts it again and
// finds the note offered back, then saves it.
func TestDraftSurvivesSIGKILL(t *testing.T) {
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

	home := filepath.Join(dir, "home")
	// The "editor" appends a line to the file it is given, as a person
	// would in vi.
	editorScript := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(editorScript, []byte("#!/bin/sh\nprintf 'From the editor. ' >> \"$1\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("env -i PATH=%q HOME=%q XDG_DATA_HOME=%q XDG_CONFIG_HOME=%q TERM=xterm-256color LANG=C.UTF-8 FIELDCRM_LANG=en USER=tester FIELDCRM_DB=%q EDITOR=%q",
		os.Getenv("PATH"), home, filepath.Join(home, "data"), filepath.Join(home, "config"), db, editorScript)
	// exec: the pane's process is fieldcrm itself, so pane_pid is its pid.
	script := fmt.Sprintf("exec %s %q 2>%q", env, bin, filepath.Join(dir, "stderr"))
	s := &tmuxSession{t: t, socket: fmt.Sprintf("fieldcrm-capture-%d", os.Getpid())}
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })

	s.tmux("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30", "sh", "-c", script)
	// The config has no user line: the first start asks for a name and
	// saves it, so the restart below goes straight to the board.
	s.waitFor("What is your name?")
	s.text("tester")
	s.keys("Enter")
	s.waitFor("1 leads")
	if cfg, err := os.ReadFile(filepath.Join(home, "config", "fieldcrm", "config.toml")); err != nil || !strings.Contains(string(cfg), `"tester"`) {
		t.Fatalf("the name was not saved in the config: %v %q", err, cfg)
	}
	s.keys("C-n")
	s.waitFor("Quick note")
	s.text("harbor")
	s.waitFor("Harbor Logistics")
	s.keys("Enter")
	s.waitFor("for Harbor Logistics")
	s.keys("C-e") // $EDITOR takes the terminal and gives the text back
	s.waitFor("From the editor.")
	s.text("Met the fleet manager. Wants 3 trucks")
	s.waitFor("Wants 3 trucks")
	time.Sleep(1200 * time.Millisecond) // a pause: the draft is saved
	s.text(" by March and a serv")      // mid-sentence...
	pid, err := strconv.Atoi(strings.TrimSpace(s.tmux("display", "-p", "-t", "ui", "#{pane_pid}")))
	if err != nil {
		t.Fatal(err)
	}
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); len(comm) > 0 && strings.TrimSpace(string(comm)) != "fieldcrm" {
		t.Fatalf("pane pid %d is %q, not fieldcrm", pid, comm)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("fieldcrm (pid %d) still runs after SIGKILL", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The session died with its only process; start the program again.
	exec.Command("tmux", "-L", s.socket, "kill-session", "-t", "ui").Run()
	s.tmux("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30", "sh", "-c", script)
	s.waitFor("Unsaved notes from last time")
	s.waitFor("From the editor. Met the fleet manager. Wants 3 trucks")
	s.keys("Enter")
	s.waitFor("for Harbor Logistics")
	s.keys("C-s")
	s.waitFor("Note saved to Harbor Logistics.")
	s.keys("q")

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
