package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// ServiceAccount is the open service work on one account (a won lead):
// its open and scheduled orders by kind, how many are overdue or wait in
// the after-sales queue, and the age of the oldest.
type ServiceAccount struct {
	LeadID  string `json:"lead_id,omitempty"` // empty in the total
	Company string `json:"company,omitempty"`
	Owner   string `json:"owner,omitempty"`
	// ByKind counts the orders of each kind, every kind present.
	ByKind    map[string]int `json:"by_kind"`
	Orders    int            `json:"orders"`
	Scheduled int            `json:"scheduled"`
	Queued    int            `json:"queued"`  // no assignee: the after-sales queue
	Overdue   int            `json:"overdue"` // due before today
	// OldestDays is the age in whole days of the oldest open order, from
	// its creation to now.
	OldestDays int `json:"oldest_days"`
}

// ServiceWork is the open service work by account, as of today (the
// period does not apply: work is open now or not).
type ServiceWork struct {
	AsOf     model.Date       `json:"as_of"`
	Kinds    []string         `json:"kinds"`
	Accounts []ServiceAccount `json:"accounts"` // oldest work first
	Total    ServiceAccount   `json:"total"`
}

// ComputeService sums the book's open service orders by account. Scope's
// user picks the accounts they own and the orders assigned to them, so
// `--user me` is a rep's accounts or an after-sales user's work. An order
// whose lead the book does not hold (not synced, or in the trash) is left
// out, as the lead's other records are.
func ComputeService(b *Book, sc Scope) ServiceWork {
	today := b.today()
	out := ServiceWork{AsOf: today, Kinds: model.ServiceKinds, Accounts: []ServiceAccount{}, Total: newServiceAccount("", "", "")}
	leads := make(map[string]int, len(b.Leads))
	for i := range b.Leads {
		leads[b.Leads[i].ID] = i
	}
	accounts := map[string]*ServiceAccount{}
	for i := range b.Services {
		s := &b.Services[i]
		li, ok := leads[s.LeadID]
		if !ok || !s.IsOpen() {
			continue
		}
		c := &b.Leads[li]
		if !sc.has(c.Owner) && s.Assignee != sc.User {
			continue
		}
		a := accounts[s.LeadID]
		if a == nil {
			acc := newServiceAccount(c.ID, c.Company, c.Owner)
			a = &acc
			accounts[s.LeadID] = a
		}
		for _, a := range []*ServiceAccount{a, &out.Total} {
			a.add(s, today, model.IdleDays(s.CreatedAt, b.Now))
		}
	}
	for _, a := range accounts {
		out.Accounts = append(out.Accounts, *a)
	}
	slices.SortFunc(out.Accounts, func(x, y ServiceAccount) int {
		switch {
		case x.OldestDays != y.OldestDays:
			return y.OldestDays - x.OldestDays
		case x.Overdue != y.Overdue:
			return y.Overdue - x.Overdue
		case x.Company != y.Company:
			return strings.Compare(x.Company, y.Company)
		}
		return strings.Compare(x.LeadID, y.LeadID)
	})
	return out
}

func newServiceAccount(id, company, owner string) ServiceAccount {
	a := ServiceAccount{LeadID: id, Company: company, Owner: owner, ByKind: make(map[string]int, len(model.ServiceKinds))}
	for _, k := range model.ServiceKinds {
		a.ByKind[k] = 0
	}
	return a
}

// add counts open order s, age days old, on the row.
func (a *ServiceAccount) add(s *model.ServiceOrder, today model.Date, age int) {
	a.ByKind[s.Kind]++
	a.Orders++
	if s.Status == model.ServiceScheduled {
		a.Scheduled++
	}
	if s.Assignee == "" {
		a.Queued++
	}
	if !s.Due.IsZero() && s.Due.Before(today) {
		a.Overdue++
	}
	a.OldestDays = max(a.OldestDays, age)
}

// Doc lays the open service work out for the terminal: one row per
// account, the oldest work first, and the total.
func (r ServiceWork) Doc(lang string, sc Scope) Doc {
	t := L(lang, "service") + " · " + fmt.Sprintf(L(lang, "as_of"), r.AsOf.String())
	if sc.User != "" {
		t += " · " + sc.User
	}
	d := Doc{Title: t}
	if r.Total.Orders == 0 {
		d.Parts = append(d.Parts, Part{Line: L(lang, "no_service")})
		return d
	}
	tb := &Table{Head: []string{L(lang, "company"), L(lang, "orders"), L(lang, "overdue"), L(lang, "oldest")}}
	for _, k := range r.Kinds {
		tb.Head = append(tb.Head, L(lang, "svc_"+k))
	}
	tb.Right = make([]bool, len(tb.Head))
	for i := 1; i < len(tb.Right); i++ {
		tb.Right[i] = true
	}
	row := func(a ServiceAccount, name string) []string {
		cells := []string{name, itoa(a.Orders), itoa(a.Overdue), itoa(a.OldestDays)}
		for _, k := range r.Kinds {
			cells = append(cells, itoa(a.ByKind[k]))
		}
		return cells
	}
	for _, a := range r.Accounts {
		tb.Rows = append(tb.Rows, row(a, a.Company))
	}
	tb.Rows = append(tb.Rows, row(r.Total, L(lang, "total")))
	d.Parts = append(d.Parts, Part{Line: L(lang, "service_note"), Table: tb})
	return d
}

// CSV is the open service work as a flat table, with each account's
// owner and queued orders, which the text leaves out for width.
func (r ServiceWork) CSV() *Table {
	t := &Table{Head: append(append([]string{"lead_id", "company", "owner"}, r.Kinds...),
		"orders", "scheduled", "queued", "overdue", "oldest_days")}
	for _, a := range append(append([]ServiceAccount(nil), r.Accounts...), r.Total) {
		name := a.Company
		if a.LeadID == "" {
			name = "total"
		}
		row := []string{a.LeadID, name, a.Owner}
		for _, k := range r.Kinds {
			row = append(row, itoa(a.ByKind[k]))
		}
		t.Rows = append(t.Rows, append(row, itoa(a.Orders), itoa(a.Scheduled), itoa(a.Queued), itoa(a.Overdue), itoa(a.OldestDays)))
	}
	return t
}
