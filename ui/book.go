package ui

import (
	"errors"
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	"github.com/fieldcrm/fieldcrm/ui/lead"
)

// Book is the narrow interfaces of the pages and overlays (board.Book,
// today.Book, lead.Book, visits.Book, reports.Book, approvals.Book, trash.Book,
// syncstatus.Book, palette.Book, capture.Book, forms.Book), implemented once over the
// store's transactions: each method is one transaction, so a page never
// holds a *store.Tx. Drafts are kept by the editor's one implementation
// over the store.
type Book struct {
	data   common.Data
	drafts editor.Drafts
}

// NewBook returns the pages' interfaces over data.
func NewBook(data common.Data) Book { return Book{data, editor.StoreDrafts(data)} }

// SaveDraft writes a draft unless live, asked inside the write, says it
// has ended.
func (b Book) SaveDraft(d *store.Draft, live func() bool) (bool, error) {
	return b.drafts.SaveDraft(d, live)
}

// DeleteDraft deletes a draft.
func (b Book) DeleteDraft(id string) error { return b.drafts.DeleteDraft(id) }

// LeadPage reads a lead with its timeline, open follow-ups, open
// complaints, approval requests and service orders.
func (b Book) LeadPage(id string, timeline int) (lead.Page, error) {
	var p lead.Page
	err := b.data.View(func(tx *store.Tx) error {
		var err error
		if p.Lead, err = tx.Lead(id); err != nil {
			return err
		}
		if p.Activities, err = tx.ActivitiesOf(id, timeline); err != nil {
			return err
		}
		tasks, err := tx.TasksOf(id)
		if err != nil {
			return err
		}
		p.Tasks = slices.DeleteFunc(tasks, func(t model.Task) bool { return !t.IsOpen() })
		cs, err := tx.OpenComplaints()
		if err != nil {
			return err
		}
		p.Complaints = slices.DeleteFunc(cs, func(c model.Complaint) bool { return c.LeadID != id })
		if p.Approvals, err = tx.ApprovalsOf(id); err != nil {
			return err
		}
		p.Services, err = tx.ServicesOf(id)
		return err
	})
	return p, err
}

// Report computes a report as `fieldcrm report` does, in one read
// transaction, and returns the book it read.
func (b Book) Report(q report.Query) (res report.Result, book *report.Book, err error) {
	err = b.data.View(func(tx *store.Tx) error {
		res, book, err = report.Make(tx, q)
		return err
	})
	return res, book, err
}

// Trash lists the leads in the trash, the most recently deleted first.
func (b Book) Trash() ([]store.Trashed, error) {
	var out []store.Trashed
	err := b.data.View(func(tx *store.Tx) (err error) { out, err = tx.Trash(); return err })
	return out, err
}

// Restore brings a lead back from the trash.
func (b Book) Restore(id string) error {
	return b.data.Update(func(tx *store.Tx) error { return tx.UntrashLead(id) })
}

// TrashLead moves a lead to the trash.
func (b Book) TrashLead(id string) error {
	return b.data.Update(func(tx *store.Tx) error { return tx.TrashLead(id) })
}

// VisitLog reads every activity and the company of each lead.
func (b Book) VisitLog() ([]store.ActivityRow, map[string]string, error) {
	var rows []store.ActivityRow
	companies := map[string]string{}
	err := b.data.View(func(tx *store.Tx) error {
		var err error
		if rows, err = tx.ActivityRows(); err != nil {
			return err
		}
		cards, err := tx.Cards()
		for _, c := range cards {
			companies[c.ID] = c.Company
		}
		return err
	})
	return rows, companies, err
}

// VisitDocs returns the id of each activity by its number in the search
// index, with which the visit log reads VisitSearch's answers.
func (b Book) VisitDocs() ([]string, error) {
	var ids []string
	err := b.data.View(func(tx *store.Tx) (err error) { ids, err = tx.ActivityDocs(); return err })
	return ids, err
}

// VisitSearch returns the numbers of the activities holding every word of
// text, from the search index: the visit log's words filter, on every
// keystroke.
func (b Book) VisitSearch(text string) ([]uint32, error) {
	var docs []uint32
	err := b.data.View(func(tx *store.Tx) (err error) { docs, err = tx.SearchActivityDocs(text); return err })
	return docs, err
}

// Activity reads one activity.
func (b Book) Activity(id string) (model.Activity, error) {
	var a model.Activity
	err := b.data.View(func(tx *store.Tx) (err error) { a, err = tx.Activity(id); return err })
	return a, err
}

// SaveNotes writes a new revision of an activity's notes when the text
// differs, and deletes the edit's draft in the same transaction, so no
// draft outlives the notes it became.
func (b Book) SaveNotes(id, text, draftID string) error {
	return b.data.Update(func(tx *store.Tx) error {
		a, err := tx.Activity(id)
		if err != nil {
			return err
		}
		if text != a.Notes() {
			if err := tx.AppendNotes(id, text); err != nil {
				return err
			}
		}
		return tx.DeleteDraft(draftID)
	})
}

// Refused reads the changes the server refused and those set aside.
func (b Book) Refused() (items []store.RejectedOp, set []store.SetAside, err error) {
	err = b.data.View(func(tx *store.Tx) error {
		if items, err = tx.Rejected(); err != nil {
			return err
		}
		set, err = tx.SetAsides()
		return err
	})
	return items, set, err
}

// DismissRefused removes a refused change from its list.
func (b Book) DismissRefused(opID string) error {
	return b.data.Update(func(tx *store.Tx) error { return tx.DismissRejected(opID) })
}

// DismissSetAside removes a set-aside change from its list.
func (b Book) DismissSetAside(id uint64) error {
	return b.data.Update(func(tx *store.Tx) error { return tx.DismissSetAside(id) })
}

// Cards reads every lead's card.
func (b Book) Cards() ([]store.Card, error) {
	var cards []store.Card
	err := b.data.View(func(tx *store.Tx) (err error) { cards, err = tx.Cards(); return err })
	return cards, err
}

// Today reads the daily review.
func (b Book) Today() (store.TodayReport, error) {
	var rep store.TodayReport
	err := b.data.View(func(tx *store.Tx) (err error) { rep, err = tx.Today(); return err })
	return rep, err
}

// EachCard lends every card in turn to fn, in one read transaction.
func (b Book) EachCard(fn func(*store.Card) error) error {
	return b.data.View(func(tx *store.Tx) error { return tx.EachCard(fn) })
}

// SearchLeads asks the search index for the leads holding every word of
// q, best first, at most limit. Words the index cannot search
// (punctuation only) find nothing rather than fail: the palette asks on
// every keystroke.
func (b Book) SearchLeads(q string, limit int) ([]string, error) {
	var ids []string
	err := b.data.View(func(tx *store.Tx) (err error) {
		ids, err = tx.SearchLeadIDs(q, limit)
		return err
	})
	if errors.Is(err, store.ErrNoSearchWords) {
		return nil, nil
	}
	return ids, err
}
