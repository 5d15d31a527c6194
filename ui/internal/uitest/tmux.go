package uitest

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
)

// Terminal runs the real fieldcrm binary in a real terminal: tmux on a
// private socket, in one session named "ui", with a home of its own under
// Dir. The server is killed by its socket's name only, and the program by
// its pid, never by a name that could match another test's.
type Terminal struct {
	t      testing.TB
	socket string
	Dir    string // the test's temp dir: the binary, the home, stderr
	Bin    string // the binary built from cmd/fieldcrm
}

// NewTerminal skips when tmux is missing or under -short, builds the
// binary into a temp dir and has the tmux server killed at the end of the
// test; name keeps its socket apart from the other tests' running in
// parallel.
func NewTerminal(t testing.TB, name string) *Terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	tm := &Terminal{t: t, socket: fmt.Sprintf("fieldcrm-%s-%d", name, os.Getpid()), Dir: dir, Bin: filepath.Join(dir, "fieldcrm")}
	if out, err := exec.Command("go", "build", "-o", tm.Bin, "github.com/fieldcrm/fieldcrm/cmd/fieldcrm").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
		os.Remove(SocketPath(tm.socket)) // tmux 3.3 leaves it behind
	})
	return tm
}

// SocketPath is the file of the socket tmux -L name serves on:
// $TMUX_TMPDIR, or /tmp, then tmux-UID (tmux(1), -L). tmux leaves it
// behind when its server is killed; a test removes its own.
func SocketPath(name string) string {
	dir := os.Getenv("TMUX_TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	return filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), name)
}

// Home is the program's home directory; its data and config follow XDG
// below it.
func (tm *Terminal) Home() string { return filepath.Join(tm.Dir, "home") }

// Env is the `env -i` prefix that runs the program in English as user
// tester in Home, with extra "NAME=value" pairs (quoted here) after it.
func (tm *Terminal) Env(extra ...string) string {
	home := tm.Home()
	env := fmt.Sprintf("env -i PATH=%q HOME=%q XDG_DATA_HOME=%q XDG_CONFIG_HOME=%q TERM=xterm-256color LANG=C.UTF-8 FIELDCRM_LANG=en USER=tester",
		os.Getenv("PATH"), home, filepath.Join(home, "data"), filepath.Join(home, "config"))
	for _, kv := range extra {
		name, value, _ := strings.Cut(kv, "=")
		env += fmt.Sprintf(" %s=%q", name, value)
	}
	return env
}

// Config writes the program's config.toml in Home.
func (tm *Terminal) Config(text string) {
	tm.t.Helper()
	dir := filepath.Join(tm.Home(), "config", "fieldcrm")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tm.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(text), 0o600); err != nil {
		tm.t.Fatal(err)
	}
}

// Start opens the session at w×h running script under sh. A script that
// execs the program makes it the pane's process, so Kill finds its pid.
func (tm *Terminal) Start(w, h int, script string) {
	tm.t.Helper()
	tm.Tmux("new-session", "-d", "-s", "ui", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "sh", "-c", script)
}

// Tmux runs a tmux command on the private socket and returns its output.
func (tm *Terminal) Tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// Screen is the pane's text.
func (tm *Terminal) Screen() string { return tm.Tmux("capture-pane", "-p", "-t", "ui") }

// Keys sends tmux key names (Enter, C-n, ...).
func (tm *Terminal) Keys(keys ...string) {
	tm.t.Helper()
	tm.Tmux(append([]string{"send-keys", "-t", "ui"}, keys...)...)
}

// Text types text literally.
func (tm *Terminal) Text(text string) {
	tm.t.Helper()
	tm.Tmux("send-keys", "-t", "ui", "-l", text)
}

// QuickNote opens a quick note (ctrl+n) for the lead that search finds,
// company, and waits until its editor is open.
func (tm *Terminal) QuickNote(search, company string) {
	tm.t.Helper()
	tm.Keys("C-n")
	tm.WaitFor("Quick note")
	tm.Text(search)
	tm.WaitFor(company)
	tm.Keys("Enter")
	tm.WaitFor("for " + company)
}

// WaitFor polls the screen (at most 10 s) until it contains want.
func (tm *Terminal) WaitFor(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := tm.Screen()
		if strings.Contains(scr, want) {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("after 10 s the terminal does not show %q:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitGone polls the screen (at most 10 s) until it no longer shows s.
func (tm *Terminal) WaitGone(s string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(tm.Screen(), s) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("after 10 s the terminal still shows %q:\n%s", s, tm.Screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Running reports whether the session is still there: it ends with the
// program when the program was its only process.
func (tm *Terminal) Running() bool {
	return exec.Command("tmux", "-L", tm.socket, "has-session", "-t", "ui").Run() == nil
}

// WaitEnded waits (at most 10 s) until the session is gone (Running).
func (tm *Terminal) WaitEnded() {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tm.Running() {
		if time.Now().After(deadline) {
			tm.t.Fatalf("after 10 s the program still runs:\n%s", tm.Screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill sends SIGKILL to fieldcrm, the pane's process (found by its pid,
// and checked to be fieldcrm), waits at most 5 s until it is gone, and
// ends the session, so Start can run it again.
func (tm *Terminal) Kill() {
	t := tm.t
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(tm.Tmux("display", "-p", "-t", "ui", "#{pane_pid}")))
	if err != nil {
		t.Fatal(err)
	}
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) != "fieldcrm" {
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
	exec.Command("tmux", "-L", tm.socket, "kill-session", "-t", "ui").Run()
}
