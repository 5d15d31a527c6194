package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		trash := &cobra.Command{
			Use:   "trash",
			Short: "List or empty the leads deleted in the last 30 days",
			Long: `A deleted lead stays in the trash, with its activities, follow-ups and
complaints, for 30 days: 'fieldcrm lead restore LEAD' brings it back. The
trash syncs: a lead deleted or restored here is deleted or restored for
the team.`,
		}
		trash.AddCommand(a.trashListCmd(), a.trashEmptyCmd())
		root.AddCommand(trash)
	})
}

func (a *app) leadDeleteCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete LEAD",
		Short: "Move a lead to the trash (restore it within 30 days with 'lead restore')",
		Long: `Move a lead, with its activities, follow-ups and complaints, to the trash,
for the whole team: the deletion syncs. 'fieldcrm lead restore LEAD' brings
it back within 30 days; 'fieldcrm trash list' shows what is there. On a
terminal, delete names the lead it found and asks first; elsewhere it
needs --yes.`,
		Example: `  fieldcrm lead delete 3f9a2c1b
  fieldcrm lead delete "Acme Ltd" --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var l model.Lead
			var kids string
			if err := a.view(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				if l, err = tx.Lead(id); err != nil {
					return err
				}
				kids = describeKids(tx, id)
				return nil
			}); err != nil {
				return err
			}
			what := fmt.Sprintf("%s %q", store.ShortID(l.ID), l.Company)
			if !sameLead(args[0], l) {
				what += fmt.Sprintf(" (found by %q)", args[0])
			}
			if !yes {
				if !onTerminal(a) {
					return fmt.Errorf("lead delete asks before it deletes, and there is no terminal to ask on; add --yes to move %s to the trash%s", model.Printable(what), kids)
				}
				if !a.confirm(fmt.Sprintf("Move lead %s to the trash%s, for the whole team?", model.Printable(what), kids)) {
					fmt.Fprintln(a.out, "nothing deleted")
					return nil
				}
			}
			err := a.update(func(tx *store.Tx) error { return tx.TrashLead(l.ID) })
			if err != nil {
				return err
			}
			printf(a.out, "moved %s to the trash%s; 'fieldcrm lead restore %s' brings it back until %s\n",
				what, kids, store.ShortID(l.ID), time.Now().Add(store.TrashDays*24*time.Hour).Format("2006-01-02"))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

// sameLead reports whether ref names l fully: its id, its short id or its
// whole company name, rather than a part of the name.
func sameLead(ref string, l model.Lead) bool {
	ref = strings.TrimSpace(ref)
	return ref == l.ID || strings.EqualFold(ref, store.ShortID(l.ID)) || strings.EqualFold(ref, l.Company) ||
		(len(ref) >= 4 && strings.HasSuffix(strings.ToLower(l.ID), strings.ToLower(ref)))
}

// describeKids says what goes to the trash with a lead, or nothing.
func describeKids(tx *store.Tx, id string) string {
	acts, _ := tx.ActivitiesOf(id, 0)
	tasks, _ := tx.TasksOf(id)
	if len(acts) == 0 && len(tasks) == 0 {
		return ""
	}
	return fmt.Sprintf(", with %d activit%s and %d follow-up%s", len(acts), plural(len(acts), "y", "ies"), len(tasks), plural(len(tasks), "", "s"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (a *app) leadRestoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore LEAD",
		Short: "Bring a lead back from the trash, with its activities and follow-ups",
		Long: `Bring a deleted lead back from the trash, with everything it had, for the
