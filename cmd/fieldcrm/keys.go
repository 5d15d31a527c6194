package main

import (
	"context"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.keysCmd())
	})
}

// keysCmd is 'fieldcrm keys': the logged-in user's own SSH keys, for the
// server's SSH front, through the API.
func (a *app) keysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Add and list your SSH keys, to use fieldcrm on the server over SSH",
		Long: `Register your SSH public keys with the server you are logged in to, so that
'ssh' to its SSH front opens your fieldcrm there, with your own book, from
any machine that has the key. A key names one user; only an administrator
removes one ('fieldcrm admin user key remove').`,
	}
	add := &cobra.Command{
		Use:     "add FILE.pub",
		Short:   "Register one of your SSH public keys ('-' reads standard input)",
		Example: `  fieldcrm keys add ~/.ssh/id_ed25519.pub`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := readKeyFile(a.in, args[0]) // admin_keys.go
			if err != nil {
				return err
			}
			if _, err := server.ParseSSHKey(text); err != nil {
				return err // said here, before the network
			}
			return a.withKeysClient(func(ctx context.Context, c *remote.Client) error {
				k, err := c.AddKey(ctx, string(text))
				if err != nil {
					return err
				}
				printf(a.out, "added %s key %s for %s\n", k.Type, k.Fingerprint, k.User)
				return nil
			})
		},
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List your SSH keys with their SHA256 fingerprints",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withKeysClient(func(ctx context.Context, c *remote.Client) error {
				keys, err := c.Keys(ctx)
				if err != nil {
					return err
				}
				out := make([]server.SSHKey, len(keys))
				for i, k := range keys {
					out[i] = server.SSHKey(k)
				}
				return a.printKeys(out, asJSON)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(add, list)
	return cmd
}

// withKeysClient runs fn with the logged-in client, bounded in time.
func (a *app) withKeysClient(fn func(ctx context.Context, c *remote.Client) error) error {
	c, err := a.syncClient() // sync.go
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return fn(ctx, c)
}
