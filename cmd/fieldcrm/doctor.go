package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.doctorCmd())
	})
}

func (a *app) doctorCmd() *cobra.Command {
	var asJSON, repair bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the book for damage; --repair saves what can be read",
		Long: `Check the book: bbolt's consistency check, every record, outbox entry
and draft decoding, and the cards and indexes matching the records. Exits
non-zero when something is wrong.

--repair copies everything that can still be read into a new book, derives
its cards and indexes again, keeps the damaged one beside it as
<book>.damaged-<time>, and says what it could not save.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := a.resolvedDBPath()
			var r *store.DoctorReport
			var err error
			if repair {
				r, err = store.Repair(path, a.now())
			} else {
				r, err = store.Doctor(path)
			}
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(a.out, r); err != nil {
					return err
				}
			} else {
				a.printDoctor(r)
			}
			if !r.OK() && !r.Repaired {
				return exitError{code: 1, err: fmt.Errorf("%s has %d problem(s); 'fieldcrm doctor --repair' saves what can be read into a new book", path, len(r.Problems))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings as JSON")
	cmd.Flags().BoolVar(&repair, "repair", false, "copy what can be read into a new book, keeping the damaged one")
	return cmd
}

func (a *app) printDoctor(r *store.DoctorReport) {
	printf(a.out, "book:      %s\n", r.Path)
	var parts []string
	types := make([]string, 0, len(r.Records))
	for typ := range r.Records {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		parts = append(parts, fmt.Sprintf("%d %s", r.Records[typ], typ))
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	printf(a.out, "records:   %s readable; %d change(s) waiting to sync\n", strings.Join(parts, ", "), r.Outbox)
	if r.OK() {
		printf(a.out, "problems:  none\n")
	} else {
		printf(a.out, "problems:  %d\n", len(r.Problems))
		for _, f := range r.Problems {
			printf(a.out, "  %s: %s\n", f.Where, f.Problem)
		}
	}
	if r.Behind {
		printf(a.out, "derived:   behind the records (a sync stopped before it wrote its cards and indexes); fieldcrm derives them again when it next opens the book to change it\n")
	}
	if r.Repaired {
		printf(a.out, "repaired:  %s is a new book; the damaged one is kept as %s\n", r.Path, r.Damaged)
		if len(r.Lost) == 0 {
			printf(a.out, "lost:      nothing\n")
		} else {
			printf(a.out, "lost:      %d\n", len(r.Lost))
			for _, f := range r.Lost {
				printf(a.out, "  %s: %s\n", f.Where, f.Problem)
			}
		}
	}
	if len(r.Backups) == 0 {
		printf(a.out, "backups:   none yet in %s\n", r.BackupDir)
	} else {
		printf(a.out, "backups:   %d in %s, newest %s (%s)\n", len(r.Backups), r.BackupDir, r.Backups[len(r.Backups)-1], fileMegabytes(r.Backups[len(r.Backups)-1]))
	}
}
