package ui

import (
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/approvals"
)

// The Book of approvals and service orders: the forms' writes (each
// deleting the form's draft in its transaction) and the inbox's read.

// ApprovalsOf reads a lead's approval requests, oldest first.
func (b Book) ApprovalsOf(leadID string) ([]model.Approval, error) {
	var out []model.Approval
	err := b.data.View(func(tx *store.Tx) (err error) { out, err = tx.ApprovalsOf(leadID); return err })
	return out, err
}

// RequestApproval asks for approval of a lead's deal.
func (b Book) RequestApproval(leadID, note, draft string) (model.Approval, error) {
	var a model.Approval
	err := b.withDraft(draft, func(tx *store.Tx) (err error) { a, err = tx.RequestApproval(leadID, note); return err })
	return a, err
}

// DecideApproval adds the user's decision to a request.
func (b Book) DecideApproval(id, verdict, note, draft string) (model.Approval, error) {
	var a model.Approval
	err := b.withDraft(draft, func(tx *store.Tx) (err error) { a, err = tx.DecideApproval(id, verdict, note); return err })
	return a, err
}

// WonBlock says why a lead cannot be won yet; nil when it can.
func (b Book) WonBlock(leadID string) ([]string, error) {
	var out []string
	err := b.data.View(func(tx *store.Tx) error {
		l, err := tx.Lead(leadID)
		if err != nil {
			return err
		}
		out, err = tx.WonBlock(&l)
		return err
	})
	return out, err
}

// ServicesOf reads a lead's service orders.
func (b Book) ServicesOf(leadID string) ([]model.ServiceOrder, error) {
	var out []model.ServiceOrder
	err := b.data.View(func(tx *store.Tx) (err error) { out, err = tx.ServicesOf(leadID); return err })
	return out, err
}

// AddService adds a service order.
func (b Book) AddService(s *model.ServiceOrder, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error { return tx.AddService(s) })
}

// EditService reads an order as it is now, lets edit change it and
// writes it.
func (b Book) EditService(id string, edit func(*model.ServiceOrder) error, draft string) error {
	return b.withDraft(draft, func(tx *store.Tx) error {
		_, err := tx.EditService(id, edit)
		return err
	})
}

// Inbox reads every approval request, the company of each one's lead and
// the role the server last gave this book's user.
func (b Book) Inbox() (approvals.Inbox, error) {
	in := approvals.Inbox{Companies: map[string]string{}}
	err := b.data.View(func(tx *store.Tx) error {
		var err error
		if in.Requests, err = tx.Approvals(false); err != nil {
			return err
		}
		for _, a := range in.Requests {
			if _, ok := in.Companies[a.LeadID]; ok {
				continue
			}
			c, err := tx.Card(a.LeadID)
			if err != nil {
				return err
			}
			in.Companies[a.LeadID] = c.Company
		}
		in.Role = tx.Role()
		return nil
	})
	return in, err
}
