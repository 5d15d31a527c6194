package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// Service orders (schema 12):
//
//	services/<service id>                        JSON model.ServiceOrder
//	idx/service_lead/<lead id>|<service id>      empty (every live order)
//	idx/service_open/<due or "~">|<service id>   lead id|assignee (open and
//	                                             scheduled orders; "~" sorts
//	                                             the orders with no day last)
//
// Like a lead's other records they go to the trash with it; the lists
// leave out those whose lead has no card.

// noDue is the due part of an open order's index key when it has no day.
const noDue = "~"

// AddService creates a service order on a won lead; its id, status
// (open), creator and creation time are filled in when missing.
func (t *Tx) AddService(s *model.ServiceOrder) error {
	if s.ID == "" {
		s.ID = model.NewID()
	}
	if s.Status == "" {
		s.Status = model.ServiceOpen
	}
	if s.CreatedBy == "" {
		s.CreatedBy = t.s.user
	}
	s.CreatedAt = t.now
	if err := s.Validate(); err != nil {
		return err
	}
	l, err := t.Lead(s.LeadID)
	if err != nil {
		return err
	}
	if l.Stage != model.StageWon {
		return &model.FieldError{Field: "lead", Problem: "service orders are for won accounts; " + l.Company + " is in " + l.Stage}
	}
	return t.put(model.TypeService, s.ID, s, true)
}

// EditService changes a service order through fn and saves what changed.
// Done and cancelled are the end: an order that reached one is refused
// another status. Going done stamps done_at, a sign-off signed_off_at.
func (t *Tx) EditService(id string, fn func(*model.ServiceOrder) error) (model.ServiceOrder, error) {
	s, err := t.Service(id)
	if err != nil {
		return s, err
	}
	was, lead := s.Status, s.LeadID
	if err := fn(&s); err != nil {
		return s, err
	}
	s.ID, s.LeadID = id, lead // an order stays on its lead
	if !isOpenStatus(was) && s.Status != was {
		return s, &model.FieldError{Field: "status", Problem: fmt.Sprintf("service order %s is %s already; it cannot become %s", ShortID(id), was, s.Status)}
	}
	if s.Status == model.ServiceDone && s.DoneAt.IsZero() {
		s.DoneAt = t.now
	}
	if s.SignedOffBy != "" && s.SignedOffAt.IsZero() {
		s.SignedOffAt = t.now
	}
	s.UpdatedAt = t.now
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, t.put(model.TypeService, id, &s, false)
}

func isOpenStatus(s string) bool { return s == model.ServiceOpen || s == model.ServiceScheduled }

// Service returns one service order.
func (t *Tx) Service(id string) (model.ServiceOrder, error) {
	var s model.ServiceOrder
	if err := t.get(model.TypeService, id, &s); err != nil {
		return s, err
	}
	if s.Deleted {
		return s, fmt.Errorf("service order %s: %w (deleted)", id, ErrNotFound)
	}
	return s, nil
}

// ResolveService finds a service order from what a user typed: its id
// (or a unique prefix or suffix of it), or its lead, named as ResolveLead
// takes it, when that lead has one open order.
func (t *Tx) ResolveService(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	id, err := t.resolveID(bucketServices, "service order", ref)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return id, err
	}
	leadID, err := t.ResolveLead(ref)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("no service order matches %q (give its id from service list, or its lead's company or id): %w", ref, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	all, err := t.ServicesOf(leadID)
	if err != nil {
		return "", err
	}
	open := slices.DeleteFunc(all, func(s model.ServiceOrder) bool { return !s.IsOpen() })
	company := ShortID(leadID)
	if c, err := t.Card(leadID); err == nil && c.Company != "" {
		company = c.Company
	}
	switch len(open) {
	case 0:
		return "", fmt.Errorf("%s has no open service order: %w", company, ErrNotFound)
	case 1:
		return open[0].ID, nil
	}
	list := make([]string, len(open))
	for i, s := range open {
		list[i] = ShortID(s.ID) + " " + s.Kind
	}
	return "", fmt.Errorf("%q %w: %s has %d open service orders; name one by its id: %s", ref, ErrAmbiguous, company, len(open), strings.Join(list, ", "))
}

// ServicesOf returns a lead's service orders by due day (those with none
// last), then by creation.
func (t *Tx) ServicesOf(leadID string) ([]model.ServiceOrder, error) {
	prefix := []byte(leadID + "\x00")
	b, err := t.index(idxServiceLead)
	if err != nil {
		return nil, err
	}
	c := b.Cursor()
	var out []model.ServiceOrder
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		s, err := t.Service(string(k[len(prefix):]))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sortServices(out)
	return out, nil
}

// Services returns the service orders (only the open and scheduled ones
// with openOnly) by due day, those with none last, then by creation,
// leaving out those of leads in the trash.
func (t *Tx) Services(openOnly bool) ([]model.ServiceOrder, error) {
	name := idxServiceLead // <lead>|<id>
	if openOnly {
		name = idxServiceOpen // <due>|<id>
	}
	b, err := t.index(name)
	if err != nil {
		return nil, err
	}
	var out []model.ServiceOrder
	err = b.ForEach(func(k, _ []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return nil
		}
		s, err := t.Service(string(k[i+1:]))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err == nil && t.leadExists(s.LeadID) {
			out = append(out, s)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sortServices(out)
	return out, nil
}

func sortServices(list []model.ServiceOrder) {
	slices.SortStableFunc(list, func(a, b model.ServiceOrder) int {
		if a.Due.IsZero() != b.Due.IsZero() {
			if a.Due.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// serviceOpenKey is an open order's key in idx/service_open.
func serviceOpenKey(s *model.ServiceOrder) string {
	due := s.Due.String()
	if due == "" {
		due = noDue
	}
	return join(due, s.ID)
}

// handOff creates the work winning lead l hands on (rules.Handoff): its
// service orders and its support task, unless the lead has service
// orders already (it was won before, reopened and won again).
func (t *Tx) handOff(l *model.Lead) error {
	had, err := t.ServicesOf(l.ID)
	if err != nil || len(had) > 0 {
		return err
	}
	orders, task := t.s.rules.Handoff.Handoff(l, t.s.user, t.now, model.Today(t.now, t.s.rules.Location))
	for i := range orders {
		if err := t.AddService(&orders[i]); err != nil {
			return fmt.Errorf("hand-off: %w", err)
		}
	}
	if task == nil {
		return nil
	}
	// Not AddTask: an unassigned hand-off task waits in the support
	// queue, where AddTask would give it to the book's user.
	task.ID, task.CreatedAt = model.NewID(), t.now
	if err := task.Validate(); err != nil {
		return fmt.Errorf("hand-off: %w", err)
	}
	return t.put(model.TypeTask, task.ID, task, true)
}
