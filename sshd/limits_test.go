package sshd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
	gossh "golang.org/x/crypto/ssh"
)

// echoExec says which command it was given to run.
func echoExec(_ context.Context, e sshd.Exec) int {
	fmt.Fprintf(e.Stdout, "fieldcrm ran %q\n", strings.Join(e.Args, " "))
	return 0
}

// heap is the live heap after a collection.
func heap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestEnvFloodIsRefused: a client that sends 10,000 variables of 1 KiB
// each (10 MiB) has its session refused with a sentence in the language
// of the last LANG it sent, and the server keeps none of them:
// the heap grows by far less than what was sent.
func TestEnvFloodIsRefused(t *testing.T) {
	tm := startTeam(t, sshd.Config{Exec: echoExec}, map[string]string{"ann": server.RoleRep})
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	// OpenSSH sends LANG twice with SendEnv LANG and SetEnv LANG=...:
	// the last one counts. A fifth is refused.
	for _, lang := range []string{"C.UTF-8", "en_US.UTF-8", "C", "zh_CN.UTF-8"} {
		if err := sess.Setenv("LANG", lang); err != nil {
			t.Fatalf("LANG=%s refused: %v", lang, err)
		}
	}
	if err := sess.Setenv("LANG", "en_US.UTF-8"); err == nil {
		t.Error("a fifth LANG was taken")
	}
	if err := sess.Setenv("PATH", "/tmp"); err == nil {
		t.Error("PATH was taken; fieldcrm does not read it")
	}
	if err := sess.Setenv("TZ", strings.Repeat("x", 257)); err == nil {
		t.Error("a TZ of 257 bytes was taken")
	}
	value := strings.Repeat("x", 1024)
	before := heap()
	const n = 10_000
	accepted := 0
	for i := range n {
		if sess.Setenv(fmt.Sprintf("V%d", i), value) == nil {
			accepted++
		}
	}
	grown := heap() - before
	t.Logf("heap grew by %d bytes after %d variables of %d bytes", grown, n, len(value))
	if accepted > 0 {
		t.Errorf("%d variables fieldcrm does not read were taken", accepted)
	}
	if grown > 1<<20 {
		t.Errorf("the heap grew by %d bytes after %d variables of 1 KiB: the server kept them", grown, n)
	}
	var out, errs bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errs
	err = runWithin(sess, "today --json", 20*time.Second)
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(errs.String(), "超过 1000 个环境变量") {
		t.Fatalf("after %d variables: %v, stdout %q, stderr %q; want refused in Chinese", n, err, out.String(), errs.String())
	}
	tm.waitMetric(t, `fieldcrm_ssh_refused_total{reason="env"}`, "1")
}

// TestLongCommandIsRefused: a command of 1 MiB cannot arrive at all (an
// SSH packet is at most 256 KiB: the transport refuses to read it and
// closes the connection, the client sees EOF) and the server goes on; one of 200 KiB, which fits a packet, is refused
// with a sentence. Neither leaves the heap bigger.
func TestLongCommandIsRefused(t *testing.T) {
	tm := startTeam(t, sshd.Config{Exec: echoExec}, map[string]string{"ann": server.RoleRep})
	before := heap()
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := runWithin(sess, "today "+strings.Repeat("x", 1<<20), 20*time.Second); err == nil {
		t.Error("a 1 MiB command ran")
	} else {
		t.Logf("1 MiB command: %v", err)
	}
	c.Close()

	c, err = tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatalf("after the 1 MiB command the server takes no connection: %v", err)
	}
	defer c.Close()
	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	sess.Stderr = &errs
	err = runWithin(sess, "today "+strings.Repeat("x", 200<<10), 20*time.Second)
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(errs.String(), "longer than 4096 bytes") {
		t.Fatalf("200 KiB command: %v, stderr %q; want refused", err, errs.String())
	}
	sess.Close()
	if grown := heap() - before; grown > 1<<20 {
		t.Errorf("the heap grew by %d bytes after a 200 KiB command", grown)
	}
	// A command of the allowed size still runs on the same connection.
	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("today --json")
	if err != nil || !strings.Contains(string(out), `ran "today --json"`) {
		t.Fatalf("today --json after the refusals: %v, %q", err, out)
	}
	tm.waitMetric(t, `fieldcrm_ssh_refused_total{reason="long_cmd"}`, "1")
}