whole team: the restore syncs. LEAD is its id, the end of its id, or its
company name or a part of it ('fieldcrm trash list' shows them).`,
		Example: `  fieldcrm lead restore 3f9a2c1b`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var l model.Lead
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveTrashed(args[0])
				if err != nil {
					return err
				}
				if err := tx.UntrashLead(id); err != nil {
					return err
				}
				l, err = tx.Lead(id)
				return err
			})
			if err != nil {
				return err
			}
			printf(a.out, "restored %s %q from the trash\n", store.ShortID(l.ID), l.Company)
			return nil
		},
	}
}

// trashView is one lead of `trash list --json`.
type trashView struct {
	ID         string    `json:"id"`
	Company    string    `json:"company"`
	Owner      string    `json:"owner,omitempty"`
	DeletedAt  time.Time `json:"deleted_at"`
	PurgeAfter time.Time `json:"purge_after"`
	Activities int       `json:"activities"`
	Tasks      int       `json:"tasks"`
	Complaints int       `json:"complaints"`
}

func (a *app) trashListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the leads in the trash, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list []store.Trashed
			if err := a.view(func(tx *store.Tx) error {
				var err error
				list, err = tx.Trash()
				return err
			}); err != nil {
				return err
			}
			if asJSON {
				out := []trashView{}
				for _, tr := range list {
					out = append(out, trashView{ID: tr.Lead.ID, Company: tr.Lead.Company, Owner: tr.Lead.Owner, DeletedAt: tr.DeletedAt,
						PurgeAfter: tr.PurgeAfter, Activities: tr.Activities, Tasks: tr.Tasks, Complaints: tr.Complaints})
				}
				return printJSON(a.out, out)
			}
			if len(list) == 0 {
				fmt.Fprintln(a.out, "the trash is empty")
				return nil
			}
			t := &table{header: []string{"ID", "COMPANY", "DELETED", "KEPT UNTIL", "ACTS", "TASKS"}, max: []int{0, 30, 0, 0, 0, 0}}
			for _, tr := range list {
				t.add(store.ShortID(tr.Lead.ID), tr.Lead.Company, tr.DeletedAt.Local().Format("2006-01-02 15:04"),
					tr.PurgeAfter.Local().Format("2006-01-02"), strconv.Itoa(tr.Activities), strconv.Itoa(tr.Tasks))
			}
			t.write(a.out)
			fmt.Fprintln(a.out, "bring one back with 'fieldcrm lead restore ID'")
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) trashEmptyCmd() *cobra.Command {
	var all, yes bool
	cmd := &cobra.Command{
		Use:   "empty",
		Short: "Remove for good what was deleted over 30 days ago (--all: all)",
		Long: `Remove from this book, for good, the leads that have been in the trash for
more than 30 days, with their activities, follow-ups and complaints. With
--all, every lead in the trash goes; that asks first on a terminal and
needs --yes elsewhere. A lead with changes not yet synced stays until
they are pushed. Emptying is for this book only: the deletions themselves
have already synced.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all && !yes {
				var n int
				if err := a.view(func(tx *store.Tx) error {
					list, err := tx.Trash()
					n = len(list)
					return err
				}); err != nil {
					return err
				}
				if n == 0 {
					fmt.Fprintln(a.out, "the trash is empty")
					return nil
				}
				if !onTerminal(a) {
					return fmt.Errorf("trash empty --all removes %d lead(s) for good and asks first, and there is no terminal to ask on; add --yes", n)
				}
				if !a.confirm(fmt.Sprintf("Remove the %d lead(s) in the trash from this book for good?", n)) {
					fmt.Fprintln(a.out, "nothing removed")
					return nil
				}
			}
			var purged, waiting int
			if err := a.update(func(tx *store.Tx) error {
				var err error
				purged, waiting, err = tx.PurgeTrash(all)
				return err
			}); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "removed %d lead(s) from the trash for good", purged)
			if !all {
				fmt.Fprintf(a.out, " (those deleted more than %d days ago)", store.TrashDays)
			}
			fmt.Fprintln(a.out)
			if waiting > 0 {
				fmt.Fprintf(a.out, "kept %d lead(s) with changes not yet synced; run 'fieldcrm sync' first\n", waiting)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every lead in the trash, however recent")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --all, do not ask")
	return cmd
}
