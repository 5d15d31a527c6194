package main

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		fu := &cobra.Command{Use: "followup", Aliases: []string{"fu"}, Short: "List, set, complete and snooze follow-ups"}
		fu.AddCommand(a.followupListCmd(), a.followupSetCmd(), a.followupDoneCmd(), a.followupSnoozeCmd())
		root.AddCommand(fu)
	})
}

// followupRow is one follow-up as `followup list --json` prints it.
type followupRow struct {
	model.Task
	Company string `json:"company"`
	Bucket  string `json:"bucket"`
}

func (a *app) followupListCmd() *cobra.Command {
	var asJSON bool
	var days int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List open follow-ups by due date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rules := a.rules()
			today := model.Today(a.now(), rules.Location)
			var until model.Date
			if days >= 0 {
				until = today.AddDays(days)
			}
			var rows []followupRow
			err := a.view(func(tx *store.Tx) error {
				tasks, err := tx.OpenTasks(until)
				if err != nil {
					return err
				}
				for _, tk := range tasks {
					c, err := tx.Card(tk.LeadID)
					if err != nil {
						continue
					}
					rows = append(rows, followupRow{Task: tk, Company: c.Company, Bucket: model.BucketOf(tk.EffectiveDue(), today).String()})
				}
				return nil
			})
			if err != nil {
				return err
			}
			if asJSON {
				if rows == nil {
					rows = []followupRow{}
				}
				return printJSON(a.out, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.out, "no open follow-ups")
				return nil
			}
			t := table{header: []string{"ID", "DUE", "WHEN", "COMPANY", "ACTION"}, max: []int{0, 0, 0, 30, 50}}
			for _, r := range rows {
				t.add(store.ShortID(r.ID), r.EffectiveDue().String(), r.Bucket, r.Company, r.Action)
			}
			t.write(a.out)
			return nil
		},
	}
	cmd.Flags().IntVar(&days, "days", 7, "show those due up to this many days ahead (-1: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) followupSetCmd() *cobra.Command {
	var asJSON bool
	return &cobra.Command{
		Use:     "set LEAD DATE ACTION...",
		Short:   "Set a lead's next follow-up (closes its open one)",
		Example: `  fieldcrm followup set Acme fri "Call about the budget"`,
		Args:    cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			due, err := model.ParseDate(args[1], model.Today(a.now(), rules.Location))
			if err != nil {
				return &model.FieldError{Field: "DATE", Problem: err.Error()}
			}
			var tk model.Task
			err = a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				tk, err = tx.SetFollowUp(id, due, strings.Join(args[2:], " "))
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, tk)
			}
			printf(a.out, "follow-up %s due %s: %s\n", store.ShortID(tk.ID), tk.Due, tk.Action)
			return nil
		},
	}
}

func (a *app) followupDoneCmd() *cobra.Command {
	var next, due string
	cmd := &cobra.Command{
		Use:     "done FOLLOWUP",
		Short:   "Mark a follow-up done, optionally setting the next one",
		Example: `  fieldcrm followup done 9c1e77d0 --next "Send contract" --due +3d`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			var nextDue model.Date
			if (next == "") != (due == "") {
				return &model.FieldError{Field: "--next/--due", Problem: "give both or neither"}
			}
			if due != "" {
				d, err := model.ParseDate(due, model.Today(a.now(), rules.Location))
				if err != nil {
					return &model.FieldError{Field: "--due", Problem: err.Error()}
				}
				nextDue = d
			}
			var tk model.Task
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveTask(args[0])
				if err != nil {
					return err
				}
				if tk, err = tx.CompleteTask(id); err != nil {
					return err
				}
				if next != "" {
					_, err = tx.SetFollowUp(tk.LeadID, nextDue, next)
				}
				return err
			})
			if err != nil {
				return err
			}
			printf(a.out, "done %s: %s\n", store.ShortID(tk.ID), tk.Action)
			return nil
		},
	}
	cmd.Flags().StringVar(&next, "next", "", "the next step")
	cmd.Flags().StringVar(&due, "due", "", "its due date")
	return cmd
}

func (a *app) followupSnoozeCmd() *cobra.Command {
	var until string
	cmd := &cobra.Command{
		Use:     "snooze FOLLOWUP",
		Short:   "Move a follow-up to a later day (default tomorrow)",
		Example: `  fieldcrm followup snooze 9c1e77d0 --until +1w`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			d, err := model.ParseDate(until, model.Today(a.now(), rules.Location))
			if err != nil {
				return &model.FieldError{Field: "--until", Problem: err.Error()}
			}
			var tk model.Task
			err = a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveTask(args[0])
				if err != nil {
					return err
				}
				tk, err = tx.SnoozeTask(id, d)
				return err
			})
			if err != nil {
				return err
			}
			printf(a.out, "snoozed %s until %s\n", store.ShortID(tk.ID), tk.SnoozedUntil)
			return nil
		},
	}
	cmd.Flags().StringVar(&until, "until", "tomorrow", "the new day: a date, tomorrow, +3d, +1w, mon")
	return cmd
}
