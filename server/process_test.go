package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// These tests run the real fieldcrm binary: the server as a process that
// is killed with SIGKILL and restarted, clients as processes killed
// mid-pull, and a fault-injecting TCP proxy between clients and server.

// builtIn is the directory buildOnce built the binary in; TestMain
// removes it when the tests end.
var builtIn string

var buildOnce = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("FIELDCRM_TEST_BIN"); bin != "" {
		return bin, nil // a binary built beforehand (CI may prebuild it)
	}
	dir, err := os.MkdirTemp("", "fieldcrm-bin")
	if err != nil {
		return "", err
	}
	builtIn = dir
	bin := filepath.Join(dir, "fieldcrm")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/fieldcrm").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build fieldcrm: %v\n%s", err, out)
	}
	return bin, nil
})

func fieldcrmBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the fieldcrm binary; skipped with -short")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// serverProc is a `fieldcrm serve` process.
type serverProc struct {
	cmd  *exec.Cmd
	addr string // host:port
	done chan struct{}
}

var listenRe = regexp.MustCompile(`listening on https?://(\S+)`)

// startServer runs `fieldcrm serve` on dir's data, or on the PostgreSQL
// database when database is set.
func startServer(t testing.TB, bin, dir, database string) *serverProc {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0")
	// bbolt: --data, and no database whatever the caller's environment
	// says. PostgreSQL: the database through the environment alone, as an
	// operator's unit file would (admin commands here give --database).
	cmd.Env = append(os.Environ(), "FIELDCRM_DATABASE="+database)
	if database != "" {
		cmd.Args = []string{bin, "serve", "--addr", "127.0.0.1:0"}
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { p.kill() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listenRe.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("fieldcrm serve exited at start; see %s", filepath.Join(dir, "serve.log"))
	case <-time.After(20 * time.Second):
		t.Fatal("fieldcrm serve did not start within 20 s")
	}
	return p
}

// kill sends SIGKILL to this server's pid and waits for it to die.
func (p *serverProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("server exited with %d after SIGTERM", code)
		}
	case <-time.After(15 * time.Second):
		p.kill()
		t.Fatal("server did not stop within 15 s of SIGTERM")
	}
}

// proxy forwards TCP connections to the server, injecting a fault chosen
// per connection.
type proxy struct {
	ln       net.Listener
	upstream atomic.Value // []string: each connection goes to one of them
	mu       sync.Mutex
	rng      *rand.Rand
	faults   atomic.Bool
	counts   map[string]int
	used     map[string]int // connections per upstream server
	// answered counts the bytes of answers forwarded to clients.
	answered atomic.Int64
	// pushes counts the push requests whose request line has reached
	// the proxy (pushLine in the bytes from clients).
	pushes atomic.Int64
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, seed uint64) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, rng: rand.New(rand.NewPCG(seed, 7)), counts: map[string]int{}, used: map[string]int{}}
	p.upstream.Store([]string{})
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.handle(c) }()
		}
	}()
	// Handlers are added only by the accept loop, so wait for it to end
	// before waiting for them.
	t.Cleanup(func() { ln.Close(); <-accepting; p.wg.Wait() })
	return p
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) pick() (string, int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mode := "pass"
	if p.faults.Load() {
		mode = []string{"pass", "pass", "drop-before", "drop-after-request", "mid-response", "delay"}[p.rng.IntN(6)]
	}
	p.counts[mode]++
	ups := p.upstream.Load().([]string)
	up := ""
	if len(ups) > 0 {
		up = ups[p.rng.IntN(len(ups))]
		p.used[up]++
	}
	return mode, 1 + p.rng.IntN(400), up
}

