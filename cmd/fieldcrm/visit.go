package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		visit := &cobra.Command{Use: "visit", Short: "Log and list visits, calls and other activities"}
		visit.AddCommand(a.visitAddCmd(), a.visitListCmd(), a.visitStartCmd(), a.visitStopCmd())
		root.AddCommand(visit)
	})
}

func (a *app) visitAddCmd() *cobra.Command {
	var kind, notes, contact, outcome, feedback, next, due, at, duration string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add LEAD [flags]",
		Short: "Log an activity; notes from --notes, a pipe, or $EDITOR",
		Long: fmt.Sprintf(`Log a visit, call or other activity on a lead.

The notes come from --notes, else from standard input when it is a pipe or
a file, else from $VISUAL or $EDITOR. A next step with --next becomes the
lead's next follow-up (due on --due, else in %d days) and closes the open
one.

The activity is logged as finished. Without --duration its length is not
recorded (it ends when it starts); to check in and out of a visit as it
happens, use visit start and visit stop.`, model.NextStepDays),
		Example: `  fieldcrm visit add 3f9a1c2b --kind call --notes "客户要报价" --next "发送报价单" --due +2d
  echo "Met the plant manager" | fieldcrm visit add Acme --kind visit --duration 45m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var typed *editorNotes // notes typed in the editor: kept until saved
			rules := a.rules()
			kind, err := model.ParseChannel(model.ActivityKinds, kind)
			if err != nil {
				return &model.FieldError{Field: "--kind", Problem: err.Error()}
			}
			act := model.Activity{Kind: kind, Contact: contact, Outcome: outcome, Feedback: feedback, NextStep: strings.TrimSpace(next)}
			if at != "" {
				t, err := model.ParseDateTime(at, a.now(), rules.Location)
				if err != nil {
					return &model.FieldError{Field: "--at", Problem: err.Error()}
				}
				act.StartedAt = t
			} else {
				act.StartedAt = a.now()
			}
			if duration != "" {
				d, err := time.ParseDuration(duration)
				if err != nil || d < 0 || d > 24*time.Hour {
					return &model.FieldError{Field: "--duration", Problem: fmt.Sprintf("%q is not a duration such as 45m or 1h30m (at most 24h)", duration)}
				}
				act.EndedAt = act.StartedAt.Add(d)
			} else {
				// A logged activity is finished: without --duration its length
				// is unknown, so it ends when it starts. Only visit start
				// opens a visit, which the UI would resume in visit mode.
				act.EndedAt = act.StartedAt
			}
			today := model.Today(a.now(), rules.Location)
			if due != "" {
				d, err := model.ParseDate(due, today)
				if err != nil {
					return &model.FieldError{Field: "--due", Problem: err.Error()}
				}
				act.NextDue = d
			} else if act.NextStep != "" {
				act.NextDue = model.DefaultNextDue(today) // as the UI and followup done --next do
			}
			if act.NextStep == "" && !act.NextDue.IsZero() {
				return &model.FieldError{Field: "--next", Problem: "is required with --due"}
			}
			// Check the lead before asking for notes, so nobody types into an
			// editor for a lead that does not exist.
			var leadID string
			if err := a.view(func(tx *store.Tx) (err error) { leadID, err = tx.ResolveLead(args[0]); return }); err != nil {
				return err
			}
			act.LeadID = leadID
			if !cmd.Flags().Changed("notes") {
				if notes, typed, err = a.readNotes(); err != nil {
					return err
				}
			}
			if err := model.ValidateNotes(notes); err != nil {
				return typed.say(err)
			}
			if err := a.update(func(tx *store.Tx) error { return tx.AddActivity(&act, notes) }); err != nil {
				return typed.say(err)
			}
			typed.done()
			if asJSON {
				return printJSON(a.out, act)
			}
			printf(a.out, "logged %s %s\n", kind, store.ShortID(act.ID))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kind, "kind", model.KindVisit, "kind: "+keysOf(model.ActivityKinds))
	fs.StringVar(&notes, "notes", "", "notes (Markdown)")
	fs.StringVar(&contact, "contact", "", "who you met or spoke to")
	fs.StringVar(&outcome, "outcome", "", "outcome")
	fs.StringVar(&feedback, "feedback", "", "the customer's feedback")
	fs.StringVar(&next, "next", "", "next step, the lead's next follow-up")
	fs.StringVar(&due, "due", "", fmt.Sprintf("its due date, e.g. +3d or fri (default in %d days)", model.NextStepDays))
	fs.StringVar(&at, "at", "", "when it started: \"2026-11-27 14:30\", \"14:30\" (today); default now")
	fs.StringVar(&duration, "duration", "", "how long it took, e.g. 45m (default: not recorded)")
	fs.BoolVar(&asJSON, "json", false, "print the activity as JSON")
	return cmd
}

// readNotes takes the notes from a pipe or file on standard input, else
// from the user's editor. What was typed in the editor is never lost:
// when the editor fails, or the notes are refused or cannot be saved
// afterwards, the file's path is in the error (editorNotes); nil
// editorNotes for notes from standard input.
func (a *app) readNotes() (string, *editorNotes, error) {
	if !isTerminal(a.in) {
		data, err := io.ReadAll(io.LimitReader(a.in, model.MaxNotesLen+1))
		if err != nil {
			return "", nil, fmt.Errorf("read notes from standard input: %w", err)
		}
		return strings.TrimRight(string(data), "\n"), nil, nil
	}
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		return "", nil, errors.New("no notes: give --notes, pipe them in, or set $EDITOR")
	}
	path, remove, err := common.EditorFile("note.md", nil)
	if err != nil {
		return "", nil, err
	}
	parts := strings.Fields(editor)
	cmd := exec.Command(parts[0], append(parts[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", nil, fmt.Errorf("editor %s failed: %w (anything you typed is in %s)", parts[0], err, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	return strings.TrimRight(string(data), "\n"), &editorNotes{path: path, remove: remove}, nil
}

// editorNotes is the file notes were typed into in the editor: removed
// once the notes are saved (done), kept and named in the error when they
// are not (say). A nil one, for notes not typed in the editor, does
// nothing.
type editorNotes struct {
	path   string
	remove func()
}

// say adds to err where the typed notes are.
func (e *editorNotes) say(err error) error {
	if e == nil {
		return err
	}
	return &typedKept{err: err, path: e.path}
}

// typedKept is an error after which the notes typed in the editor are
// still in their file, which it names (sentence says so after the fields
// at fault too).
type typedKept struct {
	err  error
	path string
}

func (e *typedKept) Error() string { return e.err.Error() + e.where() }
func (e *typedKept) Unwrap() error { return e.err }
func (e *typedKept) where() string { return " (what you typed is in " + e.path + ")" }

// done removes the file once the notes are saved.
func (e *editorNotes) done() {
	if e != nil {
		e.remove()
	}
}

func (a *app) visitListCmd() *cobra.Command {
	var kind, from, to, search string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [LEAD]",
		Short: "List activities, newest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			today := model.Today(a.now(), rules.Location)
			if kind != "" {
				k, err := model.ParseChannel(model.ActivityKinds, kind)
				if err != nil {
					return &model.FieldError{Field: "--kind", Problem: err.Error()}
				}
				kind = k
			}
			f := store.ActivityFilter{Kind: kind}
			if from != "" {
				d, err := model.ParseDate(from, today)
				if err != nil {
					return &model.FieldError{Field: "--from", Problem: err.Error()}
				}
				f.From = d.In(rules.Location)
			}
			if to != "" {
				d, err := model.ParseDate(to, today)
				if err != nil {
					return &model.FieldError{Field: "--to", Problem: err.Error()}
				}
				f.To = d.AddDays(1).In(rules.Location)
			}
			f.Limit = limit
			var acts []model.Activity
			companies := map[string]string{}
			err := a.view(func(tx *store.Tx) error {
				if len(args) == 1 {
					id, err := tx.ResolveLead(args[0])
					if err != nil {
						return err
					}
					f.LeadID = id
				}
				var err error
				if search != "" {
					acts, err = tx.SearchActivities(search, f)
				} else {
					acts, err = tx.Activities(f)
				}
				if err != nil {
					return err
				}
				for _, act := range acts {
					if _, ok := companies[act.LeadID]; !ok {
						c, _ := tx.Card(act.LeadID)
						companies[act.LeadID] = c.Company
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if asJSON {
				if acts == nil {
					acts = []model.Activity{}
				}
				return printJSON(a.out, acts)
			}
			if len(acts) == 0 {
				fmt.Fprintln(a.out, "no activities")
				return nil
			}
			t := table{header: []string{"ID", "WHEN", "KIND", "COMPANY", "CONTACT", "TOOK", "NOTES"}, max: []int{0, 0, 0, 28, 12, 0, 40}}
			for _, act := range acts {
				took := ""
				if d := act.Duration(); d > 0 {
					took = d.Round(time.Minute).String()
				} else if act.Open() {
					took = "open"
				}
				t.add(store.ShortID(act.ID), act.StartedAt.In(rules.Location).Format("2006-01-02 15:04"), act.Kind, companies[act.LeadID], act.Contact, took, act.FirstLine())
			}
			t.write(a.out)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kind, "kind", "", "only this kind")
	fs.StringVar(&from, "from", "", "from this date")
	fs.StringVar(&to, "to", "", "up to and including this date")
	fs.StringVar(&search, "search", "", "only activities holding these words (as 'fieldcrm search')")
	fs.IntVar(&limit, "limit", 50, "at most this many (0: all)")
	fs.BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
