package forms

import (
	"fmt"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// fakeBook is the forms' book in memory, seeded with a fixed book's
// leads under the ids lead0, lead1, ... It keeps what the forms write
// (leads, activities with their notes, drafts) for the tests to read.
type fakeBook struct {
	mu     sync.Mutex
	ids    []string
	leads  map[string]model.Lead
	acts   map[string][]model.Activity // by lead, with their notes
	drafts map[string]store.Draft
	follow map[string]string // the next follow-up's day and action, by lead
	fail   error             // every write fails while set
	// approvals and services by lead; user is who decides.
	approvals map[string][]model.Approval
	services  map[string][]model.ServiceOrder
}

func newFakeBook(leads []uitest.Lead) *fakeBook {
	f := &fakeBook{leads: map[string]model.Lead{}, acts: map[string][]model.Activity{}, drafts: map[string]store.Draft{}, follow: map[string]string{},
		approvals: map[string][]model.Approval{}, services: map[string][]model.ServiceOrder{}}
	for i, d := range leads {
		l := model.Lead{ID: fmt.Sprintf("lead%d", i), Company: d.Company, City: d.City, Stage: d.Stage,
			Value: model.Money{Amount: d.Value * 100, Currency: "CNY"}}
		if d.Contact != "" {
			l.Contacts = []model.Contact{{Name: d.Contact}}
		}
		f.ids = append(f.ids, l.ID)
		f.leads[l.ID] = l
	}
	return f
}

func (f *fakeBook) SaveDraft(d *store.Draft, live func() bool) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !live() {
		return false, nil
	}
	d.UpdatedAt = time.Now()
	f.drafts[d.ID] = *d
	return true, nil
}

func (f *fakeBook) DeleteDraft(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.drafts, id)
	return nil
}

func (f *fakeBook) Lead(id string) (model.Lead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.leads[id]
	if !ok {
		return l, fmt.Errorf("lead %s not found", id)
	}
	return l, nil
}

func (f *fakeBook) Card(id string) (store.Card, error) {
	l, err := f.Lead(id)
	return store.Card{ID: l.ID, Company: l.Company, Stage: l.Stage, Value: l.Value.Amount, Currency: l.Value.Currency,
		LostReason: l.LostReason, SignedOn: l.Contract.SignedOn}, err
}

// write runs fn as one write of the book: all or nothing, and the
// form's draft deleted with it.
func (f *fakeBook) write(draft string, fn func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	if err := fn(); err != nil {
		return err
	}
	delete(f.drafts, draft)
	return nil
}

func (f *fakeBook) AddLead(l *model.Lead, draft string) error {
	return f.write(draft, func() error {
		l.ID = fmt.Sprintf("lead%d", len(f.leads))
		f.leads[l.ID] = *l
		return nil
	})
}

func (f *fakeBook) EditLead(id string, edit func(*model.Lead) error, draft string) error {
	return f.write(draft, func() error {
		l := f.leads[id]
		if err := edit(&l); err != nil {
			return err
		}
		f.leads[id] = l
		return nil
	})
}

func (f *fakeBook) SetFollowUp(leadID string, due model.Date, action, draft string) error {
	return f.write(draft, func() error {
		f.follow[leadID] = due.String() + " " + action
		return nil
	})
}

func (f *fakeBook) AddActivity(a *model.Activity, notes, draft string) error {
	return f.write(draft, func() error {
		f.addActivity(*a, notes)
		return nil
	})
}

func (f *fakeBook) addActivity(a model.Activity, notes string) {
	a.ID = fmt.Sprintf("act%d", len(f.acts[a.LeadID]))
	a.Revisions = append(a.Revisions, model.Revision{Text: notes})
	f.acts[a.LeadID] = append(f.acts[a.LeadID], a)
}

func (f *fakeBook) AddComplaint(c *model.Complaint, draft string) error {
	return f.write(draft, func() error { return nil })
}

func (f *fakeBook) Close(it Item, review, next string, due model.Date, draft string) error {
	return f.write(draft, func() error { return nil })
}

func (f *fakeBook) Snooze(taskID string, until func(model.Task) (model.Date, error), draft string) error {
	return f.write(draft, func() error {
		_, err := until(model.Task{ID: taskID})
		return err
	})
}

func (f *fakeBook) StopVisit(activityID string, stop store.VisitStop, notesDraft, draft string) error {
	return f.write(draft, func() error {
		delete(f.drafts, notesDraft)
		return nil
	})
}

