package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

// adminActor names who runs this admin command and from where, for the
// server's audit log: the login of the operator and this machine's name.
func adminActor() server.AuditActor {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	return server.AuditActor{By: operator(), From: host}
}

// printLoginLine prints the exact 'fieldcrm login' command to give a
// user, with the server's address from --url or a placeholder to fill in.
func (a *app) printLoginLine(url, args string) {
	if url == "" {
		url = "https://SERVER:PORT"
		defer fmt.Fprintln(a.out, "(replace https://SERVER:PORT with the server's address, or give --url or $FIELDCRM_URL to print it)")
	}
	fmt.Fprintln(a.out, "Give them this line to run on their laptop:")
	printf(a.out, "  fieldcrm login --server %s %s\n", shellQuote(url), args)
}

// expiresNote says when a token expires, for the line that shows it.
func expiresNote(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return " (it expires " + at.Local().Format(time.DateTime) + ")"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@=+,%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printUsers is the table of 'admin user list'.
func (a *app) printUsers(users []server.UserInfo) {
	// STATE last: scripts read the columns before it by position.
	t := &table{header: []string{"USER", "ROLE", "STORED", "TOKEN", "CREATED", "REVOKED", "EXPIRES", "STATE"}}
	day := func(at time.Time) string {
		if at.IsZero() {
			return ""
		}
		return at.Local().Format(time.DateTime)
	}
	for _, u := range users {
		state := "active"
		if !u.Disabled.IsZero() {
			state = "disabled"
		}
		stored := server.FormatBytes(u.Stored)
		if len(u.Tokens) == 0 {
			t.add(clean(u.Name), u.Role, stored, "-", day(u.Created), "", "", state)
		}
		for _, tok := range u.Tokens {
			t.add(clean(u.Name), u.Role, stored, tok.ID, day(tok.Created), day(tok.Revoked), day(tok.Expires), state)
		}
	}
	t.write(a.out)
}

// adminDisableCmd is 'admin user disable' (disable) or 'admin user enable'.
func (a *app) adminDisableCmd(with adminWith, disable bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "enable NAME",
		Short: "Let a disabled user sign in again, with the tokens they had",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				if err := adm.SetDisabled(ctx, args[0], disable); err != nil {
					return err
				}
				if disable {
					printf(a.out, "disabled %s: their tokens are refused from now on; their leads and history stay\n", args[0])
				} else {
					printf(a.out, "enabled %s: their tokens work again\n", args[0])
				}
				return nil
			})
		},
	}
	if disable {
		cmd.Use = "disable NAME"
		cmd.Short = "Refuse a user's tokens at once; their data and history stay"
	}
	return cmd
}

