// Package sshd is the server's SSH front: `fieldcrm serve --ssh-addr`
// serves the terminal UI over SSH, with charm.land/wish/v2 and its
// Bubble Tea middleware, so a user with a registered key types `ssh host`
// and gets their own board, in their language, with nothing installed.
//
// Who: a session's public key names its user (server.Service.KeyUser);
// passwords and keyboard-interactive are not offered, and failed
// sign-ins are limited per address as the API's are. Whose data: each
// user has one replica book under DIR/ssh/replicas, synced in process
// through the API's own handler as that user (server.AsUser), so the
// laptop's push, pull and visibility rules hold here too and no token is
// ever written. A user's sessions share the replica's one *store.Store,
// opened by the first and closed by the last, which pushes what waits
// and compacts the book when due.
//
// What a session sees is its client's: its language and time zone from
// the environment it sent (lang.go, zone.go), never the server's paths
// (private.go). What a client may make the server hold is bounded before
// the SSH library keeps it (limits.go): six variables, a short command,
// one session per connection, no forwarding.
//
// The server package cannot link this one (it runs the client's store,
// sync loop and UI): cmd/fieldcrm hands Front to server.Config.Fronts.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	gossh "golang.org/x/crypto/ssh"
)

// Config is how the SSH front runs.
type Config struct {
	// Addr is the host:port to listen on.
	Addr string
	// Dir is the server's data folder; the front keeps its host key and
	// the replicas in Dir/ssh (0700).
	Dir    string
	Logger *slog.Logger
	// IdleTimeout ends a session that has had no key from its user for
	// this long; zero means DefaultIdle.
	IdleTimeout time.Duration
	// MaxPerUser and MaxSessions cap the open sessions of one user and of
	// everyone; zero means DefaultPerUser and DefaultSessions.
	MaxPerUser, MaxSessions int
	// Linger is how long a connection may stay with no session open
	// (signed in and none opened yet, or its session refused or ended);
	// zero means DefaultLinger. The front holds 2*MaxSessions+20
	// connections at most.
	Linger time.Duration
	// Check is how often open sessions' keys and users are checked, so
	// a removed key or a disabled user ends them; zero means 2 s.
	Check time.Duration
	// FailRate and FailBurst limit failed sign-ins per address (see
	// server.NewAddrLimiter); zero means the API's defaults.
	FailRate, FailBurst float64
	// Settings turns the company settings document a replica synced
	// (version 0 and "" while it has none) into what the UI computes and
	// shows with; cmd/fieldcrm reads it as a laptop does. Nil means the
	// defaults.
	Settings func(text string, version uint64) Settings
	// Exec runs an allowed read-only command (see Allowed) for a session,
	// on its user's replica, and returns its exit status.
	Exec func(ctx context.Context, e Exec) int
	// Ready, when set, is called once listening, with the address and
	// the host key's SHA256 fingerprint.
	Ready func(addr, fingerprint string)
	// Name is the server's name as a session's status line shows it
	// ("over SSH on NAME"), in place of the book's path, which is the
	// server's; "" means the host name.
	Name string
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// NoSync skips fsync in the replicas (tests and benchmarks only).
	NoSync bool
}

// Defaults of Config.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultPerUser  = 3
	DefaultSessions = 50
)

// Settings is what the UI takes from a replica's company settings.
type Settings struct {
	Rules    model.Rules
	Template func(stage, lang string) string
	Plan     report.Plan
	// Version is the company settings' version (0: none synced yet).
	Version uint64
}

// Exec is one command run over SSH without the UI.
type Exec struct {
	Args  []string
	Store *store.Store // the user's replica, synced just before, in Zone
	// Zone is the time zone the client's TZ names, "" for the server's.
	Zone           string
	User           string
	Lang           string
	Stdout, Stderr interface{ Write([]byte) (int, error) }
}

// Front returns the front for server.Config.Fronts.
func (c Config) Front() server.Front {
	return func(ctx context.Context, svc *server.Service, api http.Handler, m *server.Metrics) error {
		f, err := newFront(c, svc, api)
		if err != nil {
			return err
		}
		m.AddSource(f.sessions.writeMetrics)
		return f.serve(ctx)
	}
}

// front is a running SSH front.
type front struct {
	cfg      Config
	svc      *server.Service
	log      *slog.Logger
	fails    *server.AddrLimiter
	replicas *replicas
	sessions *sessions
	conns    conns // limits.go
	srv      *ssh.Server
	hostFP   string
}