func (p *proxy) handle(c net.Conn) {
	defer c.Close()
	mode, n, up := p.pick()
	deadline := time.Now().Add(30 * time.Second)
	_ = c.SetDeadline(deadline)
	switch mode {
	case "drop-before":
		return
	case "delay":
		time.Sleep(time.Duration(n/4) * time.Millisecond)
	}
	u, err := net.DialTimeout("tcp", up, 2*time.Second)
	if err != nil {
		return
	}
	defer u.Close()
	_ = u.SetDeadline(deadline)
	go func() {
		_, _ = io.Copy(u, &lineCounter{r: c, n: &p.pushes})
		if tc, ok := u.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	switch mode {
	case "drop-after-request":
		// The server got the request and began answering: cut it there.
		var b [1]byte
		_, _ = u.Read(b[:])
	case "mid-response":
		_, _ = io.CopyN(c, u, int64(n))
	default:
		_, _ = io.Copy(c, countingReader{u, &p.answered})
	}
}

// pushLine begins every push request a client sends (plain HTTP/1.1 in
// these tests).
const pushLine = "POST /v1/push "

// lineCounter counts the pushLines in what is read through it, one that
// spans two reads included.
type lineCounter struct {
	r    io.Reader
	n    *atomic.Int64
	tail []byte // the last len(pushLine)-1 bytes read
}

func (l *lineCounter) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	if n > 0 {
		seen := append(l.tail, b[:n]...)
		l.n.Add(int64(bytes.Count(seen, []byte(pushLine))))
		l.tail = append(l.tail[:0], seen[max(0, len(seen)-len(pushLine)+1):]...)
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// appliedRecorder notes every op id a push answer says was applied.
type appliedRecorder struct {
	mu      sync.Mutex
	next    http.RoundTripper
	applied map[string]bool
}

func (a *appliedRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if err != nil || req.URL.Path != "/v1/push" || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	(&faultyTransport{applied: a.applied}).noteApplied(data)
	a.mu.Unlock()
	resp.Body = io.NopCloser(strings.NewReader(string(data)))
	return resp, nil
}

// procWorld is a server process behind a proxy (on PostgreSQL: two
// server processes over one database, the proxy sending each connection
// to either), with devices in this process syncing through the proxy.
type procWorld struct {
	t    *testing.T
	bin  string
	dir  string
	db   string // PostgreSQL URL, "" for bbolt
	srvs []*serverProc
	px   *proxy
	rec  *appliedRecorder
	devs []*device
	mgr  map[string]bool
}

func newProcWorld(t *testing.T, seed uint64, b backend) *procWorld {
	bin := fieldcrmBin(t)
	w := &procWorld{t: t, bin: bin, dir: t.TempDir(), mgr: map[string]bool{}}
	w.rec = &appliedRecorder{next: &http.Transport{DisableKeepAlives: true}, applied: map[string]bool{}}
	n := 1
	if b.pg() {
		w.db = freshDatabase(t)
		n = 2
	}
	for range n {
		w.srvs = append(w.srvs, startServer(t, bin, w.dir, w.db))
	}
	w.px = startProxy(t, seed)
	w.setUpstreams()
	return w
}

func (w *procWorld) setUpstreams() {
	var ups []string
	for _, s := range w.srvs {
		ups = append(ups, s.addr)
	}
	w.px.upstream.Store(ups)
}

// storeArgs names the world's data for `fieldcrm admin`.
func (w *procWorld) storeArgs() []string {
	if w.db != "" {
		return []string{"--database", w.db}
	}
	return []string{"--data", filepath.Join(w.dir, "data")}
}

// admin runs `fieldcrm admin ARGS...` against the world's data.
func (w *procWorld) admin(args ...string) string {
	w.t.Helper()
	cmd := exec.Command(w.bin, append(append([]string{"admin"}, w.storeArgs()...), args...)...)
	cmd.Env = append(os.Environ(), "FIELDCRM_DATABASE=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.t.Fatalf("fieldcrm admin %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (w *procWorld) addUser(name, role string) string {
	w.t.Helper()
	out := strings.TrimSpace(w.admin("user", "add", name, "--role", role))
	var tok string
	for line := range strings.Lines(out) { // the token has a line of its own
		if strings.HasPrefix(line, "fcrm_") {
			tok = strings.TrimSpace(line)
			break
		}
	}
	if tok == "" {
		w.t.Fatalf("admin user add printed no token: %q", out)
	}
	if role == server.RoleManager {
		w.mgr[name] = true
	}
	return tok
}

func (w *procWorld) device(name, role string) *device {
	w.t.Helper()
	h := &harness{t: w.t, dir: w.dir, url: w.px.url()}
	d := h.deviceWithToken(name, w.addUser(name, role))
	w.t.Cleanup(h.close)
	d.c.HTTP = &http.Client{Transport: w.rec, Timeout: 5 * time.Second}
	w.devs = append(w.devs, d)
	return d
}

// restart kills server i (SIGKILL by pid) and starts it again on the
// same data; the other server, if any, keeps serving.
func (w *procWorld) restart(i int) {
	i %= len(w.srvs)
	w.srvs[i].kill()
	w.srvs[i] = startServer(w.t, w.bin, w.dir, w.db)
	w.setUpstreams()
}

// finish syncs everyone without faults, stops the server and checks the
// replicas, the cursors and the log against the server's data.
func (w *procWorld) finish() {
	t := w.t
	t.Helper()
	w.px.faults.Store(false)
	for range 2 {
		for _, d := range w.devs {
			d.sync()
		}
	}
	if len(w.srvs) > 1 {
		w.px.mu.Lock()
		used := len(w.px.used)
		w.px.mu.Unlock()
		if used < 2 {
			t.Fatalf("the clients talked to %d server process(es), not to several", used)
		}
	}
	for _, s := range w.srvs {
		s.stop(t)
	}
	st, err := server.OpenStorage(context.Background(), filepath.Join(w.dir, "data"), w.db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &harness{t: t, st: st}
	if err := h.checkConverged(w.devs, w.mgr); err != nil {
		t.Fatal(err)
	}
	h.checkLog(w.rec.applied)
	var head uint64
	_ = st.View(context.Background(), func(tx server.Tx) error { head, _ = tx.Head(); return nil })
	for _, d := range w.devs {
		var s store.SyncState
		_ = d.st.View(func(tx *store.Tx) error { s = tx.SyncState(); return nil })
		if s.Cursor != head {
			t.Fatalf("%s's cursor is %d, the server's head %d", d.name, s.Cursor, head)
		}
		if err := d.st.Check(); err != nil {
			t.Fatalf("%s's replica is damaged: %v", d.name, err)
		}
	}
}

func TestFaultInjectingProxy(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		w := newProcWorld(t, seed, b)
		rng := rand.New(rand.NewPCG(seed, 1))
		ann, bob, max := w.device("ann", "rep"), w.device("bob", "rep"), w.device("max", "manager")
		w.px.faults.Store(true)
		failures := 0
		for round := range 60 {
			d := []*device{ann, bob, max}[rng.IntN(3)]
			l := d.addLead(fmt.Sprintf("Co %d", round))
			d.addVisit(l.ID, "notes 笔记 "+fmt.Sprint(round))
			if d == max && rng.IntN(2) == 0 {
				l = d.lead(l.ID)
				l.Owner = []string{"ann", "bob"}[rng.IntN(2)]
				d.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
			}
			if _, err := remote.Sync(context.Background(), d.st, d.c); err != nil {
				failures++
			}
		}
		w.px.mu.Lock()
		t.Logf("proxy faults %v; %d of 60 syncs failed", w.px.counts, failures)
		w.px.mu.Unlock()
		if failures == 0 {
			t.Fatal("no sync failed: the proxy injected no faults")
		}
		w.finish()
	})
}

func TestServerKilledDuringPushes(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		w := newProcWorld(t, seed, b)
		rng := rand.New(rand.NewPCG(seed, 2))
		devs := []*device{w.device("ann", "rep"), w.device("bob", "rep"), w.device("max", "manager")}
		for kill := range 5 {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i, d := range devs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := range 200 { // bounded; stopped by the kill long before
						select {
						case <-stop:
							return
						default:
						}
						l := model.Lead{Company: fmt.Sprintf("K%d-%d-%d", kill, i, n)}
						if err := d.st.Update(func(tx *store.Tx) error { return tx.AddLead(&l) }); err != nil {
							return
						}
						_, _ = remote.Sync(context.Background(), d.st, d.c)
					}
				}()
			}
			time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
			w.restart(kill) // SIGKILL by pid, then start again on the same data
			close(stop)
			wg.Wait()
		}
		if len(w.rec.applied) == 0 {
			t.Fatal("no push was applied between the kills")
		}
		w.finish()
	})
}