func (f *fakeBook) Move(mv Move, draft string) (Moved, error) {
	var done Moved
	err := f.write(draft, func() error {
		l := f.leads[mv.LeadID]
		if mv.To.Stage == model.StageWon {
			won := l
			if mv.To.ContractValue != nil {
				won.Contract.Value = *mv.To.ContractValue
			}
			if reasons := model.ApprovalBlock(uitest.Rules().Approval, &won, f.approvals[l.ID]); reasons != nil {
				return &model.ApprovalError{Company: l.Company, Reasons: reasons}
			}
		}
		done.From, done.FromReason = l.Stage, l.LostReason
		l.Stage, l.LostReason = mv.To.Stage, mv.To.LostReason
		if mv.To.ContractValue != nil {
			l.Contract.Value, l.Contract.SignedOn = *mv.To.ContractValue, mv.To.SignedOn
		}
		if mv.Number != "" {
			l.Contract.Number = mv.Number
		}
		f.leads[mv.LeadID] = l
		if mv.Note != "" {
			f.addActivity(model.Activity{LeadID: mv.LeadID, Kind: model.KindNote, StartedAt: mv.NoteAt}, mv.Note)
		}
		return nil
	})
	done.Card, _ = f.Card(mv.LeadID)
	return done, err
}

// activities returns a lead's activities.
func (f *fakeBook) activities(leadID string) []model.Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.Activity(nil), f.acts[leadID]...)
}

// draftList returns the drafts kept.
func (f *fakeBook) draftList() []store.Draft {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Draft
	for _, d := range f.drafts {
		out = append(out, d)
	}
	return out
}

func (f *fakeBook) ApprovalsOf(leadID string) ([]model.Approval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.Approval(nil), f.approvals[leadID]...), nil
}

func (f *fakeBook) RequestApproval(leadID, note, draft string) (model.Approval, error) {
	var a model.Approval
	err := f.write(draft, func() error {
		l := f.leads[leadID]
		a = model.Approval{ID: fmt.Sprintf("ap%d", len(f.approvals[leadID])), LeadID: leadID, RequestedBy: "wang",
			RequestedAt: uitest.Now, Value: model.DealValue(&l), Reasons: uitest.Rules().Approval.Needs(&l), Note: note}
		f.approvals[leadID] = append(f.approvals[leadID], a)
		return nil
	})
	return a, err
}

func (f *fakeBook) DecideApproval(id, verdict, note, draft string) (model.Approval, error) {
	var a model.Approval
	err := f.write(draft, func() error {
		for lead, aps := range f.approvals {
			for i := range aps {
				if aps[i].ID == id {
					aps[i].Decisions = append(aps[i].Decisions, model.Decision{ID: fmt.Sprintf("d%d", len(aps[i].Decisions)),
						HLC: model.HLC{Wall: uitest.Now.UnixMilli(), Counter: uint32(len(aps[i].Decisions))}, Verdict: verdict, By: "li", At: uitest.Now, Note: note})
					a = aps[i]
					f.approvals[lead] = aps
					return nil
				}
			}
		}
		return fmt.Errorf("approval %s not found", id)
	})
	return a, err
}

func (f *fakeBook) WonBlock(leadID string) ([]string, error) {
	l, err := f.Lead(leadID)
	if err != nil {
		return nil, err
	}
	aps, _ := f.ApprovalsOf(leadID)
	return model.ApprovalBlock(uitest.Rules().Approval, &l, aps), nil
}

func (f *fakeBook) ServicesOf(leadID string) ([]model.ServiceOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.ServiceOrder(nil), f.services[leadID]...), nil
}

func (f *fakeBook) AddService(s *model.ServiceOrder, draft string) error {
	return f.write(draft, func() error {
		s.ID = fmt.Sprintf("so%d", len(f.services[s.LeadID]))
		s.CreatedAt = uitest.Now
		f.services[s.LeadID] = append(f.services[s.LeadID], *s)
		return nil
	})
}

func (f *fakeBook) EditService(id string, edit func(*model.ServiceOrder) error, draft string) error {
	return f.write(draft, func() error {
		for lead, ss := range f.services {
			for i := range ss {
				if ss[i].ID == id {
					s := ss[i]
					if err := edit(&s); err != nil {
						return err
					}
					ss[i] = s
					f.services[lead] = ss
					return nil
				}
			}
		}
		return fmt.Errorf("service order %s not found", id)
	})
}
