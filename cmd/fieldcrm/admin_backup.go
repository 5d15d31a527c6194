package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

// adminBackupCmd is 'admin backup FILE': a consistent copy of a bbolt
// server's data, from the running server or from the folder.
func (a *app) adminBackupCmd(with adminWith) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the server's data to FILE, consistently, while it serves",
		Long: `Copy the server's bbolt database to FILE (a new file, mode 0600). While
'fieldcrm serve' runs on --data the running server writes the copy, from
one read transaction, so it is consistent however many laptops sync
meanwhile. The copy is checked before the command says it is done. For
PostgreSQL, use pg_dump (docs/server.md).`,
		Example: `  fieldcrm admin backup /var/backups/fieldcrm-$(date +%F).db`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("%s exists; give a new file name, so no backup is overwritten", path)
			}
			tmp := path + ".partial"
			f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("create the backup: %w", err)
			}
			defer os.Remove(tmp)
			start := time.Now()
			err = with(func(ctx context.Context, adm server.Admin) error {
				_, err := adm.Backup(ctx, func(int64) io.Writer { return f })
				return err
			})
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			info, err := server.CheckServerFile(tmp)
			if err != nil {
				return fmt.Errorf("the copy does not read back: %w", err)
			}
			if err := os.Rename(tmp, path); err != nil {
				return err
			}
			printf(a.out, "backed up %s (%d users, log head %d, epoch %s) to %s in %s\n", server.FormatBytes(info.Size),
				info.Users, info.Head, info.Epoch, path, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

// adminRestoreCmd is 'admin restore FILE --data DIR'.
func (a *app) adminRestoreCmd(dir, database *string) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Put a backup in place of the data in --data (stop the server first)",
		Long: `Check that FILE is a fieldcrm server database, then make a copy of it the
server's data in --data. A server running on --data holds its database:
restore refuses then, and changes nothing. The replaced database is kept
beside it (server.db.before-restore-TIME), never deleted. The restored
data gets a new epoch: at their next sync, laptops pull from scratch and
push again what they wrote after the backup was taken.`,
		Example: `  systemctl stop fieldcrm
  fieldcrm admin restore /var/backups/fieldcrm-2026-03-01.db --data /var/lib/fieldcrm
  systemctl start fieldcrm`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if *database != "" && !cmd.Flags().Changed("data") {
				return errors.New("restore puts a bbolt backup in a --data folder; for PostgreSQL use pg_restore, then 'fieldcrm admin epoch bump' (docs/server.md)")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			ctx = server.WithAuditActor(ctx, adminActor())
			res, err := server.Restore(ctx, args[0], *dir)
			if err != nil {
				return err
			}
			printf(a.out, "restored %s (%d users, log head %d) into %s; new epoch %s (was %s)\n",
				args[0], res.Users, res.Head, *dir, res.Epoch, res.OldEpoch)
			if res.Kept != "" {
				printf(a.out, "the replaced database is kept as %s\n", res.Kept)
			}
			return nil
		},
	}
}
