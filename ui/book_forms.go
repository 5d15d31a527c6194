package ui

import (
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// The forms' Book: every write deletes the form's draft in its own
// transaction, so a saved form's text is never offered back as unsaved
// and a failed save leaves the draft as it was.

// withDraft runs fn in one write that also deletes draft (none for "").
func (b Book) withDraft(draft string, fn func(tx *store.Tx) error) error {
	return b.data.Update(func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if draft == "" {
			return nil
		}
		return tx.DeleteDraft(draft)
	})
}

// Lead reads a lead.
func (b Book) Lead(id string) (model.Lead, error) {
	var l model.Lead
	err := b.data.View(func(tx *store.Tx) (err error) { l, err = tx.Lead(id); return err })
	return l, err
}

// Card reads a lead's card.
func (b Book) Card(id string) (store.Card, error) {
	var c store.Card
	err := b.data.View(func(tx *store.Tx) (err error) { c, err = tx.Card(id); return err })
	return c, err
}

// AddLead adds a lead.
func (b Book) AddLead(l *model.Lead, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error { return tx.AddLead(l) })
}

// EditLead reads the lead as it is now, lets edit change it and writes it.
func (b Book) EditLead(id string, edit func(*model.Lead) error, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error {
		l, err := tx.Lead(id)
		if err != nil {
			return err
		}
		if err := edit(&l); err != nil {
			return err
		}
		return tx.UpdateLead(&l)
	})
}

// SetFollowUp closes the lead's open follow-ups and sets the next.
func (b Book) SetFollowUp(leadID string, due model.Date, action, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error {
		_, err := tx.SetFollowUp(leadID, due, action)
		return err
	})
}

// AddActivity logs an activity with its notes.
func (b Book) AddActivity(a *model.Activity, notes, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error { return tx.AddActivity(a, notes) })
}

// AddComplaint opens a complaint.
func (b Book) AddComplaint(c *model.Complaint, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error { return tx.AddComplaint(c) })
}

// Close closes a daily-review item: its follow-up completed, its complaint
// resolved, or else a note with review on its lead (which touches it);
// then, when next is set, the lead's next follow-up.
func (b Book) Close(it forms.Item, review, next string, due model.Date, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error {
		switch {
		case it.TaskID != "":
			if _, err := tx.CompleteTask(it.TaskID); err != nil {
				return err
			}
		case it.ComplaintID != "":
			if _, err := tx.SetComplaintStatus(it.ComplaintID, model.ComplaintResolved, ""); err != nil {
				return err
			}
		default:
			a := &model.Activity{LeadID: it.LeadID, Kind: model.KindNote, Outcome: review}
			if err := tx.AddActivity(a, ""); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		_, err := tx.SetFollowUp(it.LeadID, due, next)
		return err
	})
}

// Snooze reads the follow-up and moves it to the day until picks from it,
// in the same transaction.
func (b Book) Snooze(taskID string, until func(model.Task) (model.Date, error), draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error {
		tk, err := tx.Task(taskID)
		if err != nil {
			return err
		}
		day, err := until(tk)
		if err != nil {
			return err
		}
		_, err = tx.SnoozeTask(taskID, day)
		return err
	})
}

// StopVisit checks out of a visit; the draft of its notes goes with it.
func (b Book) StopVisit(activityID string, stop store.VisitStop, notesDraft, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error {
		if _, err := tx.StopVisit(activityID, stop); err != nil {
			return err
		}
		if notesDraft == "" {
			return nil
		}
		return tx.DeleteDraft(notesDraft)
	})
}

// Move moves a lead to another stage, with a won contract's number or a
// note beside a lost reason, and reads its card before (where it was, for
// undo) and after. MoveLead reads the lead itself, once.
func (b Book) Move(mv forms.Move, draft string) (forms.Moved, error) {
	var done forms.Moved
	err := b.withDraft(draft, func(tx *store.Tx) error {
		before, err := tx.Card(mv.LeadID)
		if err != nil {
			return err
		}
		done.From, done.FromReason = before.Stage, before.LostReason
		l, err := tx.MoveLead(mv.LeadID, mv.To)
		if err != nil {
			return err
		}
		if mv.Number != "" {
			l.Contract.Number = mv.Number
			if err := tx.UpdateLead(&l); err != nil {
				return err
			}
		}
		if mv.Note != "" {
			a := &model.Activity{LeadID: mv.LeadID, Kind: model.KindNote, StartedAt: mv.NoteAt}
			if err := tx.AddActivity(a, mv.Note); err != nil {
				return err
			}
		}
		done.Card, err = tx.Card(mv.LeadID)
		return err
	})
	return done, err
}
