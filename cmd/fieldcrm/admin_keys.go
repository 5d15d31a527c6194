package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

// adminKeyCmd is 'admin user key': the SSH keys that sign users in to
// 'fieldcrm serve --ssh-addr'.
func (a *app) adminKeyCmd(with adminWith) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Add, list and remove a user's SSH keys (for fieldcrm over SSH)",
		Long: `A user's SSH public keys sign them in to the server's SSH front
('fieldcrm serve --ssh-addr'). A key names exactly one user. Removing a
key, or disabling its user, ends the sessions opened with it within
seconds.`,
	}
	add := &cobra.Command{
		Use:     "add NAME FILE.pub",
		Short:   "Register a public key for a user ('-' reads standard input)",
		Example: `  fieldcrm admin user key add wang wang_ed25519.pub`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := readKeyFile(a.in, args[1])
			if err != nil {
				return err
			}
			return with(func(ctx context.Context, adm server.Admin) error {
				k, err := adm.AddSSHKey(ctx, args[0], text)
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
		Use:   "list NAME",
		Short: "List a user's SSH keys with their SHA256 fingerprints",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				keys, err := adm.SSHKeys(ctx, args[0])
				if err != nil {
					return err
				}
				return a.printKeys(keys, asJSON)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	remove := &cobra.Command{
		Use:     "remove NAME FINGERPRINT",
		Short:   "Remove a user's key; sessions opened with it end",
		Example: `  fieldcrm admin user key remove wang SHA256:uQ0xlGWpLrKyGw5t0hQxXZ5Zf1ZbAuBd8q6Tz2xwY1E`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				if err := adm.RemoveSSHKey(ctx, args[0], args[1]); err != nil {
					return err
				}
				printf(a.out, "removed key %s of %s\n", args[1], args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}

// readKeyFile reads a public key file, or standard input for "-". A
// .pub file is one line; anything much bigger is not one.
func readKeyFile(in io.Reader, path string) ([]byte, error) {
	const most = 16 << 10
	if path == "-" {
		data, err := io.ReadAll(io.LimitReader(in, most+1))
		if err != nil {
			return nil, err
		}
		if len(data) > most {
			return nil, fmt.Errorf("standard input is not an SSH public key: it is longer than %d bytes", most)
		}
		return data, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key file: %w", err)
	}
	if fi.Size() > most {
		return nil, fmt.Errorf("%s is not an SSH public key: it is %d bytes; give the .pub file, e.g. ~/.ssh/id_ed25519.pub", path, fi.Size())
	}
	return os.ReadFile(path)
}

// printKeys lists SSH keys as a table, or as JSON.
func (a *app) printKeys(keys []server.SSHKey, asJSON bool) error {
	if asJSON {
		if keys == nil {
			keys = []server.SSHKey{}
		}
		return printJSON(a.out, keys)
	}
	// The fingerprint takes 51 columns: at 80 the type goes first, then
	// the comment is cut (--json has everything).
	t := &table{header: []string{"FINGERPRINT", "ADDED", "COMMENT", "TYPE"}, max: []int{0, 0, noCap, 0}}
	for _, k := range keys {
		t.add(k.Fingerprint, k.Added.Local().Format(time.DateOnly), k.Comment, k.Type)
	}
	t.write(a.out)
	return nil
}
