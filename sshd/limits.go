package sshd

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// A signed-in client's memory is bounded here, before the SSH library
// sees its requests. The library (charm.land/ssh, gliderlabs' fork) keeps
// every "env" request of a session for the session's life, and accepts
// any number of session channels on a connection, each with its own
// buffers; a packet, and so one request, is at most 256 KiB (the
// transport refuses larger). Its other defaults already refuse what
// fieldcrm does not offer: only "session" channels are handled (a
// "direct-tcpip" channel, ssh -L, is rejected as an unknown type), no
// global request has a handler ("tcpip-forward", ssh -R, is refused),
// "x11-req" and subsystems (sftp) are refused, and signals are buffered
// 128 at most. Agent forwarding it accepts (it only notes the request;
// nothing opens the agent's channel unless a handler asks): refused here,
// so a client is told no rather than believing its agent is forwarded.
const (
	// maxEnvValue bounds a kept variable's value: a locale, a terminal
	// name or a zone name is a few dozen bytes.
	maxEnvValue = 256
	// maxEnvRepeats is how often one kept variable is taken; the last
	// one counts. OpenSSH sends a variable twice when SendEnv and SetEnv
	// both name it (Debian's ssh_config has SendEnv LANG LC_*, then
	// ssh -o SetEnv=LANG=zh_CN.UTF-8 sends LANG again).
	maxEnvRepeats = 4
	// maxEnvRequests is how many "env" requests a session may send, kept
	// or not, before it is refused: OpenSSH's SendEnv sends a handful (a
	// careless "SendEnv *" a few hundred at most).
	maxEnvRequests = 1000
	// maxCommand bounds an exec request's command: the longest allowed
	// command (lead show ID --json, or a report with its flags) is well
	// under a hundred bytes.
	maxCommand = 4096
	// maxPtyRequest bounds a pty-req (the terminal's name and modes,
	// about 300 bytes from OpenSSH), kept for the session's life.
	maxPtyRequest = 4096
)

// keptEnv are the variables fieldcrm reads from a session's environment
// (lang.go, ui.go, zone.go); every other one is refused, as OpenSSH's
// sshd refuses what AcceptEnv does not list.
var keptEnv = map[string]bool{
	"LANG": true, "LC_ALL": true, "LC_MESSAGES": true, "FIELDCRM_LANG": true, "TERM": true, "TZ": true,
}

// Why a session or a connection was refused: the reason label of the
// metric, and for a session the key of its message (i18n
// "ssh.refused.*"; a connection refused before its handshake has none).
const (
	reasonEnv     = "env"      // more than maxEnvRequests env requests
	reasonLongCmd = "long_cmd" // a command longer than maxCommand
	reasonConns   = "conns"    // the front holds maxConns connections
)

// limits is what the request filter found wrong with a session's
// requests; read by the session's handler, which refuses the session.
type limits struct {
	mu  sync.Mutex
	why string // reasonEnv, reasonLongCmd or ""
}

func (l *limits) set(why string) {
	l.mu.Lock()
	if l.why == "" {
		l.why = why
	}
	l.mu.Unlock()
}

func (l *limits) reason() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.why
}

// conns holds the one session channel open on each connection, and
// counts the connections.
type conns struct {
	mu    sync.Mutex
	open  map[*gossh.ServerConn]*limits
	total atomic.Int64
}

// DefaultLinger is how long a connection may stay with no session open
// (Config.Linger).
const DefaultLinger = time.Minute

// maxConns is how many connections the front holds at once, signed in
// or not: a session needs one, and a few more let clients sign in while
// the sessions are all open.
func (c Config) maxConns() int64 { return int64(2*c.MaxSessions + 20) }

// lingerKey holds, in a connection's context, the timer that closes it
// while it has no session.
var lingerKey = &struct{ name string }{"fieldcrm-linger"}

// accepted takes a new connection, unless the front holds maxConns,
// and closes it after Linger with no session open: a client that signs
// in and opens none, or whose session was refused or has ended, holds
// nothing for the idle timeout's half an hour.
func (f *front) accepted(ctx ssh.Context, nc net.Conn) net.Conn {
	if f.conns.total.Add(1) > f.cfg.maxConns() {
		f.conns.total.Add(-1)
		f.sessions.refused(reasonConns)
		return nil // closed before the handshake: there is no way to say why
	}
	linger := time.AfterFunc(f.cfg.Linger, func() { _ = nc.Close() })
	ctx.SetValue(lingerKey, linger)
	return &countedConn{Conn: nc, done: func() { linger.Stop(); f.conns.total.Add(-1) }}
}

type countedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}

// sessionChannel handles a "session" channel as the library does, over
// a channel whose requests are bounded first, and refuses a second one
// while the first is open: a connection has one session at a time (a
// client multiplexing sessions over one connection opens another
// connection instead, which the session caps count).
func (f *front) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	lim := &limits{}
	f.conns.mu.Lock()
	busy := f.conns.open[conn] != nil
	if !busy {
		f.conns.open[conn] = lim
	}
	f.conns.mu.Unlock()
	if busy {
		f.sessions.refused(reasonChannel)
		_ = nc.Reject(gossh.ResourceShortage, inBoth("ssh.refused.channel"))
		return
	}
	defer f.conns.free(conn, lim)
	if linger, ok := ctx.Value(lingerKey).(*time.Timer); ok {
		linger.Stop()
		defer linger.Reset(f.cfg.Linger)
	}
	// Returns once the channel's requests end, as it closes.
	ssh.DefaultSessionHandler(srv, conn, boundedChannel{nc, lim}, ctx)
}

// free lets conn open another session, if lim's is still the one open.
func (c *conns) free(conn *gossh.ServerConn, lim *limits) {
	c.mu.Lock()
	if c.open[conn] == lim {
		delete(c.open, conn)
	}
	c.mu.Unlock()
}

// bounded returns the limits of the session open on s's connection, and
// s as its handler should use it: its Exit frees the connection for
// another session first, as the client may open the next one as soon as
// the exit arrives (OpenSSH's ControlMaster runs commands one after
// another on one connection), before this channel is wholly closed.
func (f *front) bounded(s ssh.Session) (*limits, ssh.Session) {
	conn, _ := s.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn)
	f.conns.mu.Lock()
	lim := f.conns.open[conn]
	f.conns.mu.Unlock()
	if lim == nil { // cannot happen: every session comes through sessionChannel
		return &limits{}, s
	}
	return lim, freeOnExit{s, func() { f.conns.free(conn, lim) }}
}

type freeOnExit struct {
	ssh.Session
	free func()
}

func (s freeOnExit) Exit(code int) error {
	s.free()
	return s.Session.Exit(code)
}

// boundedChannel is a session channel whose requests pass through filter.
type boundedChannel struct {
	gossh.NewChannel
	lim *limits
}

func (b boundedChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := b.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go filter(reqs, out, b.lim)
	return ch, out, nil
}

// filter passes a session's requests on to the library, refusing what
// fieldcrm neither reads nor offers so the library never keeps it: env
// other than keptEnv (each taken maxEnvRepeats times, its value
// bounded), agent
// forwarding, an oversized terminal request. An exec whose command is
// too long, or a session that sent more than maxEnvRequests env requests,
// is marked in lim and its exec or shell passed on with no command, for
// the handler to refuse with a sentence the client shows.
func filter(in <-chan *gossh.Request, out chan<- *gossh.Request, lim *limits) {
	defer close(out)
	envs := 0
	kept := map[string]int{}
	for req := range in {
		switch req.Type {
		case "env":
			envs++
			if envs > maxEnvRequests {
				lim.set(reasonEnv)
			}
			var kv struct{ Key, Value string }
			if gossh.Unmarshal(req.Payload, &kv) != nil || !keptEnv[kv.Key] || kept[kv.Key] >= maxEnvRepeats || len(kv.Value) > maxEnvValue {
				_ = req.Reply(false, nil)
				continue
			}
			kept[kv.Key]++
		case "exec":
			if len(req.Payload) > maxCommand+4 { // the command's length, then the command
				lim.set(reasonLongCmd)
			}
			if lim.reason() != "" {
				req.Payload = gossh.Marshal(struct{ Value string }{})
			}
		case "pty-req":
			if len(req.Payload) > maxPtyRequest {
				_ = req.Reply(false, nil)
				continue
			}
		case "auth-agent-req@openssh.com":
			_ = req.Reply(false, nil)
			continue
		}
		out <- req
	}
}
