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
	var dir, database string
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage the sync server's users, tokens and lead assignments",
		Long: `Manage the server whose data is in --data. When 'fieldcrm serve' runs on that
folder the commands go to it (over a private socket in the folder), so
changes such as a revoked token take effect at once; otherwise they act on
the data directly. With --database postgres://... (or $FIELDCRM_DATABASE)
they act on that database, which every server over it reads on each
request, so changes take effect at once there too.`,
	}
	cmd.PersistentFlags().StringVar(&dir, "data", defaultServerDir(), "the server's data folder (default $FIELDCRM_DATA)")
	cmd.PersistentFlags().StringVar(&database, "database", os.Getenv("FIELDCRM_DATABASE"), "the server's PostgreSQL database, postgres://... (default $FIELDCRM_DATABASE)")
	with := func(fn func(ctx context.Context, adm server.Admin) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
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

	user := &cobra.Command{Use: "user", Short: "Add and list users"}
	var role string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user and print their first token (shown once)",
		Example: `  fieldcrm admin user add wang --role rep
  fieldcrm admin user add li --role manager`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				tok, err := adm.AddUser(ctx, args[0], role)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "added %s (%s). Their token, shown only this once:\n%s\n", args[0], role, tok)
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "rep", "rep (own and assigned leads), manager (all leads) or support (assigned leads)")
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
				t := &table{header: []string{"USER", "ROLE", "STORED", "TOKEN", "CREATED", "REVOKED"}}
				for _, u := range users {
					stored := server.FormatBytes(u.Stored)
					if len(u.Tokens) == 0 {
						t.add(u.Name, u.Role, stored, "-", u.Created.Format(time.DateTime), "")
					}
					for _, tok := range u.Tokens {
						rev := ""
						if !tok.Revoked.IsZero() {
							rev = tok.Revoked.Format(time.DateTime)
						}
						t.add(u.Name, u.Role, stored, tok.ID, tok.Created.Format(time.DateTime), rev)
					}
				}
				t.write(a.out)
				return nil
			})
		},
	}
	user.AddCommand(add, list)

	token := &cobra.Command{Use: "token", Short: "Issue and revoke tokens"}
	tokAdd := &cobra.Command{
		Use:   "add USER",
		Short: "Issue another token for a user (a second device), shown once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				tok, err := adm.AddToken(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "new token for %s, shown only this once:\n%s\n", args[0], tok)
				return nil
			})
		},
	}
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
	token.AddCommand(tokAdd, revoke)

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
	cmd.AddCommand(user, token, lead, migrate, a.adminOpsCmd(with), a.adminCheckCmd(with))
	return cmd
}
