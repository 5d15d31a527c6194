package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

// visit start / visit stop: scripted check-in and check-out, the same as
// visit mode in the terminal UI (V on a lead).

func (a *app) visitStartCmd() *cobra.Command {
	var contact string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "start LEAD",
		Short:   "Check in at a lead: a visit that starts now and stays open until `visit stop`",
		Example: "  fieldcrm visit start Acme\n  fieldcrm visit start 3f9a1c2b --contact 林建国",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var act model.Activity
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				if !cmd.Flags().Changed("contact") {
					l, err := tx.Lead(id)
					if err != nil {
						return err
					}
					contact = l.MainContact().Name
				}
				act, err = tx.StartVisit(id, strings.TrimSpace(contact))
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, act)
			}
			printf(a.out, "checked in %s at %s\n", store.ShortID(act.ID), act.StartedAt.In(a.rules().Location).Format("15:04"))
			return nil
		},
	}
	cmd.Flags().StringVar(&contact, "contact", "", "who you meet (default: the lead's main contact)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the visit as JSON")
	return cmd
}

func (a *app) visitStopCmd() *cobra.Command {
	var outcome, feedback, next, due, notes string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stop [ACTIVITY]",
		Short: "Check out of an open visit: end time, outcome, feedback, next step",
		Long: fmt.Sprintf(`Check out of an open visit (the newest open one of yours when ACTIVITY is
not given). The end time and duration are recorded; --next becomes the lead's
next follow-up (due on --due, else in %d days) and closes the open one;
--notes adds a notes revision.`, model.NextStepDays),
		Example: `  fieldcrm visit stop --outcome "Sample approved" --feedback "Price is fine" --next "Send contract" --due +3d`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			stop := store.VisitStop{Outcome: strings.TrimSpace(outcome), Feedback: strings.TrimSpace(feedback),
				NextStep: strings.TrimSpace(next), Notes: notes}
			today := model.Today(a.now(), rules.Location)
			if due != "" {
				d, err := model.ParseDate(due, today)
				if err != nil {
					return &model.FieldError{Field: "--due", Problem: err.Error()}
				}
				stop.NextDue = d
			} else if stop.NextStep != "" {
				stop.NextDue = model.DefaultNextDue(today) // as the UI and followup done --next do
			}
			if stop.NextStep == "" && !stop.NextDue.IsZero() {
				return &model.FieldError{Field: "--next", Problem: "is required with --due"}
			}
			var act model.Activity
			err := a.update(func(tx *store.Tx) error {
				id, err := a.openVisit(tx, args)
				if err != nil {
					return err
				}
				act, err = tx.StopVisit(id, stop)
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, act)
			}
			printf(a.out, "checked out %s after %s\n", store.ShortID(act.ID), act.Duration().Round(60e9))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&outcome, "outcome", "", "outcome")
	fs.StringVar(&feedback, "feedback", "", "the customer's feedback")
	fs.StringVar(&next, "next", "", "next step, the lead's next follow-up")
	fs.StringVar(&due, "due", "", fmt.Sprintf("its due date, e.g. +3d or fri (default in %d days)", model.NextStepDays))
	fs.StringVar(&notes, "notes", "", "notes (Markdown), added as a new revision")
	fs.BoolVar(&asJSON, "json", false, "print the visit as JSON")
	return cmd
}

// openVisit resolves the visit to stop: the one named, else the newest
// open visit of this user.
func (a *app) openVisit(tx *store.Tx, args []string) (string, error) {
	if len(args) == 1 {
		return tx.ResolveActivity(args[0])
	}
	open, err := tx.OpenVisits()
	if err != nil {
		return "", err
	}
	var best *model.Activity
	for i := range open {
		if open[i].Author == tx.User() && (best == nil || open[i].StartedAt.After(best.StartedAt)) {
			best = &open[i]
		}
	}
	if best == nil {
		return "", errors.New("no open visit: start one with `fieldcrm visit start LEAD`")
	}
	return best.ID, nil
}
