package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
	"github.com/fieldcrm/fieldcrm/store"
	gossh "golang.org/x/crypto/ssh"
)

// TestSSHFrontOnBothBackends: the SSH front over a server on bbolt and
// on PostgreSQL: a rep's key opens their board, with the lead their
// laptop pushed, and removing the key through the admin interface (the
// socket, or the database) ends the open session.
func TestSSHFrontOnBothBackends(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "data")
		database := ""
		if b.database != "" {
			database = freshDatabase(t)
		}
		var sshAddr string
		sshReady, apiReady := make(chan struct{}), make(chan string, 1)
		front := sshd.Config{Addr: "127.0.0.1:0", Dir: dir, NoSync: true, Check: 100 * time.Millisecond,
			Ready: func(addr, _ string) { sshAddr = addr; close(sshReady) }}.Front()
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- server.Serve(sctx, server.Config{Dir: dir, Database: database, Addr: "127.0.0.1:0", NoSync: true,
				Fronts: []server.Front{front}, Ready: func(u string) { apiReady <- u }})
		}()
		t.Cleanup(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("the server did not stop within 20 s")
			}
		})
		var url string
		select {
		case url = <-apiReady:
		case err := <-done:
			done <- nil // for the cleanup
			t.Fatal(err)
		case <-time.After(20 * time.Second):
			t.Fatal("the server did not start")
		}
		<-sshReady

		var adm server.Admin
		var closeAdm func() error
		var err error
		if database != "" {
			adm, closeAdm, err = server.OpenAdminDatabase(ctx, database)
		} else {
			adm, closeAdm, err = server.OpenAdmin(dir)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer closeAdm()
		tok, err := adm.AddUser(ctx, "ann", server.RoleRep)
		if err != nil {
			t.Fatal(err)
		}
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		signer, err := gossh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		k, err := adm.AddSSHKey(ctx, "ann", gossh.MarshalAuthorizedKey(signer.PublicKey()))
		if err != nil {
			t.Fatal(err)
		}

		// Ann's laptop pushes a lead.
		st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann", NoSync: true, KeepOpen: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Update(func(tx *store.Tx) error { return tx.AddLead(&model.Lead{Company: "Omega Optics"}) }); err != nil {
			t.Fatal(err)
		}
		c, err := remote.NewClient(url, tok)
		if err != nil {
			t.Fatal(err)
		}
		c.User = "ann"
		if _, err := remote.Sync(ctx, st, c); err != nil {
			t.Fatal(err)
		}

		conn, err := gossh.Dial("tcp", sshAddr, &gossh.ClientConfig{User: "ann", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		var mu sync.Mutex
		var out, errs bytes.Buffer
		sess.Stdout, sess.Stderr = lockedBuf{&mu, &out}, lockedBuf{&mu, &errs}
		if err := sess.RequestPty("xterm", 30, 120, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		ended := make(chan error, 1)
		go func() { ended <- sess.Wait() }()
		shown := func() string { mu.Lock(); defer mu.Unlock(); return ansi.Strip(out.String()) }
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(shown(), "Omega Optics"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no lead on ann's board over SSH in 20 s:\n%s", shown())
			}
		}
		if err := adm.RemoveSSHKey(ctx, "ann", k.Fingerprint); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-ended:
			mu.Lock()
			defer mu.Unlock()
			if err == nil || !strings.Contains(errs.String(), "SSH key was removed") {
				t.Fatalf("after the key's removal the session ended with %v, %q", err, errs.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the session did not end within 10 s of its key's removal")
		}
	})
}

type lockedBuf struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
