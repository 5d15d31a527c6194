package sshd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostKeyIsMadeOnceAndKeptPrivate: the first start makes an ed25519
// key (0600), later starts read the same one, and a key others may read
// is refused with a sentence that says how to fix it.
func TestHostKeyIsMadeOnceAndKeptPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_ed25519")
	s1, fp1, err := hostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if s1.PublicKey().Type() != "ssh-ed25519" || !strings.HasPrefix(fp1, "SHA256:") {
		t.Fatalf("host key %s %s", s1.PublicKey().Type(), fp1)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key file: %v %v", fi, err)
	}
	if _, fp2, err := hostKey(path); err != nil || fp2 != fp1 {
		t.Fatalf("second start: %s %v; want the same key %s", fp2, err, fp1)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key others may read: %v", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hostKey(path); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("a damaged key: %v", err)
	}
}

// TestLanguageFromTheClientsEnvironment: FIELDCRM_LANG, then LC_ALL,
// LC_MESSAGES and LANG, as a laptop reads them; C and POSIX say nothing.
func TestLanguageFromTheClientsEnvironment(t *testing.T) {
	for env, want := range map[string]string{
		"":                                  "en",
		"LANG=zh_CN.UTF-8":                  "zh",
		"LANG=zh_CN.UTF-8 LC_ALL=en_US":     "en",
		"LC_ALL=C LANG=zh_TW.UTF-8":         "zh",
		"LANG=en_GB FIELDCRM_LANG=zh":       "zh",
		"LC_MESSAGES=zh_CN LANG=en_US.UTF8": "zh",
		"TERM=xterm":                        "en",
	} {
		if got := language(strings.Fields(env)); got != want {
			t.Errorf("%q: %s, want %s", env, got, want)
		}
	}
}

// TestAllowedCommands: only the read-only commands, and never a flag
// that names another book or config file.
func TestAllowedCommands(t *testing.T) {
	for cmd, want := range map[string]bool{
		"today": true, "today --json": true, "lead list --json": true, "lead show ACME": true,
		"report funnel --json": true, "lead add --company X": false, "lead": false, "sync": false,
		"": false, "today --db=/x": false, "--db /x today": false, "lead list --config x": false,
		"today --demo": false, "admin user list": false, "serve": false, "keys add -": false,
	} {
		if got := Allowed(strings.Fields(cmd)); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", cmd, got, want)
		}
	}
}
