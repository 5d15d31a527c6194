package sshd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Why a session was refused or ended: the keys of its message (i18n
// "ssh.refused.*") and the reason label of its metric.
const (
	reasonAuth     = "auth"     // no registered key, or too many failed sign-ins
	reasonPerUser  = "per_user" // the user has MaxPerUser sessions open
	reasonTotal    = "total"    // MaxSessions are open
	reasonIdle     = "idle"     // no key for IdleTimeout
	reasonRevoked  = "revoked"  // the key was removed or the user disabled
	reasonShutdown = "shutdown" // the server stops
	reasonCommand  = "command"  // a command that is not allowed over SSH
	reasonChannel  = "channel"  // a second session on one connection (limits.go)
)

// session is one open SSH session.
type session struct {
	id         int
	user, key  string
	lang       string
	ssh        ssh.Session
	lastInput  atomic.Int64 // unix nanoseconds of the user's last key
	ctx        context.Context
	cancel     context.CancelFunc
	endReason  atomic.Value // string: why the server ended it
	closeTimer *time.Timer
}

// ended returns why the server ended the session, "" if it did not.
func (s *session) ended() string {
	r, _ := s.endReason.Load().(string)
	return r
}

// input is the session's input as the UI reads it, which records when
// the user last typed, for the idle timeout.
func (s *session) input() io.Reader { return idleReader{s} }

type idleReader struct{ s *session }

func (r idleReader) Read(p []byte) (int, error) {
	n, err := r.s.ssh.Read(p)
	if n > 0 {
		r.s.lastInput.Store(time.Now().UnixNano())
	}
	return n, err
}

// sessions keeps the open sessions, enforces the caps and counts for
// /metrics.
type sessions struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	live    map[int]*session
	perUser map[string]int
	next    int
	opened  uint64
	refusal map[string]uint64
	ends    map[string]uint64
}

func newSessions(cfg Config, log *slog.Logger) *sessions {
	return &sessions{cfg: cfg, log: log, live: map[int]*session{}, perUser: map[string]int{},
		refusal: map[string]uint64{}, ends: map[string]uint64{}}
}

// open registers a session of user, signed in with the key of that
// fingerprint, or says why it may not open.
func (ss *sessions) open(s ssh.Session, user, key, lang string) (*session, string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case len(ss.live) >= ss.cfg.MaxSessions:
		return nil, reasonTotal
	case ss.perUser[user] >= ss.cfg.MaxPerUser:
		return nil, reasonPerUser
	}
	ctx, cancel := context.WithCancel(s.Context())
	sess := &session{id: ss.next, user: user, key: key, lang: lang, ssh: s, ctx: ctx, cancel: cancel}
	sess.lastInput.Store(time.Now().UnixNano())
	ss.next++
	ss.opened++
	ss.live[sess.id] = sess
	ss.perUser[user]++
	ss.log.Info("ssh session", "user", user, "key", key, "remote", s.RemoteAddr().String(), "command", len(s.Command()) > 0)
	return sess, ""
}

// close unregisters a session as its handler returns.
func (ss *sessions) close(sess *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, ok := ss.live[sess.id]; !ok {
		return
	}
	delete(ss.live, sess.id)
	if ss.perUser[sess.user]--; ss.perUser[sess.user] <= 0 {
		delete(ss.perUser, sess.user)
	}
	sess.cancel()
	if sess.closeTimer != nil {
		sess.closeTimer.Stop()
	}
}

// refused counts a session or sign-in refused for reason.
func (ss *sessions) refused(reason string) {
	ss.mu.Lock()
	ss.refusal[reason]++
	ss.mu.Unlock()
}

// end ends a session for reason: its UI or command is stopped, its
// handler says why and exits, and if it has not within a few seconds
// (a client that reads nothing), the connection is closed under it.
func (ss *sessions) end(sess *session, reason string) {
	if !sess.endReason.CompareAndSwap(nil, reason) {
		return
	}
	ss.mu.Lock()
	ss.ends[reason]++
	ss.mu.Unlock()
	ss.log.Info("ssh session ended", "user", sess.user, "key", sess.key, "reason", reason)
	sess.cancel()
	conn, _ := sess.ssh.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn)
	if conn != nil {
		ss.mu.Lock()
		sess.closeTimer = time.AfterFunc(3*time.Second, func() { _ = conn.Close() })
		ss.mu.Unlock()
	}
}

// endAll ends every open session.
func (ss *sessions) endAll(reason string) {
	for _, s := range ss.list() {
		ss.end(s, reason)
	}
}

func (ss *sessions) list() []*session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]*session, 0, len(ss.live))
	for _, s := range ss.live {
		out = append(out, s)
	}
	return out
}

// watch ends, every Check, the sessions idle for IdleTimeout and those
// whose key was removed or whose user was disabled. Checking on a timer
// rather than being told by the admin command covers every way a key or
// a user changes: the admin socket, a second server over the same
// PostgreSQL database, or the storage written while no server ran.
func (f *front) watch(ctx context.Context) {
	t := time.NewTicker(f.cfg.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		open := f.sessions.list()
		if len(open) == 0 {
			continue
		}
		now := time.Now()
		var keys []string
		seen := map[string]bool{}
		for _, s := range open {
			if now.Sub(time.Unix(0, s.lastInput.Load())) >= f.cfg.IdleTimeout {
				f.sessions.end(s, reasonIdle)
			}
			if !seen[s.key] {
				seen[s.key] = true
				keys = append(keys, s.key)
			}
		}
		good, err := f.svc.KeyStanding(ctx, keys)
		if err != nil {
			f.log.Error("ssh: check the open sessions' keys", "err", err)
			continue
		}
		for _, s := range open {
			if !good[s.key] {
				f.sessions.end(s, reasonRevoked)
			}
		}
	}
}

// writeMetrics writes the sessions' metrics for /metrics.
func (ss *sessions) writeMetrics(w io.Writer) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	fmt.Fprintf(w, "# HELP fieldcrm_ssh_sessions Open SSH sessions.\n# TYPE fieldcrm_ssh_sessions gauge\nfieldcrm_ssh_sessions %d\n", len(ss.live))
	fmt.Fprintf(w, "# HELP fieldcrm_ssh_sessions_total SSH sessions opened.\n# TYPE fieldcrm_ssh_sessions_total counter\nfieldcrm_ssh_sessions_total %d\n", ss.opened)
	fmt.Fprintf(w, "# HELP fieldcrm_ssh_refused_total SSH sign-ins and sessions refused, by reason (auth, per_user, total, command, env, long_cmd, channel, conns).\n# TYPE fieldcrm_ssh_refused_total counter\n")
	for _, r := range []string{reasonAuth, reasonPerUser, reasonTotal, reasonCommand, reasonEnv, reasonLongCmd, reasonChannel, reasonConns} {
		fmt.Fprintf(w, "fieldcrm_ssh_refused_total{reason=%q} %d\n", r, ss.refusal[r])
	}
	fmt.Fprintf(w, "# HELP fieldcrm_ssh_ended_total SSH sessions the server ended, by reason (idle, revoked, shutdown).\n# TYPE fieldcrm_ssh_ended_total counter\n")
	for _, r := range []string{reasonIdle, reasonRevoked, reasonShutdown} {
		fmt.Fprintf(w, "fieldcrm_ssh_ended_total{reason=%q} %d\n", r, ss.ends[r])
	}
}
