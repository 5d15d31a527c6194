package exchange

import (
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// matcher finds existing leads by id, normalised company, e-mail and phone.
type matcher struct {
	ids                   map[string]bool
	company, email, phone map[string]string
	touched               map[string]bool // leads an earlier row created or changed
	cols                  []Column        // the file's columns, to name them in problems
}

func newMatcher(st *store.Store) (*matcher, error) {
	m := &matcher{ids: map[string]bool{}, company: map[string]string{}, email: map[string]string{}, phone: map[string]string{}, touched: map[string]bool{}}
	err := st.View(func(tx *store.Tx) error {
		leads, err := tx.Leads(store.LeadFilter{})
		if err != nil {
			return err
		}
		for i := range leads {
			m.add(&leads[i])
		}
		return nil
	})
	return m, err
}

func (m *matcher) add(l *model.Lead) {
	m.ids[l.ID] = true
	k := KeysOf(l)
	if k.Company != "" {
		if _, ok := m.company[k.Company]; !ok {
			m.company[k.Company] = l.ID
		}
	}
	for _, e := range k.Emails {
		if _, ok := m.email[e]; !ok {
			m.email[e] = l.ID
		}
	}
	for _, p := range k.Phones {
		if _, ok := m.phone[p]; !ok {
			m.phone[p] = l.ID
		}
	}
}

// match returns the lead a row is about, and how it was found: by id,
// then company, e-mail, phone.
func (m *matcher) match(r *rowData) (string, string) {
	if r.matchID != "" && m.ids[r.matchID] {
		return r.matchID, "id"
	}
	k := KeysOf(&r.lead)
	if id, ok := m.company[k.Company]; ok && k.Company != "" {
		return id, "company name"
	}
	for _, e := range k.Emails {
		if id, ok := m.email[e]; ok {
			return id, "e-mail"
		}
	}
	for _, p := range k.Phones {
		if id, ok := m.phone[p]; ok {
			return id, "phone"
		}
	}
	return "", ""
}
