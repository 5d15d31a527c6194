package ui

import (
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/lead"
)

// book is the narrow interfaces of the pages and overlays (lead.Book,
// trash.Book), implemented once over the store's transactions: each method
// is one transaction, so a page never holds a *store.Tx.
type book struct{ data common.Data }

// LeadPage reads a lead with its timeline, open follow-ups and open
// complaints.
func (b book) LeadPage(id string, timeline int) (lead.Page, error) {
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
		p.Complaints = slices.DeleteFunc(cs, func(c model.Complaint) bool { return c.LeadID != id })
		return err
	})
	return p, err
}

// Trash lists the leads in the trash, the most recently deleted first.
func (b book) Trash() ([]store.Trashed, error) {
	var out []store.Trashed
	err := b.data.View(func(tx *store.Tx) (err error) { out, err = tx.Trash(); return err })
	return out, err
}

// Restore brings a lead back from the trash.
func (b book) Restore(id string) error {
	return b.data.Update(func(tx *store.Tx) error { return tx.UntrashLead(id) })
}

// TrashLead moves a lead to the trash.
func (b book) TrashLead(id string) error {
	return b.data.Update(func(tx *store.Tx) error { return tx.TrashLead(id) })
}
