// Command loadtest runs a fieldcrm server and many real fieldcrm client
// processes against it, each with its own book and config, signed in with
// an invitation as its own rep or manager. For a bounded time each client
// adds leads, moves them between stages and logs visits with notes,
// syncing as it goes; then every client syncs until nothing moves, and the
// books are checked against the server: each manager's book holds exactly
// what a fresh manager's book pulls from the server, and each rep's book
// holds every lead and visit that rep made, as the server has them.
//
// It prints what it measured: edits and syncs per second, sync latency
// (the whole `fieldcrm sync` process, as a laptop runs it), errors, and
// the servers' peak resident memory. See BENCHMARKS.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is one load test run.
type Config struct {
	Bin      string        // the fieldcrm binary
	Work     string        // a folder for the servers' and clients' files
	Clients  int           // client processes, each its own user
	Managers int           // how many of them are managers
	Duration time.Duration // how long clients edit and sync
	Think    time.Duration // mean pause between a client's commands
	// Database, when set, is a PostgreSQL URL: Servers processes serve
	// it, and clients are spread over them. Otherwise one server keeps
	// its data in bbolt under Work.
	Database string
	Servers  int
	Seed     uint64
	Log      io.Writer // progress lines; nil: none
}

// Result is what a run measured.
type Result struct {
	Backend    string        `json:"backend"`
	Servers    int           `json:"servers"`
	Clients    int           `json:"clients"`
	Managers   int           `json:"managers"`
	Duration   time.Duration `json:"duration_ns"`
	Edits      int           `json:"edits"`
	Syncs      int           `json:"syncs"`
	EditErrors int           `json:"edit_errors"`
	SyncErrors int           `json:"sync_errors"`
	SyncP50    time.Duration `json:"sync_p50_ns"`
	SyncP95    time.Duration `json:"sync_p95_ns"`
	SyncMax    time.Duration `json:"sync_max_ns"`
	// BaselineSync is the median of 5 syncs of one client before the load
	// starts: the reference the latencies under load compare with.
	BaselineSync time.Duration `json:"baseline_sync_ns"`
	// StoredBytes is the op bytes the server keeps for all users (what
	// the quota counts), from 'admin user list'.
	StoredBytes int64 `json:"stored_bytes"`
	// FinalSync is how long the final rounds took, all clients at once.
	FinalSync time.Duration `json:"final_sync_ns"`
	// ServerPeakRSS is each server's peak resident set (VmHWM), bytes.
	ServerPeakRSS []int64  `json:"server_peak_rss"`
	Leads         int      `json:"leads"`
	Activities    int      `json:"activities"`
	Problems      []string `json:"problems,omitempty"`
	// FirstErrors are a few of the errors, to say what went wrong.
	FirstErrors []string `json:"first_errors,omitempty"`
}

// Converged reports whether the final check found nothing wrong.
func (r *Result) Converged() bool { return len(r.Problems) == 0 }

// openStages are the stages a lead moves among (won and lost ask for more).
var openStages = []string{"prospect", "qualified", "contacted", "solution", "negotiation"}

type client struct {
	name, role, dir, url string
	leads                []string // ids of leads this client added
	visits               []string // ids of visits this client logged
	others               []string // a manager's: ids of leads its book showed lately
	rng                  *rand.Rand
}

type runner struct {
	cfg     Config
	servers []*exec.Cmd
	urls    []string
	dataDir string

	mu        sync.Mutex
	res       Result
	latencies []time.Duration
}

