package demo

import (
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
)

// workOf is what a demo book holds of approvals and service work.
type workOf struct {
	leads     map[string]model.Lead
	approvals []model.Approval
	services  []model.ServiceOrder
	support   []model.Task // queued for support
	linked    []model.Complaint
}

func readWork(t *testing.T, st *store.Store) workOf {
	t.Helper()
	w := workOf{leads: map[string]model.Lead{}}
	err := st.View(func(tx *store.Tx) error {
		cards, err := tx.Cards()
		if err != nil {
			return err
		}
		for _, c := range cards {
			l, err := tx.Lead(c.ID)
			if err != nil {
				return err
			}
			w.leads[l.ID] = l
			tasks, err := tx.TasksOf(l.ID)
			if err != nil {
				return err
			}
			for _, tk := range tasks {
				if tk.Queue == model.QueueSupport && tk.Assignee == "" {
					w.support = append(w.support, tk)
				}
			}
		}
		if w.approvals, err = tx.Approvals(false); err != nil {
			return err
		}
		if w.services, err = tx.Services(false); err != nil {
			return err
		}
		complaints, err := tx.Complaints()
		for _, c := range complaints {
			if c.ServiceID != "" {
				w.linked = append(w.linked, c)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestDemoHasApprovalsAndServiceWork: every won deal that needs approval
// was approved by leadership before it was won; requests pending,
// approved and rejected, and one request decided by two approvers at the
// same moment, both decisions kept and the deputy's (the greater device
// name) in force; every won account handed off (installation and
// commissioning, a task in the support queue); service orders of every
// kind and status, some overdue, one signed off by the customer, and a
// complaint about one of them; notes in Chinese and English.
func TestDemoHasApprovalsAndServiceWork(t *testing.T) {
	st := openTemp(t)
	if err := Generate(st, Options{Leads: 400, Now: now}); err != nil {
		t.Fatal(err)
	}
	w := readWork(t, st)
	rules := st.Rules().Approval
	status := map[string]int{}
	script := map[string]int{}
	pairs := 0
	for _, a := range w.approvals {
		status[a.Status()]++
		l := w.leads[a.LeadID]
		if a.RequestedBy != "demo" || a.RequestedAt.Before(l.CreatedAt) || a.RequestedAt.After(now) || len(a.Reasons) == 0 {
			t.Errorf("request on %s: by %s at %v (lead created %v), reasons %v", l.Company, a.RequestedBy, a.RequestedAt, l.CreatedAt, a.Reasons)
		}
		script[scriptOf(a.Note)]++
		for _, d := range a.Decisions {
			if d.By != LeadershipUser && d.By != LeadershipDeputy || !d.At.After(a.RequestedAt) || d.At.After(now) {
				t.Errorf("decision on %s by %s at %v (asked %v)", l.Company, d.By, d.At, a.RequestedAt)
			}
			script[scriptOf(d.Note)]++
		}
		if len(a.Decisions) == 2 {
			pairs++
			x, y := a.Decisions[0], a.Decisions[1]
			if x.HLC.Wall != y.HLC.Wall || x.By == y.By || x.Verdict == y.Verdict {
				t.Errorf("the pair on %s: %+v and %+v", l.Company, x, y)
			}
			if d, _ := a.Decision(); d.By != LeadershipDeputy || a.Status() != model.Approved {
				t.Errorf("the pair on %s: %s's %s in force, want the deputy's approval", l.Company, d.By, d.Verdict)
			}
		}
	}
	if status[model.Pending] == 0 || status[model.Approved] == 0 || status[model.Rejected] == 0 || pairs != 1 {
		t.Errorf("requests by status %v, %d decided by two at once; want each status and one pair", status, pairs)
	}
	won, handed := 0, map[string][]string{}
	for _, s := range w.services {
		handed[s.LeadID] = append(handed[s.LeadID], s.Kind)
	}
	for _, l := range w.leads {
		if l.Stage != model.StageWon {
			continue
		}
		won++
		if !slices.Contains(handed[l.ID], model.ServiceInstall) || !slices.Contains(handed[l.ID], model.ServiceCommissioning) {
			t.Errorf("won %s has orders %v", l.Company, handed[l.ID])
		}
		if len(rules.Needs(&l)) == 0 {
			continue
		}
		covered := false
		for _, a := range w.approvals {
			if d, ok := a.Decision(); ok && a.Covers(&l) && d.At.Before(l.StageEnteredAt) {
				covered = true
			}
		}
		if !covered {
			t.Errorf("won %s (%v) needs approval and has none before its win", l.Company, model.DealValue(&l))
		}
	}
	if won < 20 || len(w.support) != won {
		t.Errorf("%d won, %d support tasks in the queue; want one each", won, len(w.support))
	}
	kinds, statuses, overdue, signed := map[string]int{}, map[string]int{}, 0, 0
	today := model.DateOf(now)
	ids := map[string]string{}
	for _, s := range w.services {
		kinds[s.Kind]++
		statuses[s.Status]++
		ids[s.ID] = s.LeadID
		if s.IsOpen() && !s.Due.IsZero() && s.Due.Before(today) {
			overdue++
		}
		if s.SignedOffBy != "" {
			signed++
			if s.Status != model.ServiceDone || s.SignedOffAt.IsZero() || s.DoneAt.IsZero() || s.SignedOffAt.After(now) {
				t.Errorf("signed off but %s, done %v, signed %v", s.Status, s.DoneAt, s.SignedOffAt)
			}
		}
	}
	for _, k := range model.ServiceKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s order: %v", k, kinds)
		}
	}
	for _, s := range model.ServiceStatuses {
		if statuses[s] == 0 {
			t.Errorf("no %s order: %v", s, statuses)
		}
	}
	if overdue == 0 || signed == 0 || len(w.linked) == 0 {
		t.Errorf("%d overdue, %d signed off, %d complaints about an order", overdue, signed, len(w.linked))
	}
	for _, c := range w.linked {
		if ids[c.ServiceID] != c.LeadID {
			t.Errorf("a complaint on %s names order %s of lead %q", c.LeadID, c.ServiceID, ids[c.ServiceID])
		}
	}
	if script["zh"] == 0 || script["en"] == 0 {
		t.Errorf("requests' and decisions' notes by script: %v", script)
	}
	// Both reports have something to show over the demo.
	err := st.View(func(tx *store.Tx) error {
		for _, kind := range []string{"approvals", "service"} {
			res, _, err := report.Make(tx, report.Query{Kind: kind, Period: report.Year(2026), Lang: "zh"})
			if err != nil {
				return err
			}
			switch r := res.Data.(type) {
			case report.Approvals:
				if r.Total.Requests != len(w.approvals) || r.Total.MedianHours == nil || r.Revised != 1 || len(r.Approvers) != 2 {
					t.Errorf("approvals report %+v", r.Total)
				}
			case report.ServiceWork:
				if r.Total.Orders != statuses[model.ServiceOpen]+statuses[model.ServiceScheduled] || r.Total.Overdue != overdue {
					t.Errorf("service report %+v, want %d open and %d overdue", r.Total, statuses[model.ServiceOpen]+statuses[model.ServiceScheduled], overdue)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSalesOnlyHasNoDecisions: in a sales-only book nobody but the rep
// wrote: requests are the rep's and all pending (only an approver may
// decide, and the server takes decisions only from one), so a deal that
// needs approval stays in negotiation; the hand-off is the rep's move's,
// untouched: open orders in the after-sales queue.
func TestSalesOnlyHasNoDecisions(t *testing.T) {
	st := openTemp(t)
	if err := Generate(st, Options{Leads: 400, Now: now, SalesOnly: true}); err != nil {
		t.Fatal(err)
	}
	w := readWork(t, st)
	if len(w.approvals) == 0 {
		t.Fatal("no requests")
	}
	for _, a := range w.approvals {
		if len(a.Decisions) > 0 || a.RequestedBy != "demo" {
			t.Errorf("a sales-only request by %s with %d decisions", a.RequestedBy, len(a.Decisions))
		}
	}
	rules := st.Rules().Approval
	won := 0
	for _, l := range w.leads {
		if l.Stage == model.StageWon {
			won++
			if len(rules.Needs(&l)) > 0 {
				t.Errorf("%s was won without approval", l.Company)
			}
		}
	}
	for _, s := range w.services {
		if s.Status != model.ServiceOpen || s.Assignee != "" || s.CreatedBy != "demo" {
			t.Errorf("a sales-only order %s, assigned to %q, by %s", s.Status, s.Assignee, s.CreatedBy)
		}
	}
	if won == 0 || len(w.services) != 2*won || len(w.support) != won {
		t.Errorf("%d won, %d orders, %d support tasks", won, len(w.services), len(w.support))
	}
}
