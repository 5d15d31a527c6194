package sshd_test

import (
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
