package ui

import (
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/capture"
)

// SaveNote files a quick note, on a new prospect first when it names no
// lead, and deletes the note's draft in the same transaction: the note
// and its draft never both exist.
func (b Book) SaveNote(n capture.Note) (string, error) {
	err := b.data.Update(func(tx *store.Tx) error {
		if n.LeadID == "" {
			l := &model.Lead{Company: n.Company, Stage: n.Stage}
			if err := tx.AddLead(l); err != nil {
				return err
			}
			n.LeadID = l.ID
		}
		a := &model.Activity{LeadID: n.LeadID, Kind: model.KindNote, StartedAt: n.At}
		if err := tx.AddActivity(a, n.Text); err != nil {
			return err
		}
		return tx.DeleteDraft(n.DraftID)
	})
	return n.LeadID, err
}

// Drafts reads the drafts of the kinds given that hold text, each naming
// its lead's company as it is now.
func (b Book) Drafts(kinds ...string) ([]store.Draft, error) {
	var out []store.Draft
	err := b.data.View(func(tx *store.Tx) error {
		ds, err := tx.Drafts()
		for _, d := range ds {
			if !slices.Contains(kinds, d.Kind) || strings.TrimSpace(d.Text) == "" {
				continue
			}
			if card, err := tx.Card(d.LeadID); d.LeadID != "" && err == nil {
				d.Company = card.Company
			}
			out = append(out, d)
		}
		return err
	})
	return out, err
}

// StartVisit checks in at a lead now and, in the same transaction, saves
// the draft of the visit's notes, begun with template(stage).
func (b Book) StartVisit(leadID string, template func(stage string) string) (capture.OpenVisit, error) {
	var v capture.OpenVisit
	err := b.data.Update(func(tx *store.Tx) error {
		l, err := tx.Lead(leadID)
		if err != nil {
			return err
		}
		if v.Act, err = tx.StartVisit(leadID, l.MainContact().Name); err != nil {
			return err
		}
		v.Company = l.Company
		v.Draft = store.Draft{Kind: capture.VisitDraftKind, LeadID: leadID, ActivityID: v.Act.ID, Company: l.Company}
		if template != nil {
			v.Draft.Text = template(l.Stage)
		}
		return tx.SaveDraft(&v.Draft)
	})
	return v, err
}

// OpenVisit finds the newest visit this user left open (a closed lid, a
// crash) with the newest draft of its notes, or its saved notes when it
// has no draft.
func (b Book) OpenVisit() (v capture.OpenVisit, found bool, err error) {
	err = b.data.View(func(tx *store.Tx) error {
		// The open-visit index holds only visits not yet checked out.
		open, err := tx.OpenVisits()
		if err != nil {
			return err
		}
		user := tx.User()
		for _, a := range open {
			if a.Open() && a.Author == user && (!found || a.StartedAt.After(v.Act.StartedAt)) {
				v.Act, found = a, true
			}
		}
		if !found {
			return nil
		}
		card, _ := tx.Card(v.Act.LeadID)
		v.Company = card.Company
		v.Draft = store.Draft{Kind: capture.VisitDraftKind, LeadID: v.Act.LeadID, ActivityID: v.Act.ID, Company: card.Company, Text: v.Act.Notes()}
		drafts, err := tx.Drafts()
		for _, d := range drafts { // newest first
			if d.ActivityID == v.Act.ID && d.Kind == capture.VisitDraftKind {
				v.Draft = d
				break
			}
		}
		return err
	})
	return v, found, err
}