// Run runs the load test described by cfg.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Clients < 1 || cfg.Managers < 0 || cfg.Managers > cfg.Clients {
		return nil, errors.New("give at least one client, and no more managers than clients")
	}
	if cfg.Servers < 1 {
		cfg.Servers = 1
	}
	if cfg.Database == "" && cfg.Servers != 1 {
		return nil, errors.New("several servers need --database: on bbolt one server holds the data")
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	r := &runner{cfg: cfg, dataDir: filepath.Join(cfg.Work, "server")}
	r.res = Result{Backend: "bbolt", Servers: cfg.Servers, Clients: cfg.Clients, Managers: cfg.Managers, Duration: cfg.Duration}
	if cfg.Database != "" {
		r.res.Backend = "postgres"
	}
	defer r.stopServers()
	if err := r.startServers(ctx); err != nil {
		return nil, err
	}
	clients, err := r.signIn(ctx)
	if err != nil {
		return nil, err
	}
	if r.res.BaselineSync, err = r.baseline(ctx, clients[0]); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "%d clients signed in; editing for %s\n", len(clients), cfg.Duration)
	deadline := time.Now().Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { r.work(ctx, c, deadline) })
	}
	wg.Wait()
	fmt.Fprintf(cfg.Log, "edits done (%d edits, %d syncs); final sync\n", r.res.Edits, r.res.Syncs)
	start := time.Now()
	for round := range 2 {
		if err := r.each(ctx, clients, func(c *client) error {
			_, err := r.fc(ctx, c, "sync")
			return err
		}); err != nil {
			return nil, fmt.Errorf("final sync round %d: %w", round+1, err)
		}
	}
	r.res.FinalSync = time.Since(start)
	for _, s := range r.servers {
		r.res.ServerPeakRSS = append(r.res.ServerPeakRSS, peakRSS(s.Process.Pid))
	}
	if err := r.check(ctx, clients); err != nil {
		return nil, err
	}
	if r.res.StoredBytes, err = r.stored(ctx); err != nil {
		return nil, err
	}
	slices.Sort(r.latencies)
	if n := len(r.latencies); n > 0 {
		r.res.SyncP50 = r.latencies[n/2]
		r.res.SyncP95 = r.latencies[min(n-1, n*95/100)]
		r.res.SyncMax = r.latencies[n-1]
	}
	return &r.res, nil
}

