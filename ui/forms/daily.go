package forms

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// The forms of the daily review and of visit mode. They live in their own
// file so the screens of part 2 of the UI can share the form machinery.

// Item is what a daily-review form needs of the line it acts on.
type Item struct {
	LeadID, Company, Action string
	TaskID, ComplaintID     string
}

type doneData struct{ Choice, Next, Due string }

const (
	choiceNext   = "next"
	choiceNoNext = "none"
)

// Done marks an item of the daily review done: it asks for the next step
// and its date, or an explicit "no next step". A follow-up is completed, a
// complaint resolved; a rotting lead or a return visit gets a note that it
// was reviewed, which touches it.
func Done(c *common.Common, it Item) *Model {
	d := &doneData{Choice: choiceNext, Due: model.DefaultNextDue(c.Today()).String()}
	build := func() *huh.Form {
		return huh.NewForm(
			huh.NewGroup(huh.NewSelect[string]().Title(c.T("daily.done_then")).Options(
				huh.NewOption(c.T("daily.set_next"), choiceNext),
				huh.NewOption(c.T("daily.no_next"), choiceNoNext),
			).Value(&d.Choice)),
			huh.NewGroup(
				input(c.T("field.next_step"), &d.Next, 200, required(c, nil)),
				input(c.T("field.next_due"), &d.Due, 20, checkDate(c, false)).Placeholder(c.T("form.ph_due")),
			).WithHideFunc(func() bool { return d.Choice != choiceNext }),
		)
	}
	sp := spec{form: "done", leadID: it.LeadID, company: it.Company, args: it.args(), fields: []field{
		str("choice", &d.Choice), str("next", &d.Next), str("due", &d.Due)}}
	return newModel(c, sp, c.Tf("daily.done_title", it.Company), build, func(bk Book, draft string) (tea.Msg, error) {
		var due model.Date
		next := ""
		if d.Choice == choiceNext {
			var err error
			if due, err = model.ParseDate(d.Due, c.Today()); err != nil {
				return nil, &model.FieldError{Field: "due", Problem: err.Error()}
			}
			next = strings.TrimSpace(d.Next)
		}
		err := bk.Close(it, c.T("daily.reviewed"), next, due, draft)
		return common.ChangedMsg{LeadID: it.LeadID}, err
	})
}

type snoozeData struct{ Choice, Date string }

// Snooze moves a follow-up to a later day: tomorrow, in a week, or a day
// picked.
func Snooze(c *common.Common, it Item) *Model {
	d := &snoozeData{Choice: "1", Date: c.Today().AddDays(2).String()}
	build := func() *huh.Form {
		return huh.NewForm(
			huh.NewGroup(huh.NewSelect[string]().Title(c.T("daily.snooze_until")).Options(
				huh.NewOption(c.T("daily.snooze_day"), "1"),
				huh.NewOption(c.T("daily.snooze_week"), "7"),
				huh.NewOption(c.T("daily.snooze_pick"), "pick"),
			).Value(&d.Choice)),
			huh.NewGroup(
				input(c.T("field.due"), &d.Date, 20, checkDate(c, false)).Placeholder(c.T("form.ph_due")),
			).WithHideFunc(func() bool { return d.Choice != "pick" }),
		)
	}
	sp := spec{form: "snooze", leadID: it.LeadID, company: it.Company, args: it.args(), fields: []field{
		str("choice", &d.Choice), str("date", &d.Date)}}
	return newModel(c, sp, c.Tf("daily.snooze_title", it.Company), build, func(bk Book, draft string) (tea.Msg, error) {
		err := bk.Snooze(it.TaskID, func(tk model.Task) (model.Date, error) {
			until, err := SnoozeDate(tk.SnoozeFrom(c.Today()), c.Today(), d.Choice, d.Date)
			if err != nil {
				return until, &model.FieldError{Field: "until", Problem: err.Error()}
			}
			return until, nil
		}, draft)
		return common.ChangedMsg{LeadID: it.LeadID}, err
	})
}

// SnoozeDate is the day a snooze choice ("1", "7" or "pick" with a date
// typed) means. A day or a week count from from, the follow-up's
// model.Task.SnoozeFrom, so a snooze never moves it earlier; a typed date
// is read relative to today.
func SnoozeDate(from, today model.Date, choice, typed string) (model.Date, error) {
	switch choice {
	case "1":
		return from.AddDays(1), nil
	case "7":
		return from.AddDays(7), nil
	}
	return model.ParseDate(typed, today)
}

