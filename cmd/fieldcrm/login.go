package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.loginCmd())
	})
}

func (a *app) loginCmd() *cobra.Command {
	var url, user, token, unsynced, invite string
	var rebind, insecure bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Connect this device to the team's server",
		Long: `Check the server address and token against the server, then save them in the
config file (mode 0600, it holds the token). With --invite CODE, the
one-time code your administrator gave you is exchanged for a token that
only this laptop keeps (no --user or --token then). The user name becomes this
device's user: the owner of the leads you create. The token may also come
from $FIELDCRM_TOKEN, so it stays out of the shell history. A plain
http:// address to anything but this machine (localhost, 127.0.0.0/8, ::1)
sends the token unencrypted: login warns, unless --insecure.

The book (--db) is bound to the server and user of its first login, since
its sync position counts that account's history; syncing it as anyone else
is refused. To hand a book to another user or server, log in with
--rebind: the book keeps its records and pulls the new account's history
from the beginning. Changes not yet synced were written as the old user:
--unsynced keep pushes them as the new user, --unsynced set-aside moves
them to the refused list ('fieldcrm sync --rejected'), kept but never sent.
On a terminal, without --unsynced, login asks.`,
		Example: `  fieldcrm login --server https://crm.example.com:7070 \
      --invite 7KQ2-M9XD-4RTA-PZ3H
  fieldcrm login --server https://crm.example.com:7070 \
      --user wang --token fcrm_...
  fieldcrm --db li.db login --rebind --unsynced keep \
      --server https://crm.example.com:7070 --user li --token fcrm_...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if invite != "" {
				return a.loginInvite(url, user, token, invite, rebind, unsynced, insecure) // login_invite.go
			}
			if token == "" {
				token = os.Getenv("FIELDCRM_TOKEN")
			}
			if url == "" || user == "" || token == "" {
				return errors.New("give --server, --user and --token (or $FIELDCRM_TOKEN)")
			}
			c, err := remote.NewClient(url, token)
			if err != nil {
				return err
			}
			if plainToRemote(url) && !insecure {
				// Said before the token goes out, so an interrupted or
				// failed login has warned too.
				fmt.Fprintf(a.err, "fieldcrm: warning: %s is plain http to another machine: your token and every change you sync travel unencrypted, and anyone on the network between can read them and use the token; ask your administrator for an https:// address (--insecure silences this warning)\n", model.Printable(url))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			who, err := c.WhoAmI(ctx)
			if err != nil {
				return fmt.Errorf("login to %s: %w", url, err)
			}
			if who.User != user {
				return fmt.Errorf("that token belongs to %q, not %q", who.User, user)
			}
			said, err := a.bindBook(c.Server(), user, rebind, unsynced)
			if err != nil {
				return err
			}
			a.noteRole(who.Role) // approval.go
			a.cfg.Server, a.cfg.Token, a.cfg.User = url, token, user
			if err := a.cfg.Save(); err != nil {
				return fmt.Errorf("save the config: %w", err)
			}
			for _, line := range said {
				fmt.Fprintln(a.out, line)
			}
			printf(a.out, "logged in to %s as %s (%s); run 'fieldcrm sync' to sync now\n", url, who.User, who.Role)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "server", "", "the server, e.g. https://crm.example.com:7070")
	cmd.Flags().StringVar(&user, "user", "", "your user name on the server")
	cmd.Flags().StringVar(&token, "token", "", "the token your administrator gave you")
	cmd.Flags().StringVar(&invite, "invite", "", "the one-time invitation code your administrator gave you")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "no warning for plain http:// to another machine")
	cmd.Flags().BoolVar(&rebind, "rebind", false, "hand this book to another user or server")
	cmd.Flags().StringVar(&unsynced, "unsynced", "", "--rebind: keep (push as the new user) or set-aside")
	return cmd
}

// bindBook binds the book to user on server at login and returns what to
// tell the user. A book bound to no account is bound now, and work written
// on it before the first login (often as $USER) becomes user's, or the
// server would refuse leads that name someone else as owner. A book bound
// to another account is handed over only with rebind; unsynced says what
// becomes of the work not yet pushed ("keep", "set-aside", or "" to ask on
// a terminal).
func (a *app) bindBook(server, user string, rebind bool, unsynced string) ([]string, error) {
	switch unsynced {
	case "", "keep", "set-aside":
	default:
		return nil, fmt.Errorf("--unsynced is keep or set-aside, not %q", unsynced)
	}
	path := a.resolvedDBPath()
	if _, err := os.Stat(path); err != nil {
		return nil, nil // no book yet: its first sync binds it
	}
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	var bound store.Binding
	var synced bool
	var waiting int
	if err := st.View(func(tx *store.Tx) error {
		bound, synced, waiting = tx.Binding(), tx.SyncState().Synced(), tx.OutboxLen()
		return nil
	}); err != nil {
		return nil, err
	}
	legacy := bound.IsZero() && synced && a.cfg.Server != "" && a.cfg.User != ""
	if legacy {
		// Synced before books were bound: by the config's account.
		bound = store.Binding{Server: a.cfg.Server, User: a.cfg.User}
		if c, err := remote.NewClient(a.cfg.Server, ""); err == nil {
			bound.Server = c.Server()
		}
	}
	if bound.IsZero() {
		var adopted int
		err := st.Update(func(tx *store.Tx) error {
			var err error
			if old := tx.User(); old != user {
				if adopted, err = tx.AdoptUnsynced(old, user); err != nil {
					return fmt.Errorf("hand the leads written as %s to %s: %w", old, user, err)
				}
			}
			return tx.Bind(server, user)
		})
		if err != nil {
			return nil, err
		}
		if adopted > 0 {
			return []string{fmt.Sprintf("%d lead(s) written on this laptop before logging in now belong to %s", adopted, user)}, nil
		}
		return nil, nil
	}
	if bound.Server == server && bound.User == user {
		if !rebind && legacy {
			return nil, st.Update(func(tx *store.Tx) error { return tx.Bind(server, user) })
		}
		if !rebind {
			return nil, nil
		}
		return nil, fmt.Errorf("%s is already bound to %s on %s; --rebind is only for handing it to another user or server", path, user, server)
	}
	if !rebind {
		return nil, fmt.Errorf("%s belongs to %s on %s and syncs only as that account; to hand this book to %s on %s (a fresh sync position), add --rebind; for %s's own book, give another --db; nothing was changed",
			path, bound.User, bound.Server, user, server, user)
	}
	if waiting > 0 && unsynced == "" {
		if !onTerminal(a) {
			return nil, fmt.Errorf("%d change(s) in %s were written as %s and have not reached %s; say what becomes of them with --unsynced keep (push them as %s) or --unsynced set-aside (keep them in the refused list, never sent); nothing was changed",
				waiting, path, bound.User, bound.Server, user)
		}
		printf(a.out, "%d change(s) in this book were written as %s and have not reached %s.\n", waiting, bound.User, bound.Server)
		unsynced = "set-aside"
		if a.confirm(fmt.Sprintf("Push them to %s as %s? (No keeps them in the refused list, never sent.)", server, user)) {
			unsynced = "keep"
		}
	}
	var adopted, aside int
	err = st.Update(func(tx *store.Tx) error {
		var err error
		switch {
		case waiting == 0:
		case unsynced == "keep":
			adopted, err = tx.AdoptUnsynced(bound.User, user)
		default:
			aside, err = tx.SetAsideOutbox(fmt.Sprintf("written as %s for %s, not sent: the book was handed to %s on %s", bound.User, bound.Server, user, server))
		}
		if err != nil {
			return err
		}
		return tx.Rebind(server, user)
	})
	if err != nil {
		return nil, fmt.Errorf("hand %s to %s: %w", path, user, err)
	}
	said := []string{fmt.Sprintf("%s was %s's on %s and is now %s's on %s; the records already in it stay, and the next sync pulls %s's history from the beginning", path, bound.User, bound.Server, user, server, user)}
	switch {
	case waiting == 0:
	case unsynced == "keep":
		said = append(said, fmt.Sprintf("the %d change(s) not yet synced will be pushed as %s (%d lead(s) now owned by %s)", waiting, user, adopted, user))
	default:
		said = append(said, fmt.Sprintf("the %d change(s) not yet synced are kept in the refused list, never sent: 'fieldcrm sync --rejected' shows them", aside))
	}
	return said, nil
}

// plainToRemote reports whether address is plain http:// to a host other
// than this machine (localhost, 127.0.0.0/8, ::1), where the token would
// cross a network in clear.
func plainToRemote(address string) bool {
	u, err := neturl.Parse(address)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.Unmap().IsLoopback()
}
