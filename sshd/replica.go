package sshd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// A replica is a user's book on the server, DIR/ssh/replicas/NAME.db
// (0600 in a 0700 folder), what their SSH sessions show and write. It
// syncs as a laptop does, by remote.Loop over the API, but in process:
// its client's transport hands each request to the API's handler marked
// with the user's name (server.AsUser), so no token exists for it and the
// user's standing is checked at every request as a token's is.
//
// bbolt locks a file per open, so a user's sessions share one
// *store.Store, opened by the first session and closed by the last; the
// UI already takes other writers' changes from the file's stamp
// (ui/watch.go), and each session marks only its own writes as its own,
// so two sessions see each other's edits within the watch interval.

// replicaServer is the server address replicas are bound to: their
// binding says they came from this server's own API, in process.
const replicaServer = "http://in-process.fieldcrm.invalid"

// initialSync bounds the sync a replica does as it opens, before the
// first session's first frame.
const initialSync = 30 * time.Second

// finalSync bounds the sync a replica does as its last session leaves.
const finalSync = 10 * time.Second

type replicas struct {
	dir string
	api http.Handler
	cfg Config

	mu     sync.Mutex
	byUser map[string]*replica
	// closing holds, per user, a channel closed once the replica their
	// last session left is closed (and compacted): the next session's
	// opening waits for it.
	closing map[string]chan struct{}
	// stopped is set by closeAll: a session leaving after it compacts
	// nothing, as the server is stopping.
	stopped bool
}

type replica struct {
	user     string
	st       *store.Store
	client   *remote.Client
	loop     *remote.Loop
	settings Settings
	stop     context.CancelFunc
	done     chan struct{} // closed when the loop has ended
	refs     int           // sessions using it; under replicas.mu
	closed   sync.Once

	// ready is closed once opened; err says why it could not be.
	ready chan struct{}
	err   error

	mu   sync.Mutex
	subs map[int]func(remote.Status) // sessions' status feeds
	next int
}

func newReplicas(dir string, api http.Handler, cfg Config) *replicas {
	return &replicas{dir: dir, api: api, cfg: cfg, byUser: map[string]*replica{}, closing: map[string]chan struct{}{}}
}

// acquire returns user's replica, opening and syncing it when no session
// holds it. Sessions of one user arriving together wait for one opening.
func (rs *replicas) acquire(ctx context.Context, user string) (*replica, error) {
	rs.mu.Lock()
	if rs.stopped {
		rs.mu.Unlock()
		return nil, errors.New("the SSH front is stopping")
	}
	r := rs.byUser[user]
	if r == nil {
		r = &replica{user: user, ready: make(chan struct{}), subs: map[int]func(remote.Status){}}
		rs.byUser[user] = r
		closing := rs.closing[user] // nil: none
		go func() {
			if closing != nil {
				<-closing
			}
			r.err = rs.open(r)
			close(r.ready)
		}()
	}
	r.refs++
	rs.mu.Unlock()
	select {
	case <-r.ready:
	case <-ctx.Done():
		rs.release(r)
		return nil, ctx.Err()
	}
	if r.err != nil {
		rs.release(r)
		return nil, r.err
	}
	return r, nil
}

// release gives back a session's hold; the last one pushes what the
// user's sessions left waiting, closes the replica and compacts it when
// due.
func (rs *replicas) release(r *replica) {
	rs.mu.Lock()
	r.refs--
	last := r.refs == 0 && !rs.stopped // else closeAll closes it
	var done chan struct{}
	if last {
		delete(rs.byUser, r.user)
		done = make(chan struct{})
		rs.closing[r.user] = done
	}
	rs.mu.Unlock()
	if !last {
		return
	}
	<-r.ready
	r.close()
	if r.err == nil {
		rs.compact(r.user)
	}
	rs.mu.Lock()
	if rs.closing[r.user] == done {
		delete(rs.closing, r.user)
	}
	rs.mu.Unlock()
	close(done)
}

// compact compacts a replica its last session has left, by the rule a
// laptop's book follows after a sync (store.CompactIfDue): nothing waits
// to be pushed, a day has passed since the last compaction, and a tenth
// of the file or more (1 MiB at least) is free room. bbolt never gives
// freed pages back to the file system, and a replica frees many: its
// first pull, each page of the outbox pushed. The book is opened per
// transaction (a store held open cannot be compacted); the user's next
// session waits for it (closing).
func (rs *replicas) compact(user string) {
	path := rs.path(user)
	st, err := store.Open(store.Options{Path: path, User: user, NoSync: rs.cfg.NoSync, Now: rs.cfg.Now})
	if err == nil {
		var c store.Compaction
		var did bool
		if c, did, err = st.CompactIfDue(); did {
			rs.cfg.Logger.Info("ssh: compacted a replica", "user", user, "before_bytes", c.Before, "after_bytes", c.After)
		}
	}
	if err != nil {
		rs.cfg.Logger.Warn("ssh: compact a replica", "user", user, "err", err)
	}
}

// closeAll closes every replica, when the front stops (its sessions
// have ended), and waits for those being closed; it compacts none, so
// the server stops promptly.
func (rs *replicas) closeAll() {
	rs.mu.Lock()
	rs.stopped = true
	all := make([]*replica, 0, len(rs.byUser))
	for u, r := range rs.byUser {
		all = append(all, r)
		delete(rs.byUser, u)
	}
	closing := make([]chan struct{}, 0, len(rs.closing))
	for _, done := range rs.closing {
		closing = append(closing, done)
	}
	rs.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range all { // at once: each may push what waits (finalSync)
		wg.Go(func() { <-r.ready; r.close() })
	}
	wg.Wait()
	for _, done := range closing {
		<-done
	}
}