// adminRotateCmd is 'admin token rotate': a new token in place of the old.
func (a *app) adminRotateCmd(with adminWith, url *string) *cobra.Command {
	var id string
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "rotate USER",
		Short: "Replace a user's tokens (or one, --id) with a new one, shown once",
		Long: `Revoke a user's active tokens (or only the one with --id) and issue a new
token in the same step: the old ones are refused from the next request on.`,
		Example: `  fieldcrm admin token rotate wang
  fieldcrm admin token rotate wang --id 3fa2c1d0 --expires 720h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				is, err := adm.IssueToken(ctx, server.TokenRequest{User: args[0], Rotate: true, TokenID: id, Expires: expires})
				if err != nil {
					return err
				}
				printf(a.out, "revoked %d token(s) of %s; their new token, shown only this once%s:\n%s\n", is.Revoked, is.User, expiresNote(is.Expires), is.Token)
				a.printLoginLine(*url, "--user "+shellQuote(is.User)+" --token "+is.Token)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "replace only the token with this id (see 'admin user list')")
	cmd.Flags().DurationVar(&expires, "expires", 0, "the new token stops working after this long (default never)")
	return cmd
}

// adminInviteCmd is 'admin invite NAME': a single-use code instead of a
// token.
func (a *app) adminInviteCmd(with adminWith, url *string) *cobra.Command {
	var role string
	var ttl, tokenTTL time.Duration
	cmd := &cobra.Command{
		Use:   "invite NAME",
		Short: "Print a short single-use code that signs NAME in on one laptop",
		Long: `Make an invitation: a short code (4 groups of 4 letters and digits) that works
once and expires (after 24 hours unless --expires says otherwise). The
person runs the printed 'fieldcrm login --server URL --invite CODE' line;
their laptop exchanges the code for a token that only it keeps, so no
secret that lasts goes through chat. For a new user give --role; for one
who exists, leave it out: the code signs them in on another device.
Wrong codes count as failed sign-ins of the address that sends them.

` + roleHelp,
		Example: `  fieldcrm admin invite wang --role rep --url https://crm.example.com:7070
  fieldcrm admin invite li --expires 2h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("role") {
				role = ""
			}
			return with(func(ctx context.Context, adm server.Admin) error {
				inv, err := adm.CreateInvite(ctx, server.InviteRequest{User: args[0], Role: role, TTL: ttl, TokenTTL: tokenTTL})
				if err != nil {
					return err
				}
				printf(a.out, "invitation for %s (%s), works once until %s:\n%s\n", inv.User, inv.Role, inv.Expires.Local().Format(time.DateTime), inv.Code)
				a.printLoginLine(*url, "--invite "+inv.Code)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "rep", "a new user's role: "+server.RoleList())
	cmd.Flags().DurationVar(&ttl, "expires", server.DefaultInviteTTL, "the code stops working after this long")
	cmd.Flags().DurationVar(&tokenTTL, "token-expires", 0, "the token it gives stops working after this long (default never)")
	return cmd
}

// adminInvitesCmd is 'admin invites': the invitations and their state.
func (a *app) adminInvitesCmd(with adminWith) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "invites",
		Short: "List invitations: for whom, by whom, until when, and whether used",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				invs, err := adm.Invites(ctx)
				if err != nil || asJSON {
					if err == nil {
						err = printJSON(a.out, invs)
					}
					return err
				}
				t := &table{header: []string{"ID", "USER", "ROLE", "BY", "CREATED", "EXPIRES", "STATE"},
					max: []int{0, 24, 0, 24, 0, 0, noCap}}
				now := time.Now()
				for _, inv := range invs {
					state := "open"
					switch {
					case !inv.Used.IsZero():
						state = "used " + inv.Used.Local().Format(time.DateTime) + " from " + inv.UsedFrom
					case !now.Before(inv.Expires):
						state = "expired"
					}
					t.add(inv.ID, clean(inv.User), inv.Role, clean(inv.By), inv.Created.Local().Format(time.DateTime),
						inv.Expires.Local().Format(time.DateTime), clean(state))
				}
				t.write(a.out)
				if len(invs) == 0 {
					fmt.Fprintln(a.out, "no invitations yet: 'fieldcrm admin invite NAME --role rep' makes one")
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// adminAuditCmd is 'admin audit': who did what to accounts and data.
func (a *app) adminAuditCmd(with adminWith) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of admin actions: who, what, when, from where",
		Long: `Show the newest admin actions (users added, tokens issued, rotated and
revoked, users disabled and enabled, invitations made and redeemed, leads
reassigned, backups, restores and epoch bumps), oldest first. The log is
kept in the server's storage, in the transaction of the action itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return errors.New("--limit must be 0 (all) or more")
			}
			return with(func(ctx context.Context, adm server.Admin) error {
				log, err := adm.Audit(ctx, limit)
				if err != nil || asJSON {
					if err == nil {
						err = printJSON(a.out, log)
					}
					return err
				}
				// Who, where from and the detail are cut to fit; the time
				// and the action never are.
				t := &table{header: []string{"WHEN", "WHO", "FROM", "ACTION", "TARGET", "DETAIL"},
					max: []int{0, 24, 32, 0, 24, noCap}}
				for _, e := range log {
					t.add(e.At.Local().Format(time.DateTime), clean(e.By), clean(e.From), e.Action, clean(e.Target), clean(e.Detail))
				}
				t.write(a.out)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 100, "show the newest this many (0: all)")
	return cmd
}

// adminEpochCmd is 'admin epoch bump'.
func (a *app) adminEpochCmd(with adminWith) *cobra.Command {
	epoch := &cobra.Command{Use: "epoch", Short: "Make every laptop resync after a restore"}
	bump := &cobra.Command{
		Use:   "bump",
		Short: "Give the data a new epoch: laptops pull from scratch and resend",
		Long: `Give the server's history a new name (its epoch). Run it after restoring a
PostgreSQL database with pg_restore ('admin restore' does it by itself for
a bbolt server): every laptop then pulls from scratch and pushes again what
it wrote that the restored data lacks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				e, err := adm.BumpEpoch(ctx)
				if err != nil {
					return err
				}
				printf(a.out, "the epoch is now %s: laptops resync from scratch at their next sync\n", e)
				return nil
			})
		},
	}
	epoch.AddCommand(bump)
	return epoch
}