func newFront(c Config, svc *server.Service, api http.Handler) (*front, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdle
	}
	if c.MaxPerUser <= 0 {
		c.MaxPerUser = DefaultPerUser
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultSessions
	}
	if c.Linger <= 0 {
		c.Linger = DefaultLinger
	}
	if c.Check <= 0 {
		c.Check = 2 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Name == "" {
		c.Name, _ = os.Hostname()
	}
	if c.Settings == nil {
		c.Settings = func(string, uint64) Settings { return Settings{Rules: model.DefaultRules()} }
	}
	dir := filepath.Join(c.Dir, "ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	signer, fp, err := hostKey(filepath.Join(dir, "host_ed25519"))
	if err != nil {
		return nil, err
	}
	f := &front{cfg: c, svc: svc, log: c.Logger, fails: server.NewAddrLimiter(c.FailRate, c.FailBurst), hostFP: fp}
	f.replicas = newReplicas(filepath.Join(dir, "replicas"), api, c)
	f.sessions = newSessions(c, c.Logger)
	f.srv, err = wish.NewServer(
		wish.WithAddress(c.Addr),
		wish.WithVersion("fieldcrm"),
		func(s *ssh.Server) error { s.AddHostKey(signer); return nil },
		ssh.PublicKeyAuth(f.publicKey), // auth.go; no password, no keyboard-interactive
		wish.WithBannerHandler(f.banner),
		ssh.EmulatePty(),
		wish.WithMiddleware(f.handle),
	)
	if err != nil {
		return nil, err
	}
	// Only session channels, bounded (limits.go): the library's default
	// set, with its handler behind the bounds.
	f.srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": f.sessionChannel}
	f.conns.open = map[*gossh.ServerConn]*limits{}
	f.srv.ConnCallback = f.accepted
	f.srv.ConnectionFailedCallback = f.failed
	f.srv.HandshakeTimeout = 30 * time.Second
	// A connection with no traffic at all (no session, no keepalive)
	// goes too, a minute after a session would have (whose own idle
	// clock is its user's keys, and which says why it ends).
	f.srv.IdleTimeout = c.IdleTimeout + time.Minute
	return f, nil
}

// serve listens until ctx is done, then ends every session and closes
// the replicas.
func (f *front) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", f.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen for SSH on %s: %w", f.cfg.Addr, err)
	}
	f.log.Info("serving ssh", "addr", ln.Addr().String(), "host_key", f.hostFP)
	if f.cfg.Ready != nil {
		f.cfg.Ready(ln.Addr().String(), f.hostFP)
	}
	checks := make(chan struct{})
	go func() { defer close(checks); f.watch(ctx) }() // sessions.go
	errc := make(chan error, 1)
	go func() { errc <- f.srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	f.sessions.endAll(reasonShutdown)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = f.srv.Shutdown(sctx)
	<-checks
	f.replicas.closeAll()
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	return err
}

// handle is every session's handler: the UI with a terminal, else one
// of the allowed commands.
func (f *front) handle(ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		// A client that sent more than the bounds allow is refused
		// (limits.go).
		lim, s := f.bounded(s)
		lang := language(s.Environ())
		if why := lim.reason(); why != "" {
			f.refuse(s, lang, why)
			return
		}
		// The user comes from the key the connection signed in with, as
		// the SSH library recorded it, never from what the key callback
		// saw last: a client may ask about several keys before it signs
		// with one, and the library does not ask again for a key it was
		// told about. Reading it again also checks the user's standing.
		pub := s.PublicKey()
		if pub == nil { // cannot happen: no other way in is offered
			_ = s.Exit(1)
			return
		}
		u, err := f.svc.KeyUser(s.Context(), pub)
		if err != nil {
			say(s, tr(lang, "ssh.ended.revoked"))
			_ = s.Exit(1)
			return
		}
		sess, why := f.sessions.open(s, u.Name, gossh.FingerprintSHA256(pub), lang)
		if why != "" {
			f.refuse(s, lang, why)
			return
		}
		defer f.sessions.close(sess)
		// A first session pulls the user's whole book: say so if it
		// takes a moment, rather than leave a blank terminal.
		slow := time.AfterFunc(time.Second, func() { say(s, tr(lang, "ssh.opening")) })
		rep, err := f.replicas.acquire(s.Context(), u.Name)
		slow.Stop()
		if err != nil {
			f.log.Error("ssh: open the replica", "user", u.Name, "err", err)
			say(s, tr(lang, "ssh.replica_failed"))
			_ = s.Exit(1)
			return
		}
		defer f.replicas.release(rep)
		view := rep.view(zone(s.Environ()))
		if len(s.Command()) > 0 {
			_ = s.Exit(f.exec(s, sess, rep, view, u, lang))
			return
		}
		if _, _, isPty := s.Pty(); !isPty {
			say(s, tr(lang, "ssh.no_terminal"))
			_ = s.Exit(1)
			return
		}
		_ = s.Exit(f.runUI(s, sess, rep, view, u, lang)) // ui.go
	}
}

// say writes a line to the session's standard error: ending in \r\n on
// a terminal, whose output is not translated as a local one's is.
func say(s ssh.Session, line string) {
	end := "\n"
	if _, _, isPty := s.Pty(); isPty {
		end = "\r\n"
	}
	_, _ = io.WriteString(s.Stderr(), line+end)
}

// refuse tells a session why it may not go on, in its language, and ends it.
func (f *front) refuse(s ssh.Session, lang, why string) {
	f.sessions.refused(why)
	say(s, tr(lang, "ssh.refused."+why))
	_ = s.Exit(1)
}
