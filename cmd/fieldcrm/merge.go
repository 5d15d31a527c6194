package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
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
activity, follow-up, complaint and service order of DROP moves to KEEP.
DROP is then deleted. The merge is saved as ordinary changes, so it syncs
like any edit. Leads are named by id, the end of the id, or company name.

Approval requests stay on their lead (a request is fixed to the deal it
was asked for): DROP's go to the trash with it. A merge that would leave
there the request the merged deal needs to be won (one waiting for a
decision, or one approved that covers it) is refused; merge the other
way round to keep it.`,
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
			if me := (*store.ApprovalMergeError)(nil); errors.As(err, &me) {
				return a.approvalMergeRefused(me)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, rep)
			}
			lang := a.language()
			printf(a.out, i18n.T(lang, "cli.merge.done"), store.ShortID(rep.Dropped), store.ShortID(rep.Kept), company,
				rep.Contacts, rep.Activities, rep.Tasks, rep.Complaints, rep.Services)
			if len(rep.Fields) > 0 {
				printf(a.out, i18n.T(lang, "cli.merge.newer"), strings.Join(rep.Fields, ", "))
			}
			fmt.Fprintln(a.out, i18n.T(lang, "cli.merge.end"))
			if rep.ApprovalsLeft > 0 {
				printf(a.out, i18n.T(lang, "cli.merge.approvals_left")+"\n", rep.ApprovalsLeft, store.ShortID(rep.Dropped))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was merged as JSON")
	return cmd
}

// approvalMergeRefused says in the user's language why a merge would
// leave behind the approval request the merged deal needs.
func (a *app) approvalMergeRefused(e *store.ApprovalMergeError) error {
	key := "cli.merge.refused_pending"
	if e.Request.Status() == model.Approved {
		key = "cli.merge.refused_approved"
	}
	return errors.New(i18n.Tf(a.language(), key, e.DropCompany, store.ShortID(e.Request.ID), store.ShortID(e.Drop), store.ShortID(e.Keep)))
}
