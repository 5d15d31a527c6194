package exchange

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// openStoreHandoff opens a store with the default approval and hand-off
// rules (1,000,000 CNY needs approval; winning makes two orders and a
// support task).
func openStoreHandoff(t testing.TB, user string) *store.Store {
	t.Helper()
	rules := model.DefaultRules()
	rules.Location = time.UTC
	now := t0
	s, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "book.db"), User: user, Rules: &rules,
		Now: func() time.Time { now = now.Add(time.Second); return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fillDeals writes a big deal asked, rejected, asked again, approved
// twice at once (two decisions) and won, so handed off; one of its orders
// done and a complaint about it; and a second big deal with a request
// still waiting.
func fillDeals(t testing.TB, s *store.Store) (won, waiting string) {
	t.Helper()
	err := s.Update(func(tx *store.Tx) error {
		l := model.Lead{Company: "大单能源", Stage: "negotiation", Value: model.Money{Amount: 2_000_000_00, Currency: "CNY"},
			Contract: model.Contract{Number: "HT-2026-7"}}
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		a, err := tx.RequestApproval(l.ID, "第一次")
		if err != nil {
			return err
		}
		if _, err := tx.DecideApproval(a.ID, model.Rejected, "太贵"); err != nil {
			return err
		}
		b, err := tx.RequestApproval(l.ID, "second ask")
		if err != nil {
			return err
		}
		for _, v := range []string{model.Approved, model.Rejected, model.Approved} {
			if _, err := tx.DecideApproval(b.ID, v, "ok "+v); err != nil {
				return err
			}
		}
		if _, err := tx.MoveLead(l.ID, store.Move{Stage: model.StageWon}); err != nil {
			return err
		}
		orders, err := tx.ServicesOf(l.ID)
		if err != nil || len(orders) != 2 {
			t.Fatalf("hand-off: %d orders, %v", len(orders), err)
		}
		if _, err := tx.EditService(orders[0].ID, func(o *model.ServiceOrder) error {
			o.Status, o.Notes, o.SignedOffBy = model.ServiceDone, "装好了", "李工"
			return nil
		}); err != nil {
			return err
		}
		c := model.Complaint{LeadID: l.ID, Severity: "high", Description: "安装后漏液", ServiceID: orders[0].ID}
		if err := tx.AddComplaint(&c); err != nil {
			return err
		}
		w := model.Lead{Company: "待批科技", Stage: "negotiation", Value: model.Money{Amount: 5_000_000_00, Currency: "CNY"}}
		if err := tx.AddLead(&w); err != nil {
			return err
		}
		if _, err := tx.RequestApproval(w.ID, ""); err != nil {
			return err
		}
		won, waiting = l.ID, w.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return won, waiting
}

func TestJSONRoundTripKeepsApprovalsAndServiceOrders(t *testing.T) {
	src := openStoreHandoff(t, "ann")
	won, waiting := fillDeals(t, src)
	first := exportTo(t, src, ExportOptions{Format: ExportJSON})
	d, err := ReadDump(first)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != DumpVersion || len(d.Approvals) != 3 || len(d.Services) != 2 || len(d.Complaints) != 1 {
		t.Fatalf("dump v%d: %d approvals, %d services, %d complaints", d.Version, len(d.Approvals), len(d.Services), len(d.Complaints))
	}

	dst := openStoreHandoff(t, "zoe")
	rep := importString(t, dst, "book.json", string(first), Options{})
	if rep.New != 2 || rep.Invalid != 0 || rep.Approvals != 3 || rep.Services != 2 || rep.Complaints != 1 || rep.WonNoHandoff != 0 {
		t.Fatalf("import report %+v", rep)
	}
	second := exportTo(t, dst, ExportOptions{Format: ExportJSON})
	if a, b := bookJSON(t, first), bookJSON(t, second); a != b {
		t.Fatalf("the book changed on the round trip:\n--- before\n%s\n--- after\n%s", a, b)
	}
	// What the book makes of them: the same verdicts, the same queue.
	err = dst.View(func(tx *store.Tx) error {
		reqs, err := tx.ApprovalsOf(won)
		if err != nil {
			return err
		}
		if len(reqs) != 2 || reqs[0].Status() != model.Rejected || reqs[1].Status() != model.Approved || len(reqs[1].Decisions) != 3 {
			t.Errorf("won deal's requests = %+v", reqs)
		}
		if pending, _ := tx.Approvals(true); len(pending) != 1 || pending[0].LeadID != waiting {
			t.Errorf("pending = %+v", pending)
		}
		if open, _ := tx.Services(true); len(open) != 1 || open[0].LeadID != won {
			t.Errorf("open orders = %+v", open)
		}
		tasks, _ := tx.TasksOf(won)
		if len(tasks) != 1 || tasks[0].Queue != model.QueueSupport {
			t.Errorf("support task = %+v", tasks)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Again into the same book: nothing new, no op written.
	before := outboxLen(t, dst)
	rep = importString(t, dst, "book.json", string(first), Options{})
	if got := counts(rep); got != [5]int{0, 0, 2, 0, 0} || rep.Approvals+rep.Services+rep.Complaints+rep.Tasks != 0 {
		t.Fatalf("re-import report %+v", rep)
	}
	if n := outboxLen(t, dst) - before; n != 0 {
		t.Fatalf("re-import wrote %d ops", n)
	}
	// And into the book it came from: nothing either.
	before = outboxLen(t, src)
	if rep = importString(t, src, "book.json", string(first), Options{}); rep.Approvals+rep.Services != 0 || outboxLen(t, src) != before {
		t.Fatalf("import into the source: %+v", rep)
	}
}

// An export made before approvals and service orders (version 1, without
// the lists) still imports; its won lead gets no hand-off and the report
// counts it.
func TestVersion1ExportStillImports(t *testing.T) {
	src := openStoreHandoff(t, "ann")
	fillDeals(t, src)
	var v1 map[string]any
	if err := json.Unmarshal(exportTo(t, src, ExportOptions{Format: ExportJSON}), &v1); err != nil {
		t.Fatal(err)
	}
	v1["version"] = 1
	delete(v1, "approvals")
	delete(v1, "services")
	for _, c := range v1["complaints"].([]any) {
		delete(c.(map[string]any), "service_id")
	}
	old, err := json.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	dst := openStoreHandoff(t, "ann")
	rep := importString(t, dst, "old.json", string(old), Options{})
	if rep.New != 2 || rep.Invalid != 0 || rep.Approvals != 0 || rep.Services != 0 || rep.WonNoHandoff != 1 {
		t.Fatalf("import of a version 1 export: %+v", rep)
	}
	dst.View(func(tx *store.Tx) error {
		if s, _ := tx.Services(false); len(s) != 0 {
			t.Errorf("a version 1 import handed off: %+v", s)
		}
		return nil
	})
	// A newer version is refused with a sentence.
	v1["version"] = DumpVersion + 1
	newer, _ := json.Marshal(v1)
	if _, err := Import(dst, newer, "new.json", Options{RejectsPath: "-"}); err == nil || !strings.Contains(err.Error(), "update it") {
		t.Errorf("a newer export: %v", err)
	}
}

// A spreadsheet's won rows are deals won elsewhere: imported without a
// hand-off (and a warning when the rules would have asked an approval);
// a row that moves a lead already in the book to won is gated as a move
// is, refused as one row with the reason, and the rest imports.
func TestSpreadsheetWonRowsMakeNoHandoff(t *testing.T) {
	s := openStoreHandoff(t, "ann")
	var big, small model.Lead
	err := s.Update(func(tx *store.Tx) error {
		big = model.Lead{Company: "已有大单", Stage: "negotiation", Value: model.Money{Amount: 3_000_000_00, Currency: "CNY"}}
		small = model.Lead{Company: "已有小单", Stage: "negotiation", Value: model.Money{Amount: 80_000_00, Currency: "CNY"}}
		if err := tx.AddLead(&big); err != nil {
			return err
		}
		return tx.AddLead(&small)
	})
	if err != nil {
		t.Fatal(err)
	}
	csv := "ID,Company,Stage,Value\n" +
		",历史大客户,won,2000000\n" +
		",历史小客户,won,50000\n" +
		big.ID + ",已有大单,won,3000000\n" +
		small.ID + ",已有小单,won,80000\n" +
		",新线索,prospect,100\n"
	rep := importString(t, s, "won.csv", csv, Options{})
	if rep.New != 3 || rep.Updated != 1 || rep.Invalid != 1 || rep.WonNoHandoff != 3 || rep.Warned != 1 {
		t.Fatalf("report %+v", rep)
	}
	if p := rep.Problems[0]; p.Row != 4 || p.Column != "Stage" || !strings.Contains(p.Reason, "needs approval before it can be won") {
		t.Errorf("problem = %+v", p)
	}
	if w := rep.Warnings[0]; w.Row != 2 || !strings.Contains(w.Reason, "no hand-off") {
		t.Errorf("warning = %+v", w)
	}
	s.View(func(tx *store.Tx) error {
		if orders, _ := tx.Services(false); len(orders) != 0 {
			t.Errorf("the import handed off %d orders", len(orders))
		}
		if l, _ := tx.Lead(big.ID); l.Stage != "negotiation" {
			t.Errorf("the refused row moved the lead to %s", l.Stage)
		}
		return nil
	})
}

// FuzzImportDump imports mutated JSON exports holding approval requests
// and service orders into a fresh book: an import never panics, and what
// it writes reads back (the book exports again, every request and order
// on a lead of the book).
func FuzzImportDump(f *testing.F) {
	src := openStoreHandoff(f, "ann")
	fillDeals(f, src)
	f.Add(exportTo(f, src, ExportOptions{Format: ExportJSON}))
	f.Add([]byte(`{"format":"fieldcrm","version":2,"leads":[],"approvals":[{"id":"a","lead_id":"x"}],"services":[{"id":"s"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dst := openStoreHandoff(t, "zoe")
		if _, err := Import(dst, data, "book.json", Options{Format: FormatJSON, RejectsPath: "-"}); err != nil {
			return
		}
		d, err := ReadDump(exportTo(t, dst, ExportOptions{Format: ExportJSON}))
		if err != nil {
			t.Fatalf("the imported book does not export: %v", err)
		}
		leads := map[string]bool{}
		for _, l := range d.Leads {
			leads[l.ID] = true
		}
		for _, a := range d.Approvals {
			if !leads[a.LeadID] {
				t.Fatalf("request %s on lead %s, which is not in the book", a.ID, a.LeadID)
			}
		}
		for _, s := range d.Services {
			if !leads[s.LeadID] {
				t.Fatalf("order %s on lead %s, which is not in the book", s.ID, s.LeadID)
			}
		}
	})
}
