package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	gossh "golang.org/x/crypto/ssh"
)

// syncBuffer is a bytes.Buffer written by one goroutine, read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var sshReadyRE = regexp.MustCompile(`fieldcrm SSH front listening on (\S+), host key (SHA256:\S+)`)

// serveSSH runs `fieldcrm serve --ssh-addr`'s server on loopback: the
// API, and the SSH front as serve wires it (sshFlags.front), and returns
// the data folder, the API's URL, and the SSH address and host key
// fingerprint the front printed.
func serveSSH(t *testing.T) (dir, url, sshAddr, hostFP string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	flags := sshFlags{addr: "127.0.0.1:0", idle: time.Minute, perUser: 3, total: 10}
	printed := &syncBuffer{}
	front := flags.front(&app{out: printed}, dir, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, server.Config{Dir: dir, Addr: "127.0.0.1:0", NoSync: true, ParseSettings: parseCompanySettings,
			Fronts: []server.Front{front}, Ready: func(u string) { ready <- u }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the server did not stop")
		}
	})
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not start")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := sshReadyRE.FindStringSubmatch(printed.String()); m != nil {
			return dir, url, m[1], m[2]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SSH front printed no address in 10 s: %q", printed.String())
		}
	}
}

// writeKey makes a key pair and writes its .pub file in dir.
func writeKey(t *testing.T, dir, name string) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".pub")
	line := append(bytes.TrimSpace(gossh.MarshalAuthorizedKey(s.PublicKey())), []byte(" "+name+"@laptop\n")...)
	if err := os.WriteFile(path, line, 0o600); err != nil {
		t.Fatal(err)
	}
	return s, path
}

// sshRun runs a command over SSH with a key and returns its output.
func sshRun(t *testing.T, addr, hostFP string, key gossh.Signer, cmd string, env ...string) (string, string, error) {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)}, Timeout: 10 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			if fp := gossh.FingerprintSHA256(k); fp != hostFP {
				return fmt.Errorf("host key %s, the server printed %s", fp, hostFP)
			}
			return nil
		}})
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return "", "", err
	}
	defer sess.Close()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			return "", "", fmt.Errorf("setenv %s: %w", k, err)
		}
	}
	var out, errs bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errs
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		err = errors.New("no end within 30 s")
	}
	return out.String(), errs.String(), err
}

