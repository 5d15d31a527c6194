package sshd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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

// team is a running server with its SSH front on loopback, and the
// users it was given: each with a token and a key pair.
type team struct {
	dir      string
	url      string // the HTTP API
	metrics  string // host:port of /metrics
	sshAddr  string
	hostFP   string
	tokens   map[string]string
	keys     map[string]gossh.Signer
	stop     func()
	serveErr chan error
}

// newKey makes an ed25519 key pair.
func newKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorized(s gossh.Signer, comment string) []byte {
	return append(bytes.TrimSpace(gossh.MarshalAuthorizedKey(s.PublicKey())), []byte(" "+comment+"\n")...)
}

// startTeam adds the users (name: role), registers a key for each and
// starts `fieldcrm serve`'s server with the SSH front as cfg says.
func startTeam(t testing.TB, cfg sshd.Config, users map[string]string) *team {
	t.Helper()
	tm := &team{dir: t.TempDir(), tokens: map[string]string{}, keys: map[string]gossh.Signer{}, serveErr: make(chan error, 1)}
	adm, closeAdm, err := server.OpenAdmin(tm.dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, role := range users {
		tok, err := adm.AddUser(ctx, name, role)
		if err != nil {
			t.Fatal(err)
		}
		tm.tokens[name], tm.keys[name] = tok, newKey(t)
		if _, err := adm.AddSSHKey(ctx, name, authorized(tm.keys[name], name+"@laptop")); err != nil {
			t.Fatal(err)
		}
	}
	closeAdm()
	cfg.Addr, cfg.Dir, cfg.NoSync = "127.0.0.1:0", tm.dir, true
	tm.metrics = freeAddr(t)
	if cfg.Check == 0 {
		cfg.Check = 100 * time.Millisecond
	}
	sshReady := make(chan struct{})
	cfg.Ready = func(addr, fp string) { tm.sshAddr, tm.hostFP = addr, fp; close(sshReady) }
	apiReady := make(chan struct{})
	sctx, cancel := context.WithCancel(ctx)
	go func() {
		tm.serveErr <- server.Serve(sctx, server.Config{Dir: tm.dir, Addr: "127.0.0.1:0", NoSync: true, MetricsAddr: tm.metrics,
			Fronts: []server.Front{cfg.Front()},
			Ready:  func(url string) { tm.url = url; close(apiReady) }})
	}()
	for _, ready := range []chan struct{}{apiReady, sshReady} {
		select {
		case <-ready:
		case err := <-tm.serveErr:
			t.Fatalf("serve: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("the server did not start within 20 s")
		}
	}
	tm.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-tm.serveErr:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("the server did not stop within 20 s")
		}
	})
	t.Cleanup(tm.stop)
	return tm
}

// freeAddr is a loopback address free now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// metric reads one line's value from /metrics.
func (tm *team) metric(t testing.TB, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + tm.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("no %s in /metrics:\n%s", name, data)
	return ""
}

// waitMetric waits, at most 5 s, for a line of /metrics to read want.
func (tm *team) waitMetric(t testing.TB, name, want string) {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = tm.metric(t, name); got == want {
			return
		}
	}
	t.Errorf("%s = %s, want %s", name, got, want)
}

// laptop is a user's own book, syncing with the team's server over HTTP.
type laptop struct {
	st     *store.Store
	client *remote.Client
}

func (tm *team) laptop(t *testing.T, user string) *laptop {
	t.Helper()
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), user+".db"), User: user, NoSync: true, KeepOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := remote.NewClient(tm.url, tm.tokens[user])
	if err != nil {
		t.Fatal(err)
	}
	c.User = user
	return &laptop{st, c}
}

func (l *laptop) addLead(t *testing.T, company string) string {
	t.Helper()
	lead := &model.Lead{Company: company}
	if err := l.st.Update(func(tx *store.Tx) error { return tx.AddLead(lead) }); err != nil {
		t.Fatal(err)
	}
	return lead.ID
}

func (l *laptop) sync(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := remote.Sync(ctx, l.st, l.client); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

// dial connects as a user with a key, checking the host key is the one
// the server printed.
func (tm *team) dial(signer gossh.Signer, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	if signer != nil {
		auth = append(auth, gossh.PublicKeys(signer))
	}
	return gossh.Dial("tcp", tm.sshAddr, &gossh.ClientConfig{
		User: "anyone", Auth: auth, Timeout: 10 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, key gossh.PublicKey) error {
			if fp := gossh.FingerprintSHA256(key); fp != tm.hostFP {
				return fmt.Errorf("host key %s, the server printed %s", fp, tm.hostFP)
			}
			return nil
		},
	})
}

