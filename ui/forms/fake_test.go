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
}

func newFakeBook(leads []uitest.Lead) *fakeBook {
	f := &fakeBook{leads: map[string]model.Lead{}, acts: map[string][]model.Activity{}, drafts: map[string]store.Draft{}, follow: map[string]string{}}
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