// baseline syncs one client 5 times with nothing else running and returns
// the median time.
func (r *runner) baseline(ctx context.Context, c *client) (time.Duration, error) {
	var took []time.Duration
	for range 5 {
		start := time.Now()
		if _, err := r.fc(ctx, c, "sync"); err != nil {
			return 0, err
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return took[2], nil
}

// stored sums the op bytes the server keeps per user.
func (r *runner) stored(ctx context.Context) (int64, error) {
	out, err := r.admin(ctx, "user", "list", "--json")
	if err != nil {
		return 0, err
	}
	var users []struct{ Stored int64 }
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		return 0, fmt.Errorf("admin user list: %w", err)
	}
	var n int64
	for _, u := range users {
		n += u.Stored
	}
	return n, nil
}

// startServers starts the servers and waits until each answers health.
func (r *runner) startServers(ctx context.Context) error {
	for i := range r.cfg.Servers {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		args := []string{"serve", "--addr", addr}
		if r.cfg.Database != "" {
			args = append(args, "--database", r.cfg.Database)
		} else {
			args = append(args, "--data", r.dataDir)
		}
		logf, err := os.Create(filepath.Join(r.cfg.Work, fmt.Sprintf("server%d.log", i)))
		if err != nil {
			return err
		}
		cmd := exec.Command(r.cfg.Bin, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Env = append(os.Environ(), "FIELDCRM_LANG=en")
		if err := cmd.Start(); err != nil {
			logf.Close()
			return fmt.Errorf("start the server: %w", err)
		}
		go func() { _ = cmd.Wait(); logf.Close() }()
		r.servers = append(r.servers, cmd)
		url := "http://" + addr
		r.urls = append(r.urls, url)
		if err := waitHealthy(ctx, url); err != nil {
			return fmt.Errorf("server %d (log in %s): %w", i, logf.Name(), err)
		}
	}
	return nil
}

func (r *runner) stopServers() {
	for _, s := range r.servers {
		_ = s.Process.Signal(os.Interrupt)
	}
	for _, s := range r.servers {
		done := make(chan struct{})
		go func() { _, _ = s.Process.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = s.Process.Kill()
		}
	}
}

func waitHealthy(ctx context.Context, url string) error {
	hc := &http.Client{Timeout: time.Second}
	for range 300 {
		resp, err := hc.Get(url + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("it did not answer /v1/health within 30 s")
}

var inviteLine = regexp.MustCompile(`--invite ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})`)

// admin runs `fieldcrm admin ...` on the servers' data.
func (r *runner) admin(ctx context.Context, args ...string) (string, error) {
	where := []string{"admin", "--data", r.dataDir}
	if r.cfg.Database != "" {
		where = []string{"admin", "--database", r.cfg.Database}
	}
	return r.run(ctx, "", append(where, args...)...)
}

// invite makes a user with an invitation and signs a new book in with it.
func (r *runner) invite(ctx context.Context, name, role, url string) (*client, error) {
	out, err := r.admin(ctx, "invite", name, "--role", role, "--url", url)
	if err != nil {
		return nil, err
	}
	m := inviteLine.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("no invitation code in %q", out)
	}
	c := &client{name: name, role: role, dir: filepath.Join(r.cfg.Work, "clients", name), url: url}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	if _, err := r.fc(ctx, c, "login", "--server", url, "--invite", m[1]); err != nil {
		return nil, err
	}
	return c, nil
}

// signIn makes the users: the first Managers are managers, the rest reps,
// spread over the servers.
func (r *runner) signIn(ctx context.Context) ([]*client, error) {
	clients := make([]*client, r.cfg.Clients)
	err := r.eachIndex(ctx, r.cfg.Clients, func(i int) error {
		role, name := "rep", fmt.Sprintf("rep%03d", i)
		if i < r.cfg.Managers {
			role, name = "manager", fmt.Sprintf("mgr%03d", i)
		}
		c, err := r.invite(ctx, name, role, r.urls[i%len(r.urls)])
		if err != nil {
			return fmt.Errorf("sign %s in: %w", name, err)
		}
		c.rng = rand.New(rand.NewPCG(r.cfg.Seed, uint64(i)))
		clients[i] = c
		return nil
	})
	return clients, err
}

// work is one client's loop until the deadline: an edit, sometimes a
// sync, a pause.
func (r *runner) work(ctx context.Context, c *client, deadline time.Time) {
	sinceSync := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var err error
		switch p := c.rng.IntN(100); {
		case len(c.leads) == 0 || p < 25:
			var out string
			out, err = r.fc(ctx, c, "lead", "add", "--company", fmt.Sprintf("%s company %d", c.name, len(c.leads)+1), "--json")
			if err == nil {
				var l struct{ ID string }
				if err = json.Unmarshal([]byte(out), &l); err == nil {
					c.leads = append(c.leads, l.ID)
				}
			}
		case p < 45:
			lead := c.leads[c.rng.IntN(len(c.leads))]
			if len(c.others) > 0 && c.rng.IntN(2) == 0 {
				lead = c.others[c.rng.IntN(len(c.others))] // a manager moves a rep's lead
			}
			_, err = r.fc(ctx, c, "lead", "move", lead, openStages[c.rng.IntN(len(openStages))])
			if err != nil && strings.Contains(err.Error(), "already") {
				err = nil // moved to the stage it was in: not an error of the system
			}
		default:
			lead := c.leads[c.rng.IntN(len(c.leads))]
			var out string
			out, err = r.fc(ctx, c, "visit", "add", lead, "--notes",
				fmt.Sprintf("%s: visit %d, 客户要报价 and a demo next week", c.name, len(c.visits)+1), "--json")
			if err == nil {
				var a struct{ ID string }
				if err = json.Unmarshal([]byte(out), &a); err == nil {
					c.visits = append(c.visits, a.ID)
				}
			}
		}
		r.count(err, false, 0)
		sinceSync++
		if sinceSync >= 3 || c.rng.IntN(2) == 0 {
			start := time.Now()
			_, err := r.fc(ctx, c, "sync")
			r.count(err, true, time.Since(start))
			sinceSync = 0
			if c.role == "manager" && err == nil && c.rng.IntN(4) == 0 {
				if v, err := r.view(ctx, c); err == nil {
					c.others = slices.Collect(maps.Keys(v.Leads))
					slices.Sort(c.others)
				}
			}
		}
		if r.cfg.Think > 0 {
			time.Sleep(time.Duration(c.rng.Int64N(int64(2 * r.cfg.Think))))
		}
	}
}

func (r *runner) count(err error, isSync bool, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && isSync:
		r.res.SyncErrors++
	case err != nil:
		r.res.EditErrors++
	case isSync:
		r.res.Syncs++
		r.latencies = append(r.latencies, took)
	default:
		r.res.Edits++
	}
	if err != nil && len(r.res.FirstErrors) < 5 {
		r.res.FirstErrors = append(r.res.FirstErrors, err.Error())
	}
}

type leadView struct {
	ID      string `json:"id"`
	Company string `json:"company"`
	Stage   string `json:"stage"`
	Owner   string `json:"owner"`
}

type activityView struct {
	ID        string `json:"id"`
	LeadID    string `json:"lead_id"`
	Revisions []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"revisions"`
}

type bookView struct {
	Leads      map[string]leadView
	Activities map[string]string // id: lead id and the revisions, as one string
}

// view reads a client's book through the CLI, as a user would.
func (r *runner) view(ctx context.Context, c *client) (bookView, error) {
	v := bookView{Leads: map[string]leadView{}, Activities: map[string]string{}}
	out, err := r.fc(ctx, c, "lead", "list", "--json")
	if err != nil {
		return v, err
	}
	var leads []leadView
	if err := json.Unmarshal([]byte(out), &leads); err != nil {
		return v, fmt.Errorf("%s: lead list: %w", c.name, err)
	}
	for _, l := range leads {
		v.Leads[l.ID] = l
	}
	out, err = r.fc(ctx, c, "visit", "list", "--json", "--limit", "0")
	if err != nil {
		return v, err
	}
	var acts []activityView
	if err := json.Unmarshal([]byte(out), &acts); err != nil {
		return v, fmt.Errorf("%s: visit list: %w", c.name, err)
	}
	for _, a := range acts {
		s := a.LeadID
		for _, rev := range a.Revisions {
			s += "|" + rev.ID + ":" + rev.Text
		}
		v.Activities[a.ID] = s
	}
	return v, nil
}

// check compares the books with the server's view, read by a manager who
// signs in only now and pulls everything from scratch.
func (r *runner) check(ctx context.Context, clients []*client) error {
	auditor, err := r.invite(ctx, "auditor", "manager", r.urls[0])
	if err != nil {
		return err
	}
	if _, err := r.fc(ctx, auditor, "sync"); err != nil {
		return err
	}
	server, err := r.view(ctx, auditor)
	if err != nil {
		return err
	}
	r.res.Leads, r.res.Activities = len(server.Leads), len(server.Activities)
	var mu sync.Mutex
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(r.res.Problems) < 20 {
			r.res.Problems = append(r.res.Problems, fmt.Sprintf(format, args...))
		}
	}
	return r.each(ctx, clients, func(c *client) error {
		book, err := r.view(ctx, c)
		if err != nil {
			return err
		}
		for _, id := range c.leads {
			if _, ok := server.Leads[id]; !ok {
				problem("%s's lead %s is not on the server", c.name, id)
			}
		}
		for _, id := range c.visits {
			if _, ok := server.Activities[id]; !ok {
				problem("%s's visit %s is not on the server", c.name, id)
			}
		}
		for id, l := range server.Leads {
			if c.role == "manager" || l.Owner == c.name {
				if book.Leads[id] != l {
					problem("%s's book has lead %s as %+v, the server %+v", c.name, id, book.Leads[id], l)
				}
			}
		}
		for id, a := range server.Activities {
			lead := server.Leads[strings.SplitN(a, "|", 2)[0]]
			if c.role == "manager" || lead.Owner == c.name {
				if book.Activities[id] != a {
					problem("%s's book has activity %s as %q, the server %q", c.name, id, book.Activities[id], a)
				}
			}
		}
		if c.role == "manager" && (len(book.Leads) != len(server.Leads) || len(book.Activities) != len(server.Activities)) {
			problem("manager %s's book holds %d leads and %d activities, the server %d and %d", c.name,
				len(book.Leads), len(book.Activities), len(server.Leads), len(server.Activities))
		}
		return nil
	})
}

// fc runs fieldcrm as client c.
func (r *runner) fc(ctx context.Context, c *client, args ...string) (string, error) {
	return r.run(ctx, c.dir, append([]string{"--db", filepath.Join(c.dir, "book.db"), "--config", filepath.Join(c.dir, "config.toml")}, args...)...)
}

// run runs the binary with its HOME in dir (when given), and returns its
// output or an error with its last words.
func (r *runner) run(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.cfg.Bin, args...)
	cmd.Env = append(os.Environ(), "FIELDCRM_LANG=en", "COLUMNS=300")
	if dir != "" {
		cmd.Env = append(cmd.Env, "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("fieldcrm %s: %v: %s", strings.Join(args[min(4, len(args)-1):], " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// each runs fn for every client, a few at a time, and returns the first
// error.
func (r *runner) each(ctx context.Context, clients []*client, fn func(*client) error) error {
	return r.eachIndex(ctx, len(clients), func(i int) error { return fn(clients[i]) })
}

func (r *runner) eachIndex(ctx context.Context, n int, fn func(int) error) error {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// peakRSS returns a process's peak resident set in bytes (VmHWM), or -1.
func peakRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
