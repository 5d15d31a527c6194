package ui_test

import (
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/approvals"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
	"github.com/fieldcrm/fieldcrm/ui/lead"
)

// BenchmarkOpenInbox reads the approvals inbox of the 10,000-lead demo
// book (every request, and the card of each one's lead) and draws its
// first frame at 160x48: what 5 costs.
func BenchmarkOpenInbox(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	for b.Loop() {
		m := approvals.New(c, nil, ui.NewBook(c.Data))
		m.SetSize(160, 46)
		m, _ = m.Update(m.Load()())
		_ = m.View()
	}
	in, err := ui.NewBook(c.Data).Inbox()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(in.Requests)), "requests")
}

// BenchmarkLeadPageWithApprovals reads a won lead of the demo book as the
// lead screen does, now with its requests and service orders.
func BenchmarkLeadPageWithApprovals(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	var id string
	err := st.View(func(tx *store.Tx) error {
		ss, err := tx.Services(false)
		if len(ss) > 0 {
			id = ss[0].LeadID
		}
		return err
	})
	if err != nil || id == "" {
		b.Fatalf("no won lead with service orders in the demo book: %v", err)
	}
	bk := ui.NewBook(c.Data)
	var p lead.Page
	for b.Loop() {
		if p, err = bk.LeadPage(id, 200); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Approvals)+len(p.Services)), "requests+orders")
}

// BenchmarkInboxKeyToFrame moves the selection down the inbox of the
// demo book and draws the frame: what one key costs on the page.
func BenchmarkInboxKeyToFrame(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	m := approvals.New(c, nil, ui.NewBook(c.Data))
	m.SetSize(160, 46)
	m, _ = m.Update(m.Load()())
	j, k := uitest.Key("j"), uitest.Key("k")
	n := 0
	for b.Loop() {
		key := j
		if n++; n%400 >= 200 { // down 200 rows, up 200, ...
			key = k
		}
		m, _ = m.Update(key)
		_ = m.View()
	}
}
