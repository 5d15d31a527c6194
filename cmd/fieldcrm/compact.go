package main

import (
	"fmt"
	"os"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.compactCmd())
	})
}

func (a *app) compactCmd() *cobra.Command {
	var asJSON, background bool
	cmd := &cobra.Command{
		Use:   "compact",
		Short: "Shrink the database file to its live pages",
		Long: `Rewrite the database with only the pages it uses and swap the copy in
atomically; print the file's size before and after. A sync that empties
the outbox has it done once a day, by a fieldcrm process of its own that
the sync leaves it to. Other fieldcrm processes wait while it runs, as
for any write.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			if background {
				return compactForSync(st) // compact_detach.go
			}
			c, err := st.Compact()
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, c)
			}
			printf(a.out, i18n.T(a.language(), "compact.done")+"\n", st.Path(), megabytes(c.Before), megabytes(c.After))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sizes as JSON")
	cmd.Flags().BoolVar(&background, "background", false, "compact only when due, for a sync that has ended, telling it on file descriptor 3 once the book is locked")
	_ = cmd.Flags().MarkHidden("background")
	return cmd
}

// compactAfterSync compacts the book after a sync that ended well, when
// it is due (store.CompactIfDue: the outbox is empty, a day has passed
// since the last time and a tenth of the file is free room). The real
// command leaves that to a process of its own and ends at once, as git
// leaves its automatic gc (compact_detach.go), and says so on the error
// stream, which stays out of --json output; where it cannot, it compacts
// here and says so. A failed compaction changes nothing and is not the
// sync's failure: it is tried again after the next sync.
func (a *app) compactAfterSync(st *store.Store, syncErr error) {
	if syncErr != nil {
		return
	}
	if due, err := st.CompactDue(); err != nil || !due {
		return
	}
	if pid, ok := compactDetached(st.Path(), a.configPath); ok {
		printf(a.err, i18n.T(a.language(), "compact.background")+"\n", pid)
		return
	}
	if c, done, err := st.CompactIfDue(); done && err == nil {
		printf(a.err, i18n.T(a.language(), "compact.auto")+"\n", megabytes(c.Before), megabytes(c.After))
	}
}

// compactAfterSyncs wraps the UI's sync status callback: when a sync ends
// well, the book is compacted if due before the status goes on to the UI
// (whose file watcher then takes the new file as the process's own).
// The loop calls it from one goroutine, so syncing needs no lock.
func compactAfterSyncs(st *store.Store, next func(remote.Status)) func(remote.Status) {
	syncing := false
	return func(s remote.Status) {
		if syncing && !s.Syncing && s.Err == nil {
			_, _, _ = st.CompactIfDue() // tried again after the next sync
		}
		syncing = s.Syncing
		next(s)
	}
}

// copyProgress shows a bar while a compaction or a backup writes its copy
// of a big book (store.Options.CopyProgress: seconds at tens of thousands
// of leads), in MB. None is drawn while the terminal UI owns the screen.
// The store calls it from one goroutine at a time.
func (a *app) copyProgress() func(kind store.CopyKind, done, total int64) {
	var bar *progress
	return func(kind store.CopyKind, done, total int64) {
		if a.inUI.Load() {
			return
		}
		if bar == nil {
			key := "compact.progress"
			if kind == store.CopyBackup {
				key = "backup.progress"
			}
			bar = a.progress(i18n.T(a.language(), key))
		}
		const mb = 1_000_000 // as megabytes() counts them
		if bar.update(int((done+mb/2)/mb), int((total+mb/2)/mb)); done >= total {
			bar.finish()
			bar = nil
		}
	}
}

// megabytes formats a file size for people.
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// fileMegabytes is the size of the file at path for people ("?" when it
// cannot be read): doctor says how big the newest automatic backup is.
func fileMegabytes(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return megabytes(fi.Size())
}
