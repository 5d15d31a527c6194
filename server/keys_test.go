package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	gossh "golang.org/x/crypto/ssh"
)

// newPubKey makes an ed25519 key pair and returns its public key and the
// line of its .pub file.
func newPubKey(t *testing.T, comment string) (gossh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, string(bytes.TrimSpace(gossh.MarshalAuthorizedKey(k))) + " " + comment + "\n"
}

// TestSSHKeys: a user adds their key through the API, an administrator
// through the service; a key names one user; a disabled user's or a
// removed key names nobody; every change is in the audit log.
func TestSSHKeys(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ctx := server.WithAuditActor(context.Background(), server.AuditActor{By: "root", From: "ops-host"})
		ann, bob := h.device("ann", "rep"), h.device("bob", "rep")
		pub, line := newPubKey(t, "ann@laptop")

		k, err := ann.c.AddKey(ctx, line)
		if err != nil {
			t.Fatal(err)
		}
		// A comment is shown in lists and the audit log: one short line,
		// no control characters.
		hostile, hostileLine := newPubKey(t, "evil\x1b]0;pwned\x07\u009b2J"+strings.Repeat("x", 200))
		hk, err := h.svc.AddSSHKey(ctx, "bob", []byte(hostileLine))
		if err != nil || strings.ContainsAny(hk.Comment, "\x1b\x07\u009b") || len([]rune(hk.Comment)) > 100 || !strings.HasPrefix(hk.Comment, "evil]0;pwned2J") {
			t.Fatalf("hostile comment stored as %q, %v", hk.Comment, err)
		}
		if err := h.svc.RemoveSSHKey(ctx, "bob", gossh.FingerprintSHA256(hostile)); err != nil {
			t.Fatal(err)
		}
		if k.Fingerprint != gossh.FingerprintSHA256(pub) || !strings.HasPrefix(k.Fingerprint, "SHA256:") || strings.Contains(k.Fingerprint, "=") ||
			k.User != "ann" || k.Type != "ssh-ed25519" || k.Comment != "ann@laptop" {
			t.Fatalf("added %+v", k)
		}
		keys, err := ann.c.Keys(ctx)
		if err != nil || len(keys) != 1 || keys[0].Fingerprint != k.Fingerprint {
			t.Fatalf("ann's keys: %+v, %v", keys, err)
		}
		if keys, err := bob.c.Keys(ctx); err != nil || len(keys) != 0 {
			t.Fatalf("bob's keys: %+v, %v; want none of ann's", keys, err)
		}
		_, err = bob.c.AddKey(ctx, line)
		var ae *remote.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, "belongs to another user") {
			t.Fatalf("bob adding ann's key: %v", err)
		}
		if _, err := h.svc.AddSSHKey(ctx, "ann", []byte(line)); err == nil || !strings.Contains(err.Error(), "already has") {
			t.Fatalf("the same key twice: %v", err)
		}
		for text, want := range map[string]string{
			"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n": "private key",
			"ssh-ed25519 AAAAnot-base64": "not an SSH public key",
			strings.Repeat("x", 10000):   "longer than",
			"":                           "not an SSH public key",
			"# a comment only\n\n":       "not an SSH public key",
		} {
			if _, err := bob.c.AddKey(ctx, text); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, want) {
				t.Errorf("adding %.20q: %v; want a 400 saying %q", text, err, want)
			}
		}

		if u, err := h.svc.KeyUser(ctx, pub); err != nil || u.Name != "ann" {
			t.Fatalf("the key names %+v, %v; want ann", u, err)
		}
		other, _ := newPubKey(t, "")
		if _, err := h.svc.KeyUser(ctx, other); !errors.Is(err, server.ErrUnknownKey) {
			t.Fatalf("an unknown key: %v", err)
		}
		if err := h.svc.SetDisabled(ctx, "ann", true); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.KeyUser(ctx, pub); !errors.Is(err, server.ErrDisabled) {
			t.Fatalf("a disabled user's key: %v", err)
		}
		if good, err := h.svc.KeyStanding(ctx, []string{k.Fingerprint}); err != nil || good[k.Fingerprint] {
			t.Fatalf("standing of a disabled user's key: %v, %v", good, err)
		}
		if err := h.svc.SetDisabled(ctx, "ann", false); err != nil {
			t.Fatal(err)
		}
		if good, err := h.svc.KeyStanding(ctx, []string{k.Fingerprint}); err != nil || !good[k.Fingerprint] {
			t.Fatalf("standing of an enabled user's key: %v, %v", good, err)
		}

		if err := h.svc.RemoveSSHKey(ctx, "bob", k.Fingerprint); err == nil {
			t.Fatal("removed ann's key as bob's")
		}
		if err := h.svc.RemoveSSHKey(ctx, "ann", k.Fingerprint); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.KeyUser(ctx, pub); !errors.Is(err, server.ErrUnknownKey) {
			t.Fatalf("a removed key: %v", err)
		}
		if _, err := h.svc.AddSSHKey(ctx, "bob", []byte(line)); err != nil {
			t.Fatalf("a removed key added for another user: %v", err)
		}
		if _, err := h.svc.SSHKeys(ctx, "nobody"); !errors.Is(err, server.ErrNoUser) {
			t.Fatalf("keys of nobody: %v", err)
		}

		audit, err := h.svc.Audit(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range audit {
			if strings.HasPrefix(e.Action, "key.") {
				got = append(got, e.Action+" "+e.Target+" by "+e.By+" "+strings.TrimPrefix(e.Detail, "ssh-ed25519 "))
			}
		}
		want := []string{
			"key.add ann by ann " + k.Fingerprint,
			"key.add bob by root " + gossh.FingerprintSHA256(hostile),
			"key.remove bob by root " + gossh.FingerprintSHA256(hostile),
			"key.remove ann by root " + k.Fingerprint,
			"key.add bob by root " + k.Fingerprint,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestSSHKeyFingerprintIsSSHKeygens: the fingerprint listed is the one
// ssh-keygen -l prints for the .pub file (skipped without ssh-keygen).
func TestSSHKeyFingerprintIsSSHKeygens(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("no ssh-keygen")
	}
	_, line := newPubKey(t, "ann@laptop")
	path := filepath.Join(t.TempDir(), "id.pub")
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(keygen, "-l", "-E", "sha256", "-f", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	k, err := server.ParseSSHKey([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(out)); len(f) < 2 || f[1] != k.Fingerprint {
		t.Fatalf("ssh-keygen -l: %q; we list %s", out, k.Fingerprint)
	}
}

// TestMigrateKeepsSSHKeys: moving a bbolt server to PostgreSQL keeps its
// users' keys.
func TestMigrateKeepsSSHKeys(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "srv")
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	if _, err := svc.AddUser(ctx, "ann", "rep"); err != nil {
		t.Fatal(err)
	}
	pub, line := newPubKey(t, "ann@laptop")
	if _, err := svc.AddSSHKey(ctx, "ann", []byte(line)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	pgsvc := &server.Service{Store: migratedToPG(t, dir)}
	if u, err := pgsvc.KeyUser(ctx, pub); err != nil || u.Name != "ann" {
		t.Fatalf("after the migration the key names %+v, %v", u, err)
	}
}
