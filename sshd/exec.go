package sshd

import (
	"context"
	"strings"

	"charm.land/ssh"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
)

// Allowed reports whether a command may run over SSH without the UI
// (`ssh host today --json`): only the CLI's read-only commands, listed
// here one by one, so a command added to the CLI is not reachable over
// SSH until someone decides it should be. The global flags that name a
// book or a config file are refused: a session works on its own replica.
func Allowed(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, a := range args {
		for _, flag := range []string{"--db", "--config", "--demo"} {
			if a == flag || strings.HasPrefix(a, flag+"=") {
				return false
			}
		}
	}
	switch args[0] {
	case "today", "report":
		return true
	case "lead":
		return len(args) > 1 && (args[1] == "list" || args[1] == "show")
	}
	return false
}

// exec runs an allowed command on the session's replica, after a sync,
// and returns its exit status.
func (f *front) exec(s ssh.Session, sess *session, rep *replica, view replicaView, u server.User, lang string) int {
	args := s.Command()
	if !Allowed(args) || f.cfg.Exec == nil {
		f.sessions.refused(reasonCommand)
		say(s, tr(lang, "ssh.refused.command"))
		return 2
	}
	ctx, cancel := context.WithTimeout(sess.ctx, initialSync)
	err := rep.syncNow(ctx)
	cancel()
	if err != nil {
		say(s, tr(lang, "ssh.sync_failed"))
	}
	return f.cfg.Exec(sess.ctx, Exec{Args: args, Store: view.st, Zone: view.zone, User: u.Name, Lang: lang, Stdout: s, Stderr: f.private(rep, lang).writer(s.Stderr())})
}

// syncNow asks the replica's loop for a sync and waits until one that
// started after the request has ended; its error, if any.
func (r *replica) syncNow(ctx context.Context) error {
	ch := make(chan remote.Status, 16)
	unsubscribe := r.subscribe(func(s remote.Status) {
		select {
		case ch <- s:
		default: // the waiter is behind: it only needs the newest few
		}
	})
	defer unsubscribe()
	busy := (<-ch).Syncing // subscribe sends the current status first
	r.loop.SyncNow()
	started := false // a sync asked for while one runs starts after it
	for {
		select {
		case s := <-ch:
			switch {
			case busy:
				busy = s.Syncing
			case s.Syncing:
				started = true
			case started:
				return s.Err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
