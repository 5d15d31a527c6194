package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/server"
)

// serveDir runs a real server on a temp data folder (HTTP on 127.0.0.1,
// the admin socket in the folder) with the settings checker parse, and
// returns the folder, the address and stop, which a test calls to go
// offline (the cleanup calls it otherwise).
func serveDir(t *testing.T, parse server.SettingsParser) (dir, url string, stop func()) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, server.Config{Dir: dir, Addr: "127.0.0.1:0", NoSync: true, ParseSettings: parse,
			Ready: func(u string) { ready <- u }})
	}()
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start")
	}
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("the server did not stop")
		}
	})
	t.Cleanup(stop)
	return dir, url, stop
}

var (
	codeRE  = regexp.MustCompile(`(?m)^  fieldcrm login --server (\S+) --invite ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$`)
	tokenRE = regexp.MustCompile(`(?m)^  fieldcrm login --server (\S+) --user (\S+) --token (fcrm_\S+)$`)
)

// TestInviteLoginDisableAuditThroughTheCLI: the operator's commands go to
// the running server over its socket; a rep signs in with the printed
// line, and the code works once; the token lands only in the laptop's
// config (0600); disabling the rep stops their sync with a sentence that
// says so; the audit log lists it all.
func TestInviteLoginDisableAuditThroughTheCLI(t *testing.T) {
	dir, url, _ := serveDir(t, nil)
	op := newCLI(t)
	out := op.ok("admin", "--data", dir, "--url", url, "invite", "wang", "--role", "rep")
	m := codeRE.FindStringSubmatch(out)
	if m == nil || m[1] != url {
		t.Fatalf("no exact login line in:\n%s", out)
	}
	code := m[2]

	rep := newCLI(t)
	out = rep.ok("login", "--server", url, "--invite", code)
	if !strings.Contains(out, "logged in to "+url+" as wang (rep)") {
		t.Fatalf("login: %s", out)
	}
	cfg, err := config.Load(rep.config)
	if err != nil || cfg.User != "wang" || !strings.HasPrefix(cfg.Token, "fcrm_") {
		t.Fatalf("config after login: %+v %v", cfg, err)
	}
	if fi, err := os.Stat(rep.config); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode: %v %v", fi.Mode(), err)
	}
	rep.ok("lead", "add", "--company", "Acme")
	rep.ok("sync")

	other := newCLI(t)
	if msg := other.fails("", "login", "--server", url, "--invite", code); !strings.Contains(msg, "used already") {
		t.Fatalf("a second use of the code: %s", msg)
	}

	op.ok("admin", "--data", dir, "user", "disable", "wang")
	if msg := rep.fails("", "sync"); !strings.Contains(msg, "your account is disabled; ask your administrator") {
		t.Fatalf("sync of a disabled rep: %s", msg)
	}
	var users []server.UserInfo
	if err := json.Unmarshal([]byte(op.ok("admin", "--data", dir, "user", "list", "--json")), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Disabled.IsZero() || users[0].Stored == 0 {
		t.Fatalf("user list: %+v", users)
	}
	op.ok("admin", "--data", dir, "user", "enable", "wang")
	rep.ok("sync")

	var log []server.AuditEntry
	if err := json.Unmarshal([]byte(op.ok("admin", "--data", dir, "audit", "--json")), &log); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Action)
		if e.By == "" || e.From == "" || e.At.IsZero() {
			t.Fatalf("audit entry without who, where or when: %+v", e)
		}
	}
	if strings.Join(got, " ") != "invite.create invite.redeem user.disable user.enable" {
		t.Fatalf("audit: %q", got)
	}
	if !strings.HasSuffix(log[0].From, "via the admin socket") || log[1].By != "wang" {
		t.Fatalf("audit entries: %+v", log)
	}
}

// TestUserAddRotateBackupThroughTheCLI: 'user add' prints a login line
// that works as printed; 'token rotate' refuses the old token at once;
// 'backup' copies the running server's data and 'restore' refuses to
// replace it while it runs.
func TestUserAddRotateBackupThroughTheCLI(t *testing.T) {
	dir, url, _ := serveDir(t, nil)
	op := newCLI(t)
	m := tokenRE.FindStringSubmatch(op.ok("admin", "--data", dir, "--url", url, "user", "add", "li", "--role", "manager", "--expires", "720h"))
	if m == nil || m[1] != url || m[2] != "li" {
		t.Fatal("user add printed no exact login line")
	}
	li := newCLI(t)
	li.ok("login", "--server", m[1], "--user", m[2], "--token", m[3])
	li.ok("sync")
	m2 := tokenRE.FindStringSubmatch(op.ok("admin", "--data", dir, "--url", url, "token", "rotate", "li"))
	if m2 == nil || m2[3] == m[3] {
		t.Fatal("rotate printed no new login line")
	}
	if msg := li.fails("", "sync"); !strings.Contains(msg, "not valid") {
		t.Fatalf("sync with the rotated-out token: %s", msg)
	}
	li.ok("login", "--server", m2[1], "--user", "li", "--token", m2[3])
	li.ok("sync")

	backup := filepath.Join(t.TempDir(), "server-backup.db")
	if out := op.ok("admin", "--data", dir, "backup", backup); !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %s", out)
	}
	info, err := server.CheckServerFile(backup)
	if err != nil || info.Users != 1 {
		t.Fatalf("the backup: %+v %v", info, err)
	}
	if msg := op.fails("", "admin", "--data", dir, "backup", backup); !strings.Contains(msg, "exists") {
		t.Fatalf("a second backup to the same file: %s", msg)
	}
	if msg := op.fails("", "admin", "--data", dir, "restore", backup); !strings.Contains(msg, "stop it first") {
		t.Fatalf("restore over a running server: %s", msg)
	}
	if msg := op.fails("", "admin", "--data", dir, "restore", li.db); !strings.Contains(msg, "not a fieldcrm server database") {
		t.Fatalf("restore of a book: %s", msg)
	}
}
