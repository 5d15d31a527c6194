package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.backupCmd(), a.versionCmd())
	})
}

func (a *app) backupCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE",
		Long: `Write a consistent snapshot of the whole database to FILE, safe to take
while the UI is open. The copy is a database itself: open it with --db.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if _, err := os.Stat(path); err == nil && !force {
				return fmt.Errorf("%s exists; give --force to replace it", path)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			// Write beside the target and rename, so a failed backup never
			// leaves a half file under the name.
			tmp, err := os.CreateTemp(filepath.Dir(path), ".fieldcrm-backup-*")
			if err != nil {
				return fmt.Errorf("backup %s: %w", path, err)
			}
			defer os.Remove(tmp.Name())
			if err := tmp.Chmod(0o600); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			// Only the live pages: a copy is as small as a compacted book.
			if err := st.BackupTo(tmp.Name()); err != nil {
				return fmt.Errorf("backup %s: %w", path, err)
			}
			if err := os.Rename(tmp.Name(), path); err != nil {
				return err
			}
			var from, to int64
			if fi, err := os.Stat(st.Path()); err == nil {
				from = fi.Size()
			}
			if fi, err := os.Stat(path); err == nil {
				to = fi.Size()
			}
			printf(a.out, i18n.T(a.language(), "backup.done")+"\n", st.Path(), megabytes(from), path, megabytes(to))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE if it exists")
	return cmd
}

// version is set at build time with -ldflags "-X main.version=..."; the
// module version or VCS revision is used otherwise.
var version = ""

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		// The version needs no config or database.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		Run: func(cmd *cobra.Command, _ []string) {
			v := version
			if info, ok := debug.ReadBuildInfo(); ok && v == "" {
				v = info.Main.Version
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v += " " + s.Value[:12]
					}
				}
			}
			fmt.Fprintf(a.out, "fieldcrm %s (database schema %d)\n", v, store.SchemaVersion)
		},
	}
}