// screen is an SSH session with a terminal: what it printed so far.
type screen struct {
	sess  *gossh.Session
	in    io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
	errs  bytes.Buffer
	ended chan error
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// openUI opens a session with a terminal of 120x30 and the environment
// given, and starts the UI.
func openUI(t testing.TB, c *gossh.Client, env ...string) *screen {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if err := sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	s := &screen{sess: sess, ended: make(chan error, 1)}
	sess.Stdout, sess.Stderr = lockedWriter{&s.mu, &s.out}, lockedWriter{&s.mu, &s.errs}
	if s.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { s.ended <- sess.Wait() }()
	t.Cleanup(func() { sess.Close() })
	return s
}

// text is what the session printed, without escape sequences.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.out.String())
}

func (s *screen) stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errs.String()
}

// waitFor waits until the session has printed want, at most within.
func (s *screen) waitFor(t testing.TB, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Contains(s.text(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %q on the screen within %s; it shows:\n%s", want, within, tail(s.text(), 3000))
}

// waitEnd waits for the session to end, at most within.
func (s *screen) waitEnd(t testing.TB, within time.Duration) error {
	t.Helper()
	select {
	case err := <-s.ended:
		return err
	case <-time.After(within):
		t.Fatalf("the session did not end within %s", within)
		return nil
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestTwoRepsOverSSH is the proof: two reps connect with their
// keys over loopback, each sees their own leads and none of the other's;
// a move made over SSH reaches the rep's laptop at its next sync.
func TestTwoRepsOverSSH(t *testing.T) {
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep, "bob": server.RoleRep})
	annLaptop, bobLaptop := tm.laptop(t, "ann"), tm.laptop(t, "bob")
	annLead := annLaptop.addLead(t, "Alpha Pumps Ann")
	bobLaptop.addLead(t, "Beta Valves Bob")
	annLaptop.sync(t)
	bobLaptop.sync(t)

	ann, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer ann.Close()
	bob, err := tm.dial(tm.keys["bob"])
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	annScreen, bobScreen := openUI(t, ann), openUI(t, bob, "LANG=zh_CN.UTF-8")
	annScreen.waitFor(t, "Alpha Pumps Ann", 20*time.Second)
	bobScreen.waitFor(t, "Beta Valves Bob", 20*time.Second)
	bobScreen.waitFor(t, "销售漏斗", 5*time.Second) // LANG sent over SSH: the board in Chinese
	if strings.Contains(annScreen.text(), "Beta Valves") || strings.Contains(bobScreen.text(), "Alpha Pumps") {
		t.Fatal("a rep's screen shows the other rep's lead")
	}
	if _, err := os.Stat(filepath.Join(tm.dir, "ssh", "replicas", "ann.db")); err != nil {
		t.Fatalf("ann's replica: %v", err)
	}

	// A second session of ann shares her replica; a wider window shows
	// every stage.
	ann2, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer ann2.Close()
	annScreen2 := openUI(t, ann2)
	annScreen2.waitFor(t, "Alpha Pumps Ann", 20*time.Second)
	if err := annScreen2.sess.WindowChange(30, 200); err != nil {
		t.Fatal(err)
	}
	annScreen2.waitFor(t, "Lost (0)", 10*time.Second) // the last stage: every column fits
	shown := strings.Count(annScreen2.text(), "Alpha Pumps Ann")

	// Ann moves her lead one stage right over SSH (L on the board).
	var before model.Lead
	if err := annLaptop.st.View(func(tx *store.Tx) (err error) { before, err = tx.Lead(annLead); return }); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(annScreen.in, "L"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		annLaptop.sync(t)
		var now model.Lead
		if err := annLaptop.st.View(func(tx *store.Tx) (err error) { now, err = tx.Lead(annLead); return }); err != nil {
			t.Fatal(err)
		}
		if now.Stage != before.Stage {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ann's laptop still has the lead in %s 30 s after the move over SSH; the screen:\n%s", now.Stage, tail(annScreen.text(), 3000))
		}
		time.Sleep(300 * time.Millisecond)
	}

	// The other session draws the lead again, in its new column, from
	// the replica's file (ui/watch.go).
	for deadline := time.Now().Add(10 * time.Second); strings.Count(annScreen2.text(), "Alpha Pumps Ann") <= shown; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ann's second session did not redraw the moved lead within 10 s:\n%s", tail(annScreen2.text(), 3000))
		}
	}

	// q quits the UI and ends the session cleanly.
	if _, err := io.WriteString(annScreen.in, "q"); err != nil {
		t.Fatal(err)
	}
	if err := annScreen.waitEnd(t, 10*time.Second); err != nil {
		t.Fatalf("ann's session after q: %v", err)
	}
}