// compactHere keeps a sync's compaction in the sync's own process (the
// command otherwise leaves it to a process of its own, which could still
// be writing in a test's folder when the test removes it).
const compactHere = "FIELDCRM_COMPACT_DETACH=0"

// finalSync runs `fieldcrm sync` in env to its end, after the kills.
func finalSync(t *testing.T, bin string, env []string) {
	t.Helper()
	cmd := exec.Command(bin, "sync")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final sync: %v\n%s", err, out)
	}
}

// syncKilledWhen runs `fieldcrm sync` in env and, once when holds (asked
// every millisecond), waits delay and kills it with SIGKILL by its pid.
// It says whether the kill ended the process; one that ended first must
// have succeeded, and one that runs past within fails the test.
func syncKilledWhen(t *testing.T, bin string, env []string, within, delay time.Duration, when func() bool) (killed bool) {
	t.Helper()
	cmd := exec.Command(bin, "sync")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(within)
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("a sync that was not killed failed: %v", err)
			}
			return false
		case <-deadline:
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("fieldcrm sync did not finish within %v", within)
		case <-time.After(time.Millisecond):
			if !when() {
				continue
			}
			time.Sleep(delay)
			_ = cmd.Process.Kill() // SIGKILL this pid only
			err := <-done
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return true
			}
			if err != nil {
				t.Fatalf("a sync that ended before its kill failed: %v", err)
			}
			return false
		}
	}
}