// TestOneSessionPerConnection: a second session channel on a connection
// is rejected while the first is open, with a sentence; once the first
// closes, the connection may open another.
func TestOneSessionPerConnection(t *testing.T) {
	tm := startTeam(t, sshd.Config{Exec: echoExec}, map[string]string{"ann": server.RoleRep})
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NewSession()
	var open *gossh.OpenChannelError
	if !errors.As(err, &open) || open.Reason != gossh.ResourceShortage || !strings.Contains(open.Message, "one session at a time") {
		t.Fatalf("a second session: %v; want rejected", err)
	}
	first.Close()
	// The close reaches the server a moment later: until then a new
	// session is still refused, and counted.
	refused := 1
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := c.NewSession()
		if err == nil {
			s.Close()
			break
		}
		refused++
		if time.Now().After(deadline) {
			t.Fatalf("no session 5 s after the first closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.waitMetric(t, `fieldcrm_ssh_refused_total{reason="channel"}`, fmt.Sprint(refused))
}

// TestNoForwarding: port forwarding both ways, agent and X11 forwarding
// are refused.
func TestNoForwarding(t *testing.T) {
	tm := startTeam(t, sshd.Config{Exec: echoExec}, map[string]string{"ann": server.RoleRep})
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	api := strings.TrimPrefix(tm.url, "http://")
	if conn, err := c.Dial("tcp", api); err == nil {
		conn.Close()
		t.Errorf("ssh -L to %s was opened", api)
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("ssh -R was taken")
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	x11 := gossh.Marshal(struct {
		Single        bool
		Proto, Cookie string
		Screen        uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})
	for _, req := range []struct {
		name    string
		payload []byte
	}{{"auth-agent-req@openssh.com", nil}, {"x11-req", x11}} {
		ok, err := sess.SendRequest(req.name, true, req.payload)
		if err != nil || ok {
			t.Errorf("%s: %v, %v; want refused", req.name, ok, err)
		}
	}
}

// TestConnectionWithoutSessionCloses: a connection that signs in and
// opens no session, or whose session has ended, is closed after Linger;
// one whose session is open is not.
func TestConnectionWithoutSessionCloses(t *testing.T) {
	tm := startTeam(t, sshd.Config{Exec: echoExec, Linger: 300 * time.Millisecond}, map[string]string{"ann": server.RoleRep})
	closedWithin := func(c *gossh.Client, within time.Duration) bool {
		done := make(chan struct{})
		go func() { c.Wait(); close(done) }()
		select {
		case <-done:
			return true
		case <-time.After(within):
			return false
		}
	}
	idle, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if !closedWithin(idle, 5*time.Second) {
		t.Error("a connection with no session is still open 5 s after Linger")
	}

	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := openUI(t, c)
	s.waitFor(t, "user ann", 20*time.Second)
	if closedWithin(c, time.Second) {
		t.Fatal("a connection with its UI open was closed")
	}
	if _, err := s.in.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if err := s.waitEnd(t, 10*time.Second); err != nil {
		t.Fatalf("q: %v", err)
	}
	if !closedWithin(c, 5*time.Second) {
		t.Error("a connection whose session ended is still open 5 s after Linger")
	}
}

// TestConnectionCap: the front holds 2*MaxSessions+20 connections; one
// more is closed at once, and taken again when one goes.
func TestConnectionCap(t *testing.T) {
	tm := startTeam(t, sshd.Config{MaxSessions: 1}, map[string]string{"ann": server.RoleRep})
	const max = 2*1 + 20
	var open []*gossh.Client
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for i := range max {
		c, err := tm.dial(tm.keys["ann"])
		if err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, max, err)
		}
		open = append(open, c)
	}
	if c, err := tm.dial(tm.keys["ann"]); err == nil {
		c.Close()
		t.Fatalf("connection %d was taken", max+1)
	}
	tm.waitMetric(t, `fieldcrm_ssh_refused_total{reason="conns"}`, "1")
	open[0].Close()
	open = open[1:]
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := tm.dial(tm.keys["ann"])
		if err == nil {
			open = append(open, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection 5 s after one closed: %v", err)
		}
	}
}