// TestRefusedSignIns: an unknown key, a password and keyboard-interactive
// are refused; failed sign-ins from one address are limited, then even a
// good key waits, and the banner says how long.
func TestRefusedSignIns(t *testing.T) {
	tm := startTeam(t, sshd.Config{FailBurst: 2, FailRate: 0.01}, map[string]string{"ann": server.RoleRep})
	if c, err := tm.dial(newKey(t)); err == nil {
		c.Close()
		t.Fatal("an unknown key signed in")
	}
	pass := gossh.Password("ann")
	ki := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"ann"}, nil })
	if c, err := tm.dial(nil, pass, ki); err == nil {
		c.Close()
		t.Fatal("a password signed in")
	} else if !strings.Contains(err.Error(), "no supported methods remain") {
		t.Fatalf("a password attempt: %v; want no method offered", err)
	}
	// Two failures used the burst (charged as the server sees each
	// client give up): ann's good key is refused now.
	tm.waitMetric(t, `fieldcrm_ssh_refused_total{reason="auth"}`, "2")
	var banner string
	_, err := gossh.Dial("tcp", tm.sshAddr, &gossh.ClientConfig{
		User: "ann", Auth: []gossh.AuthMethod{gossh.PublicKeys(tm.keys["ann"])}, Timeout: 10 * time.Second,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		BannerCallback:  func(m string) error { banner = m; return nil },
	})
	if err == nil {
		t.Fatal("a good key signed in from an address that used up its failed sign-ins")
	}
	if !strings.Contains(banner, "too many failed sign-ins") || !strings.Contains(banner, "登录失败次数过多") {
		t.Fatalf("banner %q; want the wait in both languages", banner)
	}
	tm.waitMetric(t, `fieldcrm_ssh_refused_total{reason="auth"}`, "3") // the server counts as the client gives up
}

// TestRemovedKeyEndsTheSession: an open session ends within seconds of
// its key's removal, saying why; the key is refused from then on.
func TestRemovedKeyEndsTheSession(t *testing.T) {
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	tm.laptop(t, "ann").addLead(t, "Gamma Gears")
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := openUI(t, c)
	s.waitFor(t, "user ann", 20*time.Second)
	adm, closeAdm, err := server.OpenAdmin(tm.dir) // the running server's socket
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	fp := gossh.FingerprintSHA256(tm.keys["ann"].PublicKey())
	if err := adm.RemoveSSHKey(context.Background(), "ann", fp); err != nil {
		t.Fatal(err)
	}
	var exit *gossh.ExitError
	if err := s.waitEnd(t, 10*time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session ended with %v; want exit status 1", err)
	}
	if !strings.Contains(s.stderr(), "SSH key was removed") {
		t.Fatalf("stderr %q; want why the session ended", s.stderr())
	}
	if c2, err := tm.dial(tm.keys["ann"]); err == nil {
		c2.Close()
		t.Fatal("a removed key signed in")
	}
}