// writeClientConfig writes a config file for a `fieldcrm sync` process.
func writeClientConfig(t *testing.T, path, url, user, token string) {
	t.Helper()
	cfg := fmt.Sprintf("user = %q\nserver = %q\ntoken = %q\n", user, url, token)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestClientProcessKilledDuringPulls(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		w := newProcWorld(t, seed, b)
		rng := rand.New(rand.NewPCG(seed, 3))
		ann := w.device("ann", "rep")
		// Each round adds a book big enough that its pull takes a while,
		// with notes of random characters: pulls are gzipped, and repeated
		// text would shrink to a few bytes.
		note := func() string {
			r := make([]rune, 250)
			for i := range r {
				r[i] = rune(0x4e00 + rng.IntN(0x5000))
			}
			return string(r)
		}
		grow := func(round int) {
			ann.update(func(tx *store.Tx) error {
				for i := range 100 {
					l := model.Lead{Company: fmt.Sprintf("Big %d-%d", round, i)}
					if err := tx.AddLead(&l); err != nil {
						return err
					}
					a := model.Activity{LeadID: l.ID, Kind: model.KindCall}
					if err := tx.AddActivity(&a, note()); err != nil {
						return err
					}
				}
				return nil
			})
			ann.sync()
		}
		// max pulls it with `fieldcrm sync` processes killed at random moments.
		tok := w.addUser("max", server.RoleManager)
		cfgPath := filepath.Join(w.dir, "max.toml")
		dbPath := filepath.Join(w.dir, "max.db")
		writeClientConfig(t, cfgPath, w.px.url(), "max", tok)
		env := append(os.Environ(), "FIELDCRM_CONFIG="+cfgPath, "FIELDCRM_DB="+dbPath, compactHere)
		killed := 0
		for round := range 6 {
			grow(round)
			start := w.px.answered.Load()
			// Kill once part of the pull's answer has arrived: mid-transfer
			// or while the pulled changes are being stored.
			threshold := int64(1 + rng.IntN(40_000))
			if syncKilledWhen(t, w.bin, env, 30*time.Second, 0, func() bool { return w.px.answered.Load() >= start+threshold }) {
				killed++
			}
		}
		t.Logf("killed %d of 6 sync processes during their pull", killed)
		if killed == 0 {
			t.Fatal("every sync finished before the kill: the test proved nothing")
		}
		finalSync(t, w.bin, env)
		st, err := store.Open(store.Options{Path: dbPath, User: "max"})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		c, err := remote.NewClient(w.px.url(), tok)
		if err != nil {
			t.Fatal(err)
		}
		c.HTTP = &http.Client{Transport: w.rec, Timeout: 5 * time.Second}
		mx := &device{t: t, name: "max", st: st, c: c}
		w.devs = append(w.devs, mx)
		w.mgr["max"] = true
		w.finish()
	})
}

