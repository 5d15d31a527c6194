package main

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

// leadAssignCmd names a user among a lead's assignees, or takes them off
// with --remove: how a manager brings technical support and after-sales
// onto a lead. It is a change like any other, made offline and synced;
// the server takes it only from a manager, and what each assignee sees
// follows their role (support from the solution stage on, after-sales
// once the lead is won).
func (a *app) leadAssignCmd() *cobra.Command {
	var remove, asJSON bool
	cmd := &cobra.Command{
		Use:   "assign LEAD USER",
		Short: "Assign a user to a lead, or take them off (managers)",
		Long: `Add USER to LEAD's assignees, or take them off with --remove. Only a
manager's change is taken by the server. Reps see the leads they are
assigned to; support sees them from the solution stage on, after-sales
once they are won.`,
		Example: `  fieldcrm lead assign 3f9a1c2b zhang
  fieldcrm lead assign 3f9a1c2b zhang --remove`,
		Args: cobra.ExactArgs(2),
		ValidArgsFunction: func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return a.leadCandidates(prefix), cobra.ShellCompDirectiveNoFileComp
			}
			if len(args) == 1 {
				return a.userCandidates(prefix), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			user := args[1]
			if err := server.CheckUserName(user); err != nil {
				return &model.FieldError{Field: "USER", Problem: err.Error()}
			}
			var l model.Lead
			changed := false
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				if l, err = tx.Lead(id); err != nil {
					return err
				}
				has := slices.Contains(l.Assignees, user)
				switch {
				case remove && has:
					l.Assignees = slices.DeleteFunc(l.Assignees, func(u string) bool { return u == user })
				case !remove && !has:
					l.Assignees = append(l.Assignees, user)
				default:
					return nil
				}
				changed = true
				return tx.UpdateLead(&l)
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, l)
			}
			switch {
			case !changed && remove:
				printf(a.out, "%s is not assigned to %s %s; nothing changed\n", user, store.ShortID(l.ID), l.Company)
			case !changed:
				printf(a.out, "%s is already assigned to %s %s; nothing changed\n", user, store.ShortID(l.ID), l.Company)
			case remove:
				printf(a.out, "took %s off %s %s; they lose it once you sync\n", user, store.ShortID(l.ID), l.Company)
			default:
				printf(a.out, "assigned %s to %s %s; they get it once you sync\n", user, store.ShortID(l.ID), l.Company)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "take USER off the lead instead")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the lead as JSON")
	return cmd
}

// userCandidates offers the users this laptop knows of: the owners and
// assignees of its leads (the server's list of users needs an operator).
func (a *app) userCandidates(prefix string) []string {
	var out []string
	a.completionView(func(tx *store.Tx) error {
		return tx.Records(model.TypeLead, func(_ string, rec *model.Record) error {
			for _, name := range recordUsers(rec) {
				if name != "" && strings.HasPrefix(name, prefix) && !slices.Contains(out, name) {
					out = append(out, name)
				}
			}
			return nil
		})
	})
	slices.Sort(out)
	return out
}

// recordUsers is who a lead's record names: its owner and assignees.
func recordUsers(rec *model.Record) []string {
	var owner string
	var assignees []string
	_ = json.Unmarshal(rec.Fields["owner"], &owner)
	_ = json.Unmarshal(rec.Fields["assignees"], &assignees)
	return append(assignees, owner)
}
