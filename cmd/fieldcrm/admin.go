package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.adminCmd())
	})
}

func (a *app) adminCmd() *cobra.Command {
	var dir, database, publicURL string
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage the sync server's users, tokens, backups and lead assignments",
		Long: `Manage the server whose data is in --data. When 'fieldcrm serve' runs on that
folder the commands go to it (over a private socket in the folder), so
changes such as a revoked token take effect at once; otherwise they act on
the data directly. With --database postgres://... (or $FIELDCRM_DATABASE)
they act on that database, which every server over it reads on each
request, so changes take effect at once there too.`,
	}
	cmd.PersistentFlags().StringVar(&dir, "data", defaultServerDir(), "the server's data folder (default $FIELDCRM_DATA)")
	cmd.PersistentFlags().StringVar(&database, "database", os.Getenv("FIELDCRM_DATABASE"), "the server's PostgreSQL database, postgres://... (default $FIELDCRM_DATABASE)")
	cmd.PersistentFlags().StringVar(&publicURL, "url", os.Getenv("FIELDCRM_URL"), "the server's address for laptops, in login lines (default $FIELDCRM_URL)")
	with := func(fn func(ctx context.Context, adm server.Admin) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ctx = server.WithAuditActor(ctx, adminActor())
		var adm server.Admin
		var closeFn func() error
		var err error
		// An explicit --data wins over $FIELDCRM_DATABASE.
		f := cmd.PersistentFlags()
		if database != "" && (f.Changed("database") || !f.Changed("data")) {
			adm, closeFn, err = server.OpenAdminDatabase(ctx, database)
		} else {
			adm, closeFn, err = server.OpenAdmin(dir)
		}
		if err != nil {
			return err
		}
		defer closeFn()
		return fn(ctx, adm)
	}

	user := &cobra.Command{Use: "user", Short: "Add, list, disable and enable users"}
	var role string
	var expires time.Duration
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user and print their first token (shown once)",
		Long: `Add a user and print their first token, once, with the exact 'fieldcrm login'
line to give them. Handing out a token means sending a secret: prefer
'fieldcrm admin invite', whose short code works once and expires.

` + roleHelp,
		Example: `  fieldcrm admin user add wang --role rep --url https://crm.example.com:7070
  fieldcrm admin user add li --role manager --expires 2160h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				is, err := adm.IssueToken(ctx, server.TokenRequest{User: args[0], Role: role, NewUser: true, Expires: expires})
				if err != nil {
					return err
				}
				printf(a.out, "added %s (%s). Their token, shown only this once%s:\n%s\n", is.User, is.Role, expiresNote(is.Expires), is.Token)
				a.printLoginLine(publicURL, "--user "+shellQuote(is.User)+" --token "+is.Token)
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "rep", server.RoleList()+" (see above)")
	add.Flags().DurationVar(&expires, "expires", 0, "the token stops working after this long, e.g. 2160h (default never)")
	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List users, their roles, what they store and their tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				users, err := adm.Users(ctx)
				if err != nil {
					return err
				}
				if listJSON {
					return printJSON(a.out, users)
				}
				a.printUsers(users)
				return nil
			})
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print JSON")
	user.AddCommand(add, list, a.adminDisableCmd(with, true), a.adminDisableCmd(with, false), a.adminKeyCmd(with))

	token := &cobra.Command{Use: "token", Short: "Issue, rotate and revoke tokens"}
	tokAdd := &cobra.Command{
		Use:   "add USER",
		Short: "Issue another token for a user (a second device), shown once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				is, err := adm.IssueToken(ctx, server.TokenRequest{User: args[0], Expires: expires})
				if err != nil {
					return err
				}
				printf(a.out, "new token for %s, shown only this once%s:\n%s\n", is.User, expiresNote(is.Expires), is.Token)
				a.printLoginLine(publicURL, "--user "+shellQuote(is.User)+" --token "+is.Token)
				return nil
			})
		},
	}
	tokAdd.Flags().DurationVar(&expires, "expires", 0, "the token stops working after this long, e.g. 720h (default never)")
	var tokenID string
	revoke := &cobra.Command{
		Use:   "revoke USER",
		Short: "Revoke a user's tokens (all, or one with --id); effective at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				n, err := adm.RevokeTokens(ctx, args[0], tokenID)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "revoked %d token(s) of %s\n", n, args[0])
				return nil
			})
		},
	}
	revoke.Flags().StringVar(&tokenID, "id", "", "revoke only the token with this id (see 'admin user list')")
	token.AddCommand(tokAdd, revoke, a.adminRotateCmd(with, &publicURL))

	lead := &cobra.Command{Use: "lead", Short: "Reassign leads"}
	assign := &cobra.Command{
		Use:   "assign LEAD USER",
		Short: "Make USER the owner of LEAD (full lead id); it moves to their laptop on their next sync",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				if _, err := adm.AssignLead(ctx, args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "lead %s now belongs to %s\n", args[0], args[1])
				return nil
			})
		},
	}
	lead.AddCommand(assign)

	var from, to string
	migrate := &cobra.Command{
		Use:   "migrate --from DIR --to postgres://...",
		Short: "Move a bbolt server's data into an empty PostgreSQL database",
		Long: `Copy everything a bbolt server keeps (users, token hashes, every op with its
sequence number, records, visibility) into an empty PostgreSQL database, in
one transaction, checked before it commits. Stop 'fieldcrm serve' on DIR
first. Sequence numbers and the epoch are kept, so laptops carry on syncing
from where they were once the servers run with --database.`,
		Example: `  fieldcrm admin migrate --from /srv/fieldcrm --to postgres://fieldcrm@db.internal/fieldcrm`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return errors.New("give both --from DIR (the bbolt server's data) and --to postgres://...")
			}
			if !server.IsPostgresURL(to) {
				return errors.New("--to must be a postgres:// URL")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			rep, err := server.MigrateBoltToPostgres(ctx, from, to)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "moved %d users, %d tokens, %d log entries (head %d), %d records to PostgreSQL; epoch %s kept\n",
				rep.Users, rep.Tokens, rep.LogEntries, rep.Head, rep.Records, rep.Epoch)
			return nil
		},
	}
	migrate.Flags().StringVar(&from, "from", "", "the bbolt server's data folder (stop its server first)")
	migrate.Flags().StringVar(&to, "to", "", "the empty PostgreSQL database, postgres://...")
	cmd.AddCommand(user, token, lead, migrate, a.adminOpsCmd(with), a.adminCheckCmd(with),
		a.adminInviteCmd(with, &publicURL), a.adminInvitesCmd(with), a.adminAuditCmd(with),
		a.adminEpochCmd(with), a.adminBackupCmd(with), a.adminRestoreCmd(&dir, &database),
		a.adminSettingsCmd(with)) // admin_settings.go
	return cmd
}

// roleHelp says what each role sees and may change, for the commands that
// give a user a role; docs/server.md ("Roles") says it at length.
const roleHelp = `Roles: a rep sees the leads they own or are assigned to; a manager sees and
changes every lead and who has it; leadership sees every lead and adds notes,
tasks and complaints but changes no lead; support sees the leads assigned to
them from the solution stage on; aftersales sees assigned leads once won and
logs service visits and complaints on them.`