// TestSSHThroughTheCLI: the operator registers a rep's key with 'admin
// user key', another rep registers their own with 'keys add'; each runs
// today, lead list and lead show over SSH on their replica and gets
// their leads as JSON, none of the other's; a removed key is refused.
func TestSSHThroughTheCLI(t *testing.T) {
	dir, url, addr, hostFP := serveSSH(t)
	if fi, err := os.Stat(filepath.Join(dir, "ssh", "host_ed25519")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v; want 0600", fi, err)
	}
	op := newCLI(t)
	tokens := map[string]string{}
	for _, name := range []string{"ann", "bob"} {
		m := tokenRE.FindStringSubmatch(op.ok("admin", "--data", dir, "--url", url, "user", "add", name, "--role", "rep"))
		if m == nil {
			t.Fatal("no login line")
		}
		tokens[name] = m[3]
	}
	keyDir := t.TempDir()
	annKey, annPub := writeKey(t, keyDir, "ann")
	bobKey, bobPub := writeKey(t, keyDir, "bob")
	annFP := gossh.FingerprintSHA256(annKey.PublicKey())
	if out := op.ok("admin", "--data", dir, "user", "key", "add", "ann", annPub); !strings.Contains(out, annFP) {
		t.Fatalf("key add: %q", out)
	}
	var listed []server.SSHKey
	if err := json.Unmarshal([]byte(op.ok("admin", "--data", dir, "user", "key", "list", "ann", "--json")), &listed); err != nil ||
		len(listed) != 1 || listed[0].Fingerprint != annFP || listed[0].Comment != "ann@laptop" {
		t.Fatalf("key list --json: %+v %v", listed, err)
	}
	if out := op.ok("admin", "--data", dir, "user", "key", "list", "ann"); !strings.Contains(out, annFP) || !strings.Contains(out, "FINGERPRINT") {
		t.Fatalf("key list: %q", out)
	}
	if _, errs, err := op.run("", "admin", "--data", dir, "user", "key", "add", "bob", annPub); err == nil {
		t.Fatalf("ann's key added for bob too: %q", errs)
	}

	ann, bob := newCLI(t), newCLI(t)
	ann.ok("login", "--server", url, "--user", "ann", "--token", tokens["ann"])
	bob.ok("login", "--server", url, "--user", "bob", "--token", tokens["bob"])
	if out := bob.ok("keys", "add", bobPub); !strings.Contains(out, gossh.FingerprintSHA256(bobKey.PublicKey())) {
		t.Fatalf("keys add: %q", out)
	}
	if out := bob.ok("keys", "list"); !strings.Contains(out, "bob@laptop") || strings.Contains(out, annFP) {
		t.Fatalf("keys list: %q", out)
	}
	ann.ok("lead", "add", "--company", "Zeta Zinc")
	bob.ok("lead", "add", "--company", "Eta Iron")
	ann.ok("sync")
	bob.ok("sync")

	out, errs, err := sshRun(t, addr, hostFP, annKey, "lead list --json")
	if err != nil {
		t.Fatalf("lead list over SSH: %v, %s", err, errs)
	}
	var leads []struct {
		ID, Company, Owner string
	}
	if err := json.Unmarshal([]byte(out), &leads); err != nil || len(leads) != 1 || leads[0].Company != "Zeta Zinc" {
		t.Fatalf("ann's lead list over SSH: %v\n%s", err, out)
	}
	if out, errs, err = sshRun(t, addr, hostFP, annKey, "lead show "+leads[0].ID+" --json"); err != nil || !strings.Contains(out, "Zeta Zinc") {
		t.Fatalf("lead show over SSH: %v %s\n%s", err, errs, out)
	}
	if out, errs, err = sshRun(t, addr, hostFP, bobKey, "today --json"); err != nil || !json.Valid([]byte(out)) || strings.Contains(out, "Zeta") {
		t.Fatalf("bob's today --json over SSH: %v %s\n%s", err, errs, out)
	}
	// The day of today's list is the client's TZ's; Kiritimati (UTC+14)
	// and Pago Pago (UTC-11) are never on the same day.
	for _, zone := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("no zone database: %v", err)
		}
		out, errs, err := sshRun(t, addr, hostFP, annKey, "today --json", "TZ="+zone)
		var today struct{ Date string }
		if err != nil || json.Unmarshal([]byte(out), &today) != nil || today.Date != model.Today(time.Now(), loc).String() {
			t.Fatalf("today --json over SSH with TZ=%s: %v %s\n%s; want the day %s", zone, err, errs, out, model.Today(time.Now(), loc))
		}
	}
	// Help over SSH names no path of the server's (the default book and
	// config file are the server's own, and --db and --config refused).
	for _, cmd := range []string{"today --help", "lead list --help", "report --help"} {
		out, errs, err := sshRun(t, addr, hostFP, annKey, cmd)
		if err != nil || !strings.Contains(out, "--json") || strings.Contains(out, "--db") || strings.Contains(out, "--config") || strings.Contains(out, string(filepath.Separator)+".") {
			t.Fatalf("%s over SSH: %v %s\n%s", cmd, err, errs, out)
		}
	}
	if out, errs, err = sshRun(t, addr, hostFP, annKey, "report funnel --json"); err != nil || !json.Valid([]byte(out)) {
		t.Fatalf("report funnel --json over SSH: %v %s\n%s", err, errs, out)
	}
	if _, errs, err = sshRun(t, addr, hostFP, bobKey, "lead add --company Theta"); err == nil || !strings.Contains(errs, "only today, lead list") {
		t.Fatalf("lead add over SSH: %v %q; want refused", err, errs)
	}

	op.ok("admin", "--data", dir, "user", "key", "remove", "ann", annFP)
	if _, _, err := sshRun(t, addr, hostFP, annKey, "today"); err == nil {
		t.Fatal("a removed key ran a command")
	}
	if out := op.ok("admin", "--data", dir, "audit"); !strings.Contains(out, "key.add") || !strings.Contains(out, "key.remove") {
		t.Fatalf("audit log:\n%s", out)
	}
}
