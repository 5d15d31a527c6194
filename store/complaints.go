package store

import (
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// ComplaintsOf returns a lead's complaints, oldest first. Complaints have
// no index by lead (they are few: a won account's), so this reads them
// all, as the export does.
func (t *Tx) ComplaintsOf(leadID string) ([]model.Complaint, error) {
	all, err := t.Complaints()
	return slices.DeleteFunc(all, func(c model.Complaint) bool { return c.LeadID != leadID }), err
}

// ComplaintList returns the complaints (only those not yet resolved with
// openOnly), oldest first, leaving out those of leads in the trash.
func (t *Tx) ComplaintList(openOnly bool) ([]model.Complaint, error) {
	var list []model.Complaint
	var err error
	if openOnly {
		list, err = t.OpenComplaints()
	} else {
		list, err = t.Complaints()
	}
	if err != nil {
		return nil, err
	}
	list = slices.DeleteFunc(list, func(c model.Complaint) bool { return c.Deleted || !t.leadExists(c.LeadID) })
	slices.SortStableFunc(list, func(a, b model.Complaint) int {
		if c := a.OpenedAt.Compare(b.OpenedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

// ResolveComplaintService finds the service order a complaint on lead
// leadID is about from what a user typed (its id or the end of it),
// refusing an order of another account.
func (t *Tx) ResolveComplaintService(leadID, ref string) (string, error) {
	orders, err := t.ServicesOf(leadID)
	if err != nil {
		return "", err
	}
	ref = strings.TrimSpace(ref)
	var found []string
	for _, s := range orders {
		if s.ID == ref || len(ref) >= 4 && (strings.HasPrefix(s.ID, ref) || strings.HasSuffix(s.ID, ref)) {
			found = append(found, s.ID)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return "", &model.FieldError{Field: "--service", Problem: "matches " + strings.Join(shortIDs(found, 3), ", ") + "; give more of the id"}
	}
	company := ShortID(leadID)
	if c, err := t.Card(leadID); err == nil {
		company = c.Company
	}
	if id, err := t.resolveID(bucketServices, "service order", ref); err == nil {
		return "", &model.FieldError{Field: "--service", Problem: "service order " + ShortID(id) + " is not one of " + company + "'s; a complaint names an order of its own account"}
	}
	if len(orders) == 0 {
		return "", &model.FieldError{Field: "--service", Problem: company + " has no service orders"}
	}
	return "", &model.FieldError{Field: "--service", Problem: "no service order of " + company + " matches " + ref + " (service list --lead shows them)"}
}

// ResolveComplaint finds a complaint from what a user typed: its id, or
// a unique prefix or suffix of it (the short id lists show).
func (t *Tx) ResolveComplaint(ref string) (string, error) {
	return t.resolveID(bucketComplaints, "complaint", strings.TrimSpace(ref))
}