// path is user's replica (user names hold no slash: server.CheckUserName).
func (rs *replicas) path(user string) string { return filepath.Join(rs.dir, user+".db") }

// open opens the book, syncs it once (so the first frame shows what the
// server has), reopens it when the book holds other company settings than
// it was opened with (the store computes with its rules from the open on),
// and starts its sync loop.
func (rs *replicas) open(r *replica) error {
	if err := os.MkdirAll(rs.dir, 0o700); err != nil {
		return err
	}
	path := rs.path(r.user)
	client := rs.client(r.user)
	r.settings = rs.cfg.Settings("", 0)
	synced := false
	for range 3 {
		rules := r.settings.Rules
		st, err := store.Open(store.Options{Path: path, User: r.user, Rules: &rules, KeepOpen: true, NoSync: rs.cfg.NoSync, Now: rs.cfg.Now})
		if err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			st.Close()
			return err
		}
		if !synced {
			ctx, cancel := context.WithTimeout(context.Background(), initialSync)
			_, err = remote.Sync(ctx, st, client)
			cancel()
			var ae *remote.AccountError
			if errors.As(err, &ae) {
				st.Close()
				return fmt.Errorf("%s's replica: %w", r.user, err)
			}
			if err != nil {
				// A first pull of a big book may take longer: what
				// arrived is applied page by page, the loop goes on
				// from there, and the status line says how it goes.
				rs.cfg.Logger.Warn("ssh: the replica's opening sync", "user", r.user, "err", err)
			}
			synced = true
		}
		var cs store.CompanySettings
		err = st.View(func(tx *store.Tx) error {
			var err error
			cs, _, err = tx.CompanySettings()
			return err
		})
		if err != nil {
			st.Close()
			return err
		}
		if cs.Version == r.settings.Version {
			r.st = st
			break
		}
		st.Close() // open again with the settings the book holds
		r.settings = rs.cfg.Settings(cs.Text, cs.Version)
	}
	if r.st == nil {
		return fmt.Errorf("the company settings of %s's replica keep changing; try again", r.user)
	}
	ctx, stop := context.WithCancel(context.Background())
	r.stop, r.done = stop, make(chan struct{})
	r.client = client
	r.loop = remote.NewLoop(r.st, client, remote.LoopOptions{OnStatus: r.publish})
	go func() { defer close(r.done); r.loop.Run(ctx) }()
	return nil
}

// close stops the loop, pushes what waits (an edit made just before the
// last session ended, which the loop had not pushed yet, would otherwise
// wait for the user's next session) and closes the book, once: a session
// still leaving as the front stops releases a replica closeAll closed.
func (r *replica) close() {
	r.closed.Do(func() {
		if r.err != nil || r.st == nil {
			return
		}
		r.stop()
		<-r.done
		waiting := 0
		_ = r.st.View(func(tx *store.Tx) error { waiting = tx.OutboxLen(); return nil })
		if waiting > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), finalSync)
			_, _ = remote.Sync(ctx, r.st, r.client) // what fails is pushed by the next session
			cancel()
		}
		_ = r.st.Close()
	})
}

// replicaView is a session's view of its user's replica: in the zone its
// client named (zone.go), else the server's.
type replicaView struct {
	st   *store.Store
	zone string // the zone's name, "" for the server's
}

// view returns the replica as a session in loc sees it (nil: the
// server's zone).
func (r *replica) view(loc *time.Location) replicaView {
	if loc == nil {
		return replicaView{st: r.st}
	}
	return replicaView{st: r.st.InZone(loc), zone: loc.String()}
}

// subscribe adds a session's status feed, giving it the current status
// first; the returned func removes it. A feed is called under r.mu only,
// so never twice at once (syncstatus.Feed's func keeps state).
func (r *replica) subscribe(feed func(remote.Status)) func() {
	r.mu.Lock()
	id := r.next
	r.next++
	r.subs[id] = feed
	feed(r.loop.Status())
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.subs, id)
		r.mu.Unlock()
	}
}

// publish hands the loop's status to every session of the replica.
func (r *replica) publish(s remote.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, feed := range r.subs {
		feed(s)
	}
}

// client is a sync client that reaches the API in process as user.
func (rs *replicas) client(user string) *remote.Client {
	c, err := remote.NewClient(replicaServer, "")
	if err != nil {
		panic(err) // a constant address
	}
	c.User = user
	c.NoCompression, c.NoPack = true, true // nothing to save between two goroutines
	c.HTTP = &http.Client{Timeout: 60 * time.Second, Transport: apiTransport{api: rs.api, user: user}}
	return c
}

// apiTransport serves a replica's requests with the API's own handler,
// as its user. The answer is kept in memory until the handler returns:
// at most a pull page (wire.PullPageBytes, about 8 MiB) or a push's
// answer, so a session's sync never holds more.
type apiTransport struct {
	api  http.Handler
	user string
}

func (t apiTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	req := r.WithContext(server.AsUser(r.Context(), t.user)) // a copy: r stays the caller's
	if req.Body == nil {
		req.Body = http.NoBody
	}
	req.RemoteAddr = "ssh-front" // what the request log shows as its remote
	rec := &recorder{header: http.Header{}}
	t.api.ServeHTTP(rec, req)
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", rec.code, http.StatusText(rec.code)), StatusCode: rec.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(&rec.body), ContentLength: int64(rec.body.Len()), Request: r,
	}, nil
}

// recorder is the http.ResponseWriter of an in-process request: the
// header, the status and the body, kept for the response. (Not
// net/http/httptest's: that package is for tests, and would be linked
// into every fieldcrm command with its test certificate.)
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}