// TestDisabledUserSessionEnds: disabling a user ends their session.
func TestDisabledUserSessionEnds(t *testing.T) {
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := openUI(t, c, "LANG=zh_CN.UTF-8")
	s.waitFor(t, "用户 ann", 20*time.Second)
	adm, closeAdm, err := server.OpenAdmin(tm.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	if err := adm.SetDisabled(context.Background(), "ann", true); err != nil {
		t.Fatal(err)
	}
	if err := s.waitEnd(t, 10*time.Second); err == nil {
		t.Fatal("the disabled user's session ended with status 0")
	}
	if !strings.Contains(s.stderr(), "账户已停用") {
		t.Fatalf("stderr %q; want why, in Chinese as LANG says", s.stderr())
	}
}

// TestSessionCaps: a user's sessions beyond MaxPerUser and everyone's
// beyond MaxSessions are refused with a sentence; an idle session ends.
func TestSessionCaps(t *testing.T) {
	tm := startTeam(t, sshd.Config{MaxPerUser: 1, MaxSessions: 2, IdleTimeout: 1500 * time.Millisecond},
		map[string]string{"ann": server.RoleRep, "bob": server.RoleRep, "cai": server.RoleRep})
	open := func(user string) *screen {
		c, err := tm.dial(tm.keys[user])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return openUI(t, c)
	}
	ann := open("ann")
	ann.waitFor(t, "user ann", 20*time.Second)
	ann2 := open("ann")
	if err := ann2.waitEnd(t, 10*time.Second); err == nil || !strings.Contains(ann2.stderr(), "most SSH sessions open at once") {
		t.Fatalf("ann's second session: %v, stderr %q; want refused", err, ann2.stderr())
	}
	bob := open("bob")
	bob.waitFor(t, "user bob", 20*time.Second)
	cai := open("cai")
	if err := cai.waitEnd(t, 10*time.Second); err == nil || !strings.Contains(cai.stderr(), "as many SSH sessions open as it allows") {
		t.Fatalf("a third session on a server of two: %v, stderr %q; want refused", err, cai.stderr())
	}
	for name, want := range map[string]string{
		"fieldcrm_ssh_sessions":                         "2",
		"fieldcrm_ssh_sessions_total":                   "2",
		`fieldcrm_ssh_refused_total{reason="per_user"}`: "1",
		`fieldcrm_ssh_refused_total{reason="total"}`:    "1",
	} {
		if got := tm.metric(t, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	// Nobody types: both end after the idle time.
	for _, s := range []*screen{ann, bob} {
		if err := s.waitEnd(t, 10*time.Second); err == nil || !strings.Contains(s.stderr(), "without a key") {
			t.Fatalf("an idle session: %v, stderr %q; want ended as idle", err, s.stderr())
		}
	}
	tm.waitMetric(t, `fieldcrm_ssh_ended_total{reason="idle"}`, "2")
}

// TestExecRunsOnlyAllowedCommands: a command runs on the user's replica
// after a sync, with the session's output; others are refused.
func TestExecRunsOnlyAllowedCommands(t *testing.T) {
	exec := func(ctx context.Context, e sshd.Exec) int {
		var n int
		err := e.Store.View(func(tx *store.Tx) error {
			leads, err := tx.Leads(store.LeadFilter{})
			n = len(leads)
			return err
		})
		if err != nil {
			fmt.Fprintln(e.Stderr, err)
			return 1
		}
		fmt.Fprintf(e.Stdout, "%s ran %q as %s in %s over %d leads\n", "fieldcrm", strings.Join(e.Args, " "), e.User, e.Lang, n)
		return 0
	}
	tm := startTeam(t, sshd.Config{Exec: exec}, map[string]string{"ann": server.RoleRep})
	l := tm.laptop(t, "ann")
	l.addLead(t, "Delta Drives")
	l.sync(t)
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run := func(cmd string) (string, string, error) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		var out, errb bytes.Buffer
		sess.Stdout, sess.Stderr = &out, &errb
		err = runWithin(sess, cmd, 20*time.Second)
		return out.String(), errb.String(), err
	}
	// A lead added after the replica opened is there: the command syncs first.
	out, errs, err := run("today --json")
	if err != nil || !strings.Contains(out, `"today --json" as ann in en over 1 leads`) {
		t.Fatalf("today --json: %v, %q, stderr %q", err, out, errs)
	}
	l.addLead(t, "Epsilon Engines")
	l.sync(t)
	if out, _, err = run("lead list --json"); err != nil || !strings.Contains(out, "over 2 leads") {
		t.Fatalf("lead list after a sync of the laptop: %v, %q", err, out)
	}
	for _, cmd := range []string{"lead add --company X", "sync", "today --db /etc/passwd", "admin user list", "--config x today"} {
		_, errs, err := run(cmd)
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 2 || !strings.Contains(errs, "only today, lead list, lead show and report") {
			t.Errorf("%q: %v, stderr %q; want refused with status 2", cmd, err, errs)
		}
	}
}

// runWithin runs cmd and waits for it at most within.
func runWithin(sess *gossh.Session, cmd string, within time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		sess.Close()
		return fmt.Errorf("%q did not end within %s", cmd, within)
	}
}
