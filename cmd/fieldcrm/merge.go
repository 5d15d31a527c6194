package main

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.mergeCmd())
	})
}

func (a *app) mergeCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "merge KEEP DROP",
		Short: "Merge lead DROP into lead KEEP",
		Long: `Merge lead DROP into lead KEEP: each field takes the newer of the two values
(an empty value never replaces a filled one; the stage is the one further
along; the owner stays, DROP's owner becomes an assignee), contacts, tags, products and custom fields are combined, and every
activity, follow-up and complaint of DROP moves to KEEP. DROP is then
deleted. The merge is saved as ordinary changes, so it syncs like any edit.
Leads are named by id, the end of the id, or company name.`,
		Example: `  fieldcrm dedupe
  fieldcrm merge 3f2a9c1b 77d0e4aa`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rep store.MergeReport
			var company string
			err := a.update(func(tx *store.Tx) error {
				keep, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				drop, err := tx.ResolveLead(args[1])
				if err != nil {
					return err
				}
				if rep, err = tx.MergeLeads(keep, drop); err != nil {
					return err
				}
				l, err := tx.Lead(keep)
				company = l.Company
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, rep)
			}
			printf(a.out, "Merged %s into %s %s: %d contacts, %d activities, %d follow-ups and %d complaints moved over",
				store.ShortID(rep.Dropped), store.ShortID(rep.Kept), company, rep.Contacts, rep.Activities, rep.Tasks, rep.Complaints)
			if len(rep.Fields) > 0 {
				printf(a.out, "; newer values taken for %s", strings.Join(rep.Fields, ", "))
			}
			fmt.Fprintln(a.out, ".")
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was merged as JSON")
	return cmd
}
