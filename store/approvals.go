package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// Approval requests (schema 12):
//
//	approvals/<approval id>                    JSON model.Approval
//	idx/approval_lead/<lead id>|<approval id>  who asked (every live request)
//	idx/approval_pending/<approval id>         lead id (requests without a decision)
//
// A request belongs to its lead as an activity does: in the trash with
// it, hidden with it, back with it. The lists read the lead's card to
// leave out the requests of a lead in the trash.

// RequestApproval asks for approval of the deal on lead leadID, with the
// lead's figures as they are now and the reasons the rules see. A lead
// with a request still waiting for its decision is refused one more.
func (t *Tx) RequestApproval(leadID, note string) (model.Approval, error) {
	l, err := t.Lead(leadID)
	if err != nil {
		return model.Approval{}, err
	}
	if p, ok, err := t.pendingOf(leadID); err != nil || ok {
		if err == nil {
			err = fmt.Errorf("%s already has an approval request waiting for a decision (%s, asked by %s on %s); it is decided first",
				l.Company, ShortID(p.ID), p.RequestedBy, model.DateOf(p.RequestedAt.In(t.s.rules.Location)))
		}
		return model.Approval{}, err
	}
	a := model.Approval{ID: model.NewID(), LeadID: leadID, RequestedBy: t.s.user, RequestedAt: t.now,
		Value: model.DealValue(&l), DiscountPct: l.Negotiation.DiscountPct, Channel: l.Source,
		Reasons: t.s.rules.Approval.Needs(&l), Note: strings.TrimSpace(note)}
	if err := a.Validate(); err != nil {
		return a, err
	}
	return a, t.put(model.TypeApproval, a.ID, &a, true)
}

// pendingOf returns the lead's newest request still waiting for a
// decision.
func (t *Tx) pendingOf(leadID string) (model.Approval, bool, error) {
	all, err := t.ApprovalsOf(leadID)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status() == model.Pending {
			return all[i], true, err
		}
	}
	return model.Approval{}, false, err
}

// ErrMayNotDecide is wrapped by DecideApproval's refusal of a user whose
// role, as the server last said it, may not decide.
var ErrMayNotDecide = errors.New("may not approve or reject")

// ErrOwnRequest is wrapped by DecideApproval's refusal of the user who
// asked, in a book bound to a team: another approver decides.
var ErrOwnRequest = errors.New("may not decide one's own request")

// DecideApproval appends the book's user's verdict (model.Approved or
// model.Rejected) to request id. A user whose role the server has told
// this book (Role) and who is not an approver under the rules is refused
// here; with no role known the server decides.
func (t *Tx) DecideApproval(id, verdict, note string) (model.Approval, error) {
	a, err := t.Approval(id)
	if err != nil {
		return a, err
	}
	if !slices.Contains(model.Verdicts, verdict) {
		return a, &model.FieldError{Field: "verdict", Problem: fmt.Sprintf("%q is not approved or rejected", verdict)}
	}
	if role := t.Role(); role != "" && !t.s.rules.Approval.MayDecide(role) {
		return a, fmt.Errorf("%w: only %s approve or reject, and the server last said your role is %s (log in again if it changed)",
			ErrMayNotDecide, strings.Join(approvers(t.s.rules.Approval), " and "), role)
	}
	if a.RequestedBy == t.s.user && !t.Binding().IsZero() {
		// The server refuses it; a book that syncs with no team (never
		// logged in) has no one else to ask.
		return a, fmt.Errorf("%w: you asked for approval request %s yourself, so another approver decides it", ErrOwnRequest, ShortID(id))
	}
	if !t.leadExists(a.LeadID) {
		return a, fmt.Errorf("the lead of approval request %s is in the trash: %w", ShortID(id), ErrNotFound)
	}
	d := model.Decision{Verdict: verdict, By: t.s.user, At: t.now, Note: strings.TrimSpace(note)}
	if err := model.ValidateNotes(d.Note); err != nil {
		return a, err
	}
	err = t.appendTo(model.TypeApproval, id, "decisions", func(opID string, h model.HLC) any {
		d.ID, d.HLC = opID, h
		return d
	})
	if err != nil {
		return a, err
	}
	return t.Approval(id)
}

func approvers(r model.ApprovalRules) []string {
	if len(r.Approvers) == 0 {
		return []string{"leadership"}
	}
	return r.Approvers
}

// Approval returns one request.
func (t *Tx) Approval(id string) (model.Approval, error) {
	var a model.Approval
	if err := t.get(model.TypeApproval, id, &a); err != nil {
		return a, err
	}
	if a.Deleted {
		return a, fmt.Errorf("approval request %s: %w (deleted)", id, ErrNotFound)
	}
	return a, nil
}

// ResolveApproval finds a request from what a user typed: its id (or a
// unique prefix or suffix of it), or its lead, named as ResolveLead takes
// it, when that lead has one request waiting for a decision.
func (t *Tx) ResolveApproval(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	id, err := t.resolveID(bucketApprovals, "approval request", ref)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return id, err
	}
	leadID, err := t.ResolveLead(ref)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("no approval request matches %q (give its id from approval list, or its lead's company or id): %w", ref, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	p, ok, err := t.pendingOf(leadID)
	if err != nil || ok {
		return p.ID, err
	}
	company := ShortID(leadID)
	if c, err := t.Card(leadID); err == nil && c.Company != "" {
		company = c.Company
	}
	return "", fmt.Errorf("%s has no approval request waiting for a decision; name a decided one by its id (approval list): %w", company, ErrNotFound)
}

// ApprovalsOf returns a lead's requests, oldest first.
func (t *Tx) ApprovalsOf(leadID string) ([]model.Approval, error) {
	prefix := []byte(leadID + "\x00")
	b, err := t.index(idxApprovalLead)
	if err != nil {
		return nil, err
	}
	c := b.Cursor()
	var out []model.Approval
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		a, err := t.Approval(string(k[len(prefix):]))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b model.Approval) int { return a.RequestedAt.Compare(b.RequestedAt) })
	return out, nil
}

// Approvals returns the requests (only those waiting for a decision with
// pendingOnly), newest first, leaving out those of leads in the trash.
func (t *Tx) Approvals(pendingOnly bool) ([]model.Approval, error) {
	name := idxApprovalLead
	if pendingOnly {
		name = idxApprovalPending
	}
	b, err := t.index(name)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = b.ForEach(func(k, _ []byte) error {
		if pendingOnly {
			ids = append(ids, string(k))
		} else if i := bytes.IndexByte(k, 0); i >= 0 {
			ids = append(ids, string(k[i+1:]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.Approval, 0, len(ids))
	for _, id := range ids {
		a, err := t.Approval(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if t.leadExists(a.LeadID) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b model.Approval) int {
		if c := b.RequestedAt.Compare(a.RequestedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// WonBlock says why lead l cannot be won yet: the reasons the approval
// rules see, when none of its requests covers it as it is now. Nil: it
// can be won.
func (t *Tx) WonBlock(l *model.Lead) ([]string, error) {
	if len(t.s.rules.Approval.Needs(l)) == 0 {
		return nil, nil // most deals: no request read
	}
	reqs, err := t.ApprovalsOf(l.ID)
	if err != nil {
		return nil, err
	}
	return model.ApprovalBlock(t.s.rules.Approval, l, reqs), nil
}
