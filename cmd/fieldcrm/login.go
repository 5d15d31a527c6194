package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

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
	var url, user, token string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Connect this device to the team's server",
		Long: `Check the server address and token against the server, then save them in the
config file (mode 0600, it holds the token). The user name becomes this
device's user: the owner of the leads you create. The token may also come
from $FIELDCRM_TOKEN, so it stays out of the shell history.`,
		Example: `  fieldcrm login --server https://crm.example.com:7070 --user wang --token fcrm_...`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			who, err := c.WhoAmI(ctx)
			if err != nil {
				return fmt.Errorf("login to %s: %w", url, err)
			}
			if who.User != user {
				return fmt.Errorf("that token belongs to %q, not %q", who.User, user)
			}
			// Work written on this laptop before logging in, as another
			// name (often $USER), becomes this user's, or the server would
			// refuse leads that name someone else as owner.
			adopted := 0
			if _, err := os.Stat(a.resolvedDBPath()); err == nil {
				st, err := a.store()
				if err != nil {
					return err
				}
				if old := st.User(); old != user {
					if err := st.Update(func(tx *store.Tx) error {
						var err error
						adopted, err = tx.AdoptUnsynced(old, user)
						return err
					}); err != nil {
						return fmt.Errorf("hand the leads written as %s to %s: %w", old, user, err)
					}
				}
			}
			a.cfg.Server, a.cfg.Token, a.cfg.User = url, token, user
			if err := a.cfg.Save(); err != nil {
				return fmt.Errorf("save the config: %w", err)
			}
			if adopted > 0 {
				fmt.Fprintf(a.out, "%d lead(s) written on this laptop before logging in now belong to %s\n", adopted, user)
			}
			fmt.Fprintf(a.out, "logged in to %s as %s (%s); run 'fieldcrm sync' to sync now\n", url, who.User, who.Role)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "server", "", "the server's address, e.g. https://crm.example.com:7070")
	cmd.Flags().StringVar(&user, "user", "", "your user name on the server")
	cmd.Flags().StringVar(&token, "token", "", "the token your administrator gave you")
	return cmd
}
