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
	cmd := &cobra.Command{
		Use:   "set LEAD DATE ACTION...",
		Short: "Set a lead's next follow-up (closes its open one)",
		Long: `Set a lead's next follow-up. A lead has one open follow-up: the one it
had is closed, and the command says which it replaced.`,
		Example: `  fieldcrm followup set Acme fri "Call about the budget"`,
		Args:    cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			due, err := model.ParseDate(args[1], model.Today(a.now(), rules.Location))
			if err != nil {
				return &model.FieldError{Field: "DATE", Problem: err.Error()}
			}
			var tk model.Task
			var replaced []model.Task
			err = a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				if replaced, err = openTasksOf(tx, id); err != nil {
					return err
				}
				tk, err = tx.SetFollowUp(id, due, strings.Join(args[2:], " "))
				return err
			})
			if err != nil {
				return err
			}
			// With --json the replaced ones go to standard error, so the
			// output stays one JSON value.
			w := a.out
			if asJSON {
				w = a.err
				if err := printJSON(a.out, tk); err != nil {
					return err
				}
			} else {
				printf(a.out, "follow-up %s due %s: %s\n", store.ShortID(tk.ID), tk.Due, tk.Action)
			}
			for _, r := range replaced {
				printf(w, "replaces %s due %s: %s (now closed)\n", store.ShortID(r.ID), r.EffectiveDue(), r.Action)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new follow-up as JSON")
	return cmd
}

// openTasksOf returns a lead's open follow-ups.
func openTasksOf(tx *store.Tx, leadID string) ([]model.Task, error) {
	tasks, err := tx.TasksOf(leadID)
	if err != nil {
		return nil, err
	}
	var open []model.Task
	for _, tk := range tasks {
		if tk.IsOpen() {
			open = append(open, tk)
		}
	}
	return open, nil
}

func (a *app) followupDoneCmd() *cobra.Command {
	var next, due string
	cmd := &cobra.Command{
		Use:   "done FOLLOWUP",
		Short: "Mark a follow-up done, optionally setting the next one",
		Long: `Mark a follow-up done. Name it by its id, or by its lead (company, part
of it, or the lead's id) when the lead has one open follow-up.

--next sets the lead's next follow-up; without --due it is due in ` + fmt.Sprint(model.NextStepDays) + ` days,
as in the UI.`,
		Example: `  fieldcrm followup done 9c1e77d0 --next "Send contract" --due +3d
  fieldcrm followup done Acme --next "Call back"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			today := model.Today(a.now(), rules.Location)
			next = strings.TrimSpace(next)
			if next == "" && due != "" {
				return &model.FieldError{Field: "--due", Problem: "needs --next, the step it is the day of"}
			}
			var nextDue model.Date
			if due != "" {
				d, err := model.ParseDate(due, today)
				if err != nil {
					return &model.FieldError{Field: "--due", Problem: err.Error()}
				}
				nextDue = d
			} else if next != "" {
				nextDue = model.DefaultNextDue(today)
			}
			var tk, nt model.Task
			company := ""
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveFollowUp(args[0])
				if err != nil {
					return err
				}
				if tk, err = tx.CompleteTask(id); err != nil {
					return err
				}
				if c, err := tx.Card(tk.LeadID); err == nil {
					company = c.Company
				}
				if next != "" {
					nt, err = tx.SetFollowUp(tk.LeadID, nextDue, next)
				}
				return err
			})
			if err != nil {
				return err
			}
			printf(a.out, "done %s (%s): %s\n", store.ShortID(tk.ID), company, tk.Action)
			if next != "" {
				printf(a.out, "next follow-up %s due %s: %s\n", store.ShortID(nt.ID), nt.Due, nt.Action)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&next, "next", "", "the next step")
	cmd.Flags().StringVar(&due, "due", "", fmt.Sprintf("its due date (default in %d days)", model.NextStepDays))
	return cmd
}

func (a *app) followupSnoozeCmd() *cobra.Command {
	var until string
	cmd := &cobra.Command{
		Use:   "snooze FOLLOWUP",
		Short: "Move a follow-up to a later day (default the day after)",
		Long: `Move a follow-up to a later day. Name it by its id, or by its lead
(company, part of it, or the lead's id) when the lead has one open follow-up.

Without --until it moves one day on from its day, or to tomorrow when its
day has passed. A snooze never moves a follow-up earlier: to bring one
forward, use followup set.`,
		Example: `  fieldcrm followup snooze 9c1e77d0 --until +1w
  fieldcrm followup snooze Acme`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			today := model.Today(a.now(), rules.Location)
			var d model.Date
			if until != "" {
				var err error
				if d, err = model.ParseDate(until, today); err != nil {
					return &model.FieldError{Field: "--until", Problem: err.Error()}
				}
			}
			var tk model.Task
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveFollowUp(args[0])
				if err != nil {
					return err
				}
				if d.IsZero() {
					cur, err := tx.Task(id)
					if err != nil {
						return err
					}
					d = cur.SnoozeFrom(today).AddDays(1)
				}
				tk, err = tx.SnoozeTask(id, d)
				return err
			})
			if err != nil {
				return err
			}
			printf(a.out, "snoozed %s until %s: %s\n", store.ShortID(tk.ID), tk.SnoozedUntil, tk.Action)
			return nil
		},
	}
	cmd.Flags().StringVar(&until, "until", "", "the new day: a date, tomorrow, +3d, +1w, mon (default: the day after its day, or tomorrow)")
	return cmd
}