// TestClientProcessKilledDuringFirstPush: a book written before its
// first login (as "root"), handed to ann and pushed by `fieldcrm sync`
// processes killed (SIGKILL by pid) at moments the seed picks among its
// batches' requests, reaches the server whole: after a last sync nothing waits,
// no op is in the log twice, ann holds exactly the server's records, and
// none of them names root any more.
func TestClientProcessKilledDuringFirstPush(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		w := newProcWorld(t, seed, b)
		rng := rand.New(rand.NewPCG(seed, 4))
		tok := w.addUser("ann", server.RoleRep)
		dbPath, cfgPath := filepath.Join(w.dir, "ann.db"), filepath.Join(w.dir, "ann.toml")
		st, err := store.Open(store.Options{Path: dbPath, User: "root"})
		if err != nil {
			t.Fatal(err)
		}
		// 6,000 leads with two visits each: 18,000 ops, nine batches.
		const leads = 6000
		err = st.Update(func(tx *store.Tx) error {
			for i := range leads {
				l := model.Lead{Company: fmt.Sprintf("First Push %d", i), City: "厦门"}
				if err := tx.AddLead(&l); err != nil {
					return err
				}
				for j := range 2 {
					a := model.Activity{LeadID: l.ID, Kind: model.KindVisit}
					if err := tx.AddActivity(&a, fmt.Sprintf("拜访 %d-%d: root wrote this", i, j)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := remote.NewClient(w.px.url(), tok)
		if err != nil {
			t.Fatal(err)
		}
		logIn(t, st, c, "ann")
		st.Close()
		writeClientConfig(t, cfgPath, w.px.url(), "ann", tok)
		env := append(os.Environ(), "FIELDCRM_CONFIG="+cfgPath, "FIELDCRM_DB="+dbPath, compactHere)
		waiting := func() int {
			st, err := store.Open(store.Options{Path: dbPath, User: "ann", ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			n := -1
			_ = st.View(func(tx *store.Tx) error { n = tx.OutboxLen(); return nil })
			return n
		}
		// Each process is killed once its fourth to sixth push request
		// has reached the proxy (its last, on a push of fewer batches),
		// 0 to 20 ms later; the seed picks which request and the moment,
		// so the kill may land while a batch is applied, while its answer
		// travels, or while answers are stored. A push stores answers two
		// batches at a time and sends the next batch before it stores
		// (remote/sync.go), so when the fourth request is sent the answers
		// to the first two batches are stored, and the ninth batch is
		// still to come. A kill on a shorter push may find none or all of
		// its answers stored: it is logged, not counted as midway.
		killed, finished, midway := 0, 0, 0
		left := leads * 3
		for range 6 {
			if midway >= 2 || finished > 0 {
				break
			}
			from := w.px.pushes.Load()
			at := from + int64(4+rng.IntN(3))
			if batches := int64((left + wire.MaxBatchOps - 1) / wire.MaxBatchOps); at > from+batches {
				at = from + batches
			}
			delay := time.Duration(rng.IntN(21)) * time.Millisecond
			if !syncKilledWhen(t, w.bin, env, 60*time.Second, delay, func() bool { return w.px.pushes.Load() >= at }) {
				finished++
				continue
			}
			killed++
			if n := waiting(); n > 0 && n < left {
				midway++ // some batches answered and stored, not all
				left = n
				settlesAfterKill(t, dbPath)
			} else {
				t.Logf("a kill after push request %d found %d of %d ops waiting", at-from, n, left)
			}
		}
		t.Logf("killed %d sync processes (%d midway through the push), %d finished", killed, midway, finished)
		if midway == 0 {
			t.Fatal("no sync was killed midway through its push: the test proved nothing")
		}
		finalSync(t, w.bin, env)
		st, err = store.Open(store.Options{Path: dbPath, User: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_ = st.View(func(tx *store.Tx) error {
			if n := tx.OutboxLen(); n != 0 {
				t.Errorf("%d ops still wait after the last sync", n)
			}
			return nil
		})
		c.HTTP = &http.Client{Transport: w.rec, Timeout: 5 * time.Second}
		ann := &device{t: t, name: "ann", st: st, c: c}
		for ref, rec := range ann.replica() {
			for f, v := range rec.Fields {
				if strings.Contains(string(v), `"root"`) {
					t.Fatalf("%v's %s still names root: %s", ref, f, v)
				}
			}
		}
		if n := len(ann.replica()); n != leads*3 {
			t.Errorf("ann holds %d records, want %d", n, leads*3)
		}
		// finish wants the clients to have met every server process (two
		// on PostgreSQL), and these few syncs may all have met one: sync
		// until they have, one connection each, at most 50 times.
		for range 50 {
			w.px.mu.Lock()
			used := len(w.px.used)
			w.px.mu.Unlock()
			if used >= len(w.srvs) {
				break
			}
			ann.sync()
		}
		w.devs = append(w.devs, ann)
		w.finish()
	})
}

// settlesAfterKill checks a book whose push was killed midway: doctor
// finds it sound, though act_facts may still name the old author of
// activities handed over, and the first process that opens it to write
// settles them (store/adopt.go).
func settlesAfterKill(t *testing.T, path string) {
	t.Helper()
	if r, err := store.Doctor(path); err != nil || !r.OK() {
		t.Fatalf("doctor after a push killed midway: %+v, %v", r, err)
	}
	st, err := store.Open(store.Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_ = st.View(func(tx *store.Tx) error {
		if tx.HandOverWaiting() {
			t.Error("opened to write, the book still has activities handed over to settle")
		}
		return nil
	})
}

func TestRevokeThroughRunningServer(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		w := newProcWorld(t, 1, b)
		ann := w.device("ann", "rep")
		ann.sync()
		out := w.admin("token", "revoke", "ann")
		if !strings.Contains(out, "revoked 1") {
			t.Fatalf("revoke printed %q", out)
		}
		_, err := remote.Sync(context.Background(), ann.st, ann.c)
		var ae *remote.APIError
		if !errorsAs(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("sync after revoke through the running server: %v", err)
		}
		list := w.admin("user", "list")
		if !strings.Contains(list, "ann") || !strings.Contains(list, "rep") {
			t.Fatalf("user list: %q", list)
		}
	})
}

// TestFourCommandsAfterWorkingOffline is the README's path for a newcomer
// who tried fieldcrm before logging in: leads written as $USER are handed
// to the logged-in user and sync without a refusal.
func TestFourCommandsAfterWorkingOffline(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		w := newProcWorld(t, 1, b)
		home := t.TempDir()
		env := append(os.Environ(), "USER=someone", "FIELDCRM_CONFIG="+filepath.Join(home, "config.toml"), "FIELDCRM_DB="+filepath.Join(home, "book.db"), compactHere)
		run := func(args ...string) string {
			t.Helper()
			cmd := exec.Command(w.bin, args...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("fieldcrm %v: %v\n%s", args, err, out)
			}
			return string(out)
		}
		run("lead", "add", "--company", "离线客户 Offline Co")
		tok := w.addUser("wang", server.RoleRep)
		if out := run("login", "--server", w.px.url(), "--user", "wang", "--token", tok); !strings.Contains(out, "1 lead(s) written on this laptop") {
			t.Fatalf("login did not hand over the offline lead: %q", out)
		}
		out := run("sync")
		if !strings.Contains(out, "pushed") || strings.Contains(out, "refused") {
			t.Fatalf("sync: %q", out)
		}
		status := run("sync", "--status")
		if !strings.Contains(status, "online") || !strings.Contains(status, "waiting:   0") || !strings.Contains(status, "refused:   0") {
			t.Fatalf("status: %q", status)
		}
	})
}
