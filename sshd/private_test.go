package sshd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
)

// TestStatusLineNamesTheServer: over SSH the status line says where the
// user is, in their language, and never shows the replica's path on the
// server.
func TestStatusLineNamesTheServer(t *testing.T) {
	tm := startTeam(t, sshd.Config{Name: "crm.example.com"}, map[string]string{"ann": server.RoleRep})
	for _, c := range []struct{ lang, want string }{
		{"zh_CN.UTF-8", "通过 SSH 连接 crm.example.com"},
		{"en_US.UTF-8", "over SSH on crm.example.com"},
	} {
		conn, err := tm.dial(tm.keys["ann"])
		if err != nil {
			t.Fatal(err)
		}
		s := openUI(t, conn, "LANG="+c.lang)
		s.waitFor(t, c.want, 20*time.Second)
		s.in.Write([]byte("?")) // the help overlay has the status line too
		time.Sleep(300 * time.Millisecond)
		if text := s.text(); strings.Contains(text, tm.dir) || strings.Contains(text, "replicas") || strings.Contains(text, "ann.db") {
			t.Errorf("LANG=%s: the screen shows a path on the server:\n%s", c.lang, tail(text, 3000))
		}
		s.sess.Close()
		conn.Close()
	}
}

// TestNoExternalEditorOverSSH: ctrl+e in the note pane would run the
// server's $VISUAL with the session's keys (from vi, a shell on the
// server): over SSH it runs nothing, and the help does not offer it.
func TestNoExternalEditorOverSSH(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "editor-ran")
	script := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", script)
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := openUI(t, c)
	s.waitFor(t, "user ann", 20*time.Second)
	if _, err := s.in.Write([]byte{0x0e}); err != nil { // ctrl+n: the note pane
		t.Fatal(err)
	}
	s.waitFor(t, "Lead (type to search", 10*time.Second)
	if _, err := s.in.Write([]byte{0x05}); err != nil { // ctrl+e
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("ctrl+e ran the server's $VISUAL over SSH")
	}
	if strings.Contains(s.text(), "$EDITOR") {
		t.Errorf("the help offers $EDITOR over SSH:\n%s", tail(s.text(), 2000))
	}
}
