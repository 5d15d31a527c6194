package ui_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
)

// tmuxSession drives the real binary in a real terminal: tmux on a
// private socket, killed by that socket's name only.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "ui") }

// waitFor polls the screen (at most 10 s) until it contains want.
func (s *tmuxSession) waitFor(want string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("after 10 s the terminal does not show %q:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", "ui"}, keys...)...)
}
func (s *tmuxSession) text(text string) { s.tmux("send-keys", "-t", "ui", "-l", text) }

// TestWholeFlowInARealTerminal builds fieldcrm, opens the demo in tmux,
// creates a lead, moves it two stages, opens it, goes back, quits, and
// checks the database.
func TestWholeFlowInARealTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fieldcrm")
	build := exec.Command("go", "build", "-o", bin, "github.com/fieldcrm/fieldcrm/cmd/fieldcrm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	done := filepath.Join(dir, "exit-code")
	env := fmt.Sprintf("env -i PATH=%q HOME=%q XDG_DATA_HOME=%q XDG_CONFIG_HOME=%q TERM=xterm-256color LANG=C.UTF-8 FIELDCRM_LANG=en USER=tester",
		os.Getenv("PATH"), home, filepath.Join(home, "data"), filepath.Join(home, "config"))
	script := fmt.Sprintf("%s %q --demo 2>%q; echo $? >%q; sleep 30", env, bin, filepath.Join(dir, "stderr"), done)

	s := &tmuxSession{t: t, socket: fmt.Sprintf("fieldcrm-ui-test-%d", os.Getpid())}
	s.tmux("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })

	s.waitFor("300 leads")
	s.keys("n")
	s.waitFor("New lead")
	s.text("Tmux Flow Co")
	for range 9 { // company, contact, phone, e-mail, city, industry, source, value, tags
		s.keys("Enter")
		time.Sleep(30 * time.Millisecond)
	}
	s.waitFor("┃ Tmux Flow Co")
	s.keys("L")
	s.waitFor("Moved Tmux Flow Co to Qualified.")
	s.keys("L")
	s.waitFor("Moved Tmux Flow Co to Contacted.")
	s.keys("Enter")
	s.waitFor("Tmux Flow Co  [Contacted]")
	s.keys("Escape")
	s.waitFor("Pipeline")
	s.waitFor("┃ Tmux Flow Co")
	s.keys("q")

	deadline := time.Now().Add(10 * time.Second)
	for {
		code, err := os.ReadFile(done)
		if err == nil {
			if strings.TrimSpace(string(code)) != "0" {
				stderr, _ := os.ReadFile(filepath.Join(dir, "stderr"))
				t.Fatalf("fieldcrm exited with %s: %s", code, stderr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fieldcrm did not quit on q:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}

	st, err := store.Open(store.Options{Path: filepath.Join(home, "data", "fieldcrm", "demo.db")})
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