type callData struct{ Contact, Notes, Outcome, NextStep, NextDue string }

// Call logs a phone call that just happened: who, notes, outcome and the
// next step.
func Call(c *common.Common, leadID, company, contact string) *Model {
	d := &callData{Contact: model.Printable(contact)} // stored text: shown escaped
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			input(c.T("field.contact"), &d.Contact, model.MaxNameLen, nil),
			notesField(c, c.T("field.notes"), &d.Notes),
			input(c.T("field.outcome"), &d.Outcome, 400, nil),
			input(c.T("field.next_step"), &d.NextStep, 200, nil),
			input(c.T("field.next_due"), &d.NextDue, 20, checkDate(c, true)).Placeholder(c.T("form.ph_next_due")),
		))
	}
	sp := spec{form: "call", leadID: leadID, company: company, args: map[string]string{"contact": contact}, fields: []field{
		str("contact", &d.Contact), notes("notes", &d.Notes), str("outcome", &d.Outcome),
		str("next_step", &d.NextStep), str("next_due", &d.NextDue)}}
	return newModel(c, sp, c.Tf("daily.call_title", company), build, func(bk Book, draft string) (tea.Msg, error) {
		a := &model.Activity{LeadID: leadID, Kind: model.KindCall, StartedAt: c.Now(),
			Contact: strings.TrimSpace(d.Contact), Outcome: strings.TrimSpace(d.Outcome), NextStep: strings.TrimSpace(d.NextStep)}
		if err := nextDue(c, a, d.NextDue); err != nil {
			return nil, err
		}
		err := bk.AddActivity(a, d.Notes, draft)
		return common.ChangedMsg{LeadID: leadID}, err
	})
}

func nextDue(c *common.Common, a *model.Activity, typed string) error {
	if strings.TrimSpace(typed) != "" {
		due, err := model.ParseDate(typed, c.Today())
		if err != nil {
			return &model.FieldError{Field: "next due", Problem: err.Error()}
		}
		a.NextDue = due
	}
	if a.NextStep != "" && a.NextDue.IsZero() {
		a.NextDue = model.DefaultNextDue(c.Today())
	}
	return nil
}

// VisitEnd is what checking out of a visit records.
type VisitEnd struct {
	ActivityID, LeadID, Company string
	// Notes is the text typed during the visit; DraftID its draft, deleted
	// once the visit is saved.
	Notes, DraftID string
}

type endData struct{ Outcome, Feedback, NextStep, NextDue string }

// EndVisit asks for the outcome, the customer's feedback and the next
// step, then checks out: the end time and the notes are saved, the next
// step becomes the lead's next follow-up, and the draft goes.
func EndVisit(c *common.Common, v VisitEnd) *Model {
	d := &endData{NextDue: model.DefaultNextDue(c.Today()).String()}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			input(c.T("field.outcome"), &d.Outcome, 400, nil),
			input(c.T("field.feedback"), &d.Feedback, 400, nil),
			input(c.T("field.next_step"), &d.NextStep, 200, nil),
			input(c.T("field.next_due"), &d.NextDue, 20, checkDate(c, true)).Placeholder(c.T("form.ph_next_due")),
		))
	}
	sp := spec{form: "end_visit", leadID: v.LeadID, company: v.Company, args: v.args(), fields: []field{
		str("outcome", &d.Outcome), str("feedback", &d.Feedback), str("next_step", &d.NextStep), str("next_due", &d.NextDue)}}
	return newModel(c, sp, c.Tf("visit.end_title", v.Company), build, func(bk Book, draft string) (tea.Msg, error) {
		stop := store.VisitStop{Ended: c.Now(), Notes: v.Notes, Outcome: strings.TrimSpace(d.Outcome),
			Feedback: strings.TrimSpace(d.Feedback), NextStep: strings.TrimSpace(d.NextStep)}
		if stop.NextStep != "" {
			a := &model.Activity{NextStep: stop.NextStep}
			if err := nextDue(c, a, d.NextDue); err != nil {
				return nil, err
			}
			stop.NextDue = a.NextDue
		}
		err := bk.StopVisit(v.ActivityID, stop, v.DraftID, draft)
		return common.ChangedMsg{LeadID: v.LeadID}, err
	})
}

// NoTask is the error for snoozing a line that is not a follow-up.
func NoTask(c *common.Common) error { return errors.New(c.T("daily.snooze_tasks_only")) }
