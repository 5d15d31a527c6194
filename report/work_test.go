package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// at is a UTC instant of 2026/2027.
func at(m time.Month, d, h int) time.Time { return time.Date(2027, m, d, h, 0, 0, 0, time.UTC) }

// workBook is the hand-computed book of the approval and service tests.
// Now is 2027-03-15 noon UTC.
func workBook() *Book {
	decide := func(by, verdict string, t time.Time, node string) model.Decision {
		return model.Decision{ID: by + node + t.String(), HLC: model.HLC{Wall: t.UnixMilli(), Node: node}, Verdict: verdict, By: by, At: t}
	}
	req := func(id, by string, t time.Time, ds ...model.Decision) model.Approval {
		return model.Approval{ID: id, LeadID: "L-" + id, RequestedBy: by, RequestedAt: t, Decisions: ds}
	}
	// The concurrent pair on A3: both stamped with the same wall time by
	// two devices; the tie goes to node "b", zhao's rejection at 09:00.
	pair := at(2, 11, 10).UnixMilli()
	a3 := req("A3", "bob", at(2, 10, 10),
		model.Decision{ID: "d3a", HLC: model.HLC{Wall: pair, Node: "a"}, Verdict: model.Approved, By: "wang", At: at(2, 11, 10)},
		model.Decision{ID: "d3b", HLC: model.HLC{Wall: pair, Node: "b"}, Verdict: model.Rejected, By: "zhao", At: at(2, 11, 9)})
	deleted := req("A8", "ann", at(2, 1, 8), decide("wang", model.Approved, at(2, 1, 9), "a"))
	deleted.Deleted = true
	return &Book{
		Now: at(3, 15, 12), Loc: time.UTC, Pipeline: model.DefaultPipeline(),
		Leads: []store.Card{
			{ID: "L1", Company: "华北能源有限公司", Owner: "ann", Stage: model.StageWon},
			{ID: "L2", Company: "Acme Steel Ltd.", Owner: "bob", Stage: model.StageWon},
			{ID: "L3", Company: "Quiet Co", Owner: "ann", Stage: model.StageWon},
		},
		Approvals: []model.Approval{
			req("A1", "ann", at(1, 10, 9), decide("wang", model.Approved, at(1, 10, 15), "a")), // 6 h
			req("A2", "ann", at(2, 1, 8), decide("wang", model.Rejected, at(2, 3, 8), "a")),    // 48 h
			a3, // 23 h, rejected by zhao
			req("A4", "bob", at(3, 1, 12), decide("wang", model.Approved, at(3, 5, 12), "a")), // 96 h
			req("A5", "bob", at(3, 14, 12)), // pending 24 h
			req("A6", "ann", at(3, 15, 0)),  // pending 12 h
			req("A7", "ann", at(0, 20, 9), decide("wang", model.Approved, at(0, 21, 9), "a")), // 2026-12-20: before Q1
			deleted, // deleted
			req("A10", "bob", at(1, 20, 10), decide("wang", model.Approved, at(1, 20, 9), "a")), // decided "before" asked: 0 h
		},
		Services: []model.ServiceOrder{
			{ID: "S1", LeadID: "L1", Kind: model.ServiceInstall, Status: model.ServiceOpen, CreatedAt: at(3, 1, 12), Due: model.Date{Y: 2027, M: 3, D: 10}},
			{ID: "S2", LeadID: "L1", Kind: model.ServiceCommissioning, Status: model.ServiceScheduled, Assignee: "lin", CreatedAt: at(3, 5, 12), Due: model.Date{Y: 2027, M: 3, D: 20}},
			{ID: "S3", LeadID: "L1", Kind: model.ServiceTraining, Status: model.ServiceDone, CreatedAt: at(1, 5, 12)},
			{ID: "S4", LeadID: "L2", Kind: model.ServiceRepair, Status: model.ServiceOpen, Assignee: "lin", CreatedAt: at(2, 13, 13), Due: model.Date{Y: 2027, M: 3, D: 14}},
			{ID: "S5", LeadID: "L2", Kind: model.ServiceMaintenance, Status: model.ServiceOpen, CreatedAt: at(3, 15, 6)},
			{ID: "S6", LeadID: "L2", Kind: model.ServiceInstall, Status: model.ServiceCancelled, CreatedAt: at(1, 5, 12)},
			{ID: "S7", LeadID: "L3", Kind: model.ServiceInstall, Status: model.ServiceOpen, CreatedAt: at(1, 5, 12), Deleted: true},
			{ID: "S8", LeadID: "L-gone", Kind: model.ServiceInstall, Status: model.ServiceOpen, CreatedAt: at(1, 5, 12)},
			{ID: "S9", LeadID: "L1", Kind: model.ServiceRepair, Status: model.ServiceOpen, Assignee: "kai", CreatedAt: at(3, 14, 12), Due: model.Date{Y: 2027, M: 3, D: 15}},
		},
	}
}

func hoursAre(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || !near(*got, want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

// TestApprovalTurnaround: Q1 2027 has seven live requests (A7 is of
// December, A8 deleted). Decided: A1 6 h, A2 48 h, A3 23 h (zhao's
// rejection is in force over wang's approval: same wall time, node b
// wins), A4 96 h, A10 0 h (its decision is stamped an hour before the
// request): sorted 0 6 23 48 96, median 23, nearest-rank p90 the 5th
// of 5 (ceil 4.5), 96.
func TestApprovalTurnaround(t *testing.T) {
	r := ComputeApprovals(workBook(), Quarter(2027, 1), Scope{})
	tot := r.Total
	if tot.Requests != 7 || tot.Approved != 3 || tot.Rejected != 2 || tot.Pending != 2 {
		t.Errorf("total %+v", tot)
	}
	hoursAre(t, "median", tot.MedianHours, 23)
	hoursAre(t, "p90", tot.P90Hours, 96)
	// ann: A1 A2 A6; hours 6 48: median 27, p90 the 2nd of 2. bob: A3
	// A4 A5 A10; hours 0 23 96: median 23, p90 the 3rd of 3.
	if len(r.Reps) != 2 {
		t.Fatalf("reps %+v", r.Reps)
	}
	ann, bob := r.Reps[0], r.Reps[1]
	if ann.User != "ann" || ann.Requests != 3 || ann.Approved != 1 || ann.Rejected != 1 || ann.Pending != 1 {
		t.Errorf("ann %+v", ann)
	}
	hoursAre(t, "ann's median", ann.MedianHours, 27)
	hoursAre(t, "ann's p90", ann.P90Hours, 48)
	if bob.User != "bob" || bob.Requests != 4 || bob.Approved != 2 || bob.Rejected != 1 || bob.Pending != 1 {
		t.Errorf("bob %+v", bob)
	}
	hoursAre(t, "bob's median", bob.MedianHours, 23)
	hoursAre(t, "bob's p90", bob.P90Hours, 96)
	// wang: A1 A2 A4 A10 (0 6 48 96: median 27, p90 the 4th of 4);
	// zhao: A3 alone.
	if len(r.Approvers) != 2 {
		t.Fatalf("approvers %+v", r.Approvers)
	}
	wang, zhao := r.Approvers[0], r.Approvers[1]
	if wang.User != "wang" || wang.Requests != 4 || wang.Approved != 3 || wang.Rejected != 1 || wang.Pending != 0 {
		t.Errorf("wang %+v", wang)
	}
	hoursAre(t, "wang's median", wang.MedianHours, 27)
	hoursAre(t, "wang's p90", wang.P90Hours, 96)
	if zhao.User != "zhao" || zhao.Requests != 1 || zhao.Rejected != 1 {
		t.Errorf("zhao %+v", zhao)
	}
	hoursAre(t, "zhao's median", zhao.MedianHours, 23)
	if r.Revised != 1 {
		t.Errorf("revised %d, want 1 (A3)", r.Revised)
	}
	hoursAre(t, "oldest pending", r.OldestPendingHours, 24) // A5, asked yesterday noon

	// bob's scope: his requests only, and who decided them.
	b := ComputeApprovals(workBook(), Quarter(2027, 1), Scope{User: "bob"})
	if len(b.Reps) != 1 || b.Total.Requests != 4 || len(b.Approvers) != 2 || b.Approvers[0].Requests != 2 {
		t.Errorf("bob's scope: %+v", b)
	}
	hoursAre(t, "bob's wang median", b.Approvers[0].MedianHours, 48)
	// March alone: A4 decided, A5 and A6 pending.
	m := ComputeApprovals(workBook(), Month(2027, 3), Scope{})
	if m.Total.Requests != 3 || m.Total.Pending != 2 || m.Revised != 0 {
		t.Errorf("March %+v", m.Total)
	}
	hoursAre(t, "March median", m.Total.MedianHours, 96)
	// A year with none: no figures, one sentence.
	none := ComputeApprovals(workBook(), Year(2025), Scope{})
	if none.Total.Requests != 0 || none.Total.MedianHours != nil || none.OldestPendingHours != nil || len(none.Reps) != 0 {
		t.Errorf("2025: %+v", none)
	}
	if text := none.Doc("en", Scope{}).Text(80); !strings.Contains(text, L("en", "no_requests")) {
		t.Errorf("2025 text:\n%s", text)
	}
}

func TestPercentile(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{[]float64{5}, 90, 5},
		{[]float64{1, 2}, 90, 2},
		{[]float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, 90, 9},      // the 9th of 10
		{[]float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5, 11}, 90, 10}, // ceil 9.9: the 10th of 11
		{[]float64{3, 1, 2}, 50, 2},
	} {
		if got := percentile(append([]float64(nil), c.xs...), c.q); got != c.want {
			t.Errorf("p%v of %v = %v, want %v", c.q, c.xs, got, c.want)
		}
	}
}

// TestServiceWork: open and scheduled orders only (S3 done, S6
// cancelled, S7 deleted, S8 of a lead the book does not hold). L2 first:
// S4 was opened 29 days 23 hours ago (29 days); L1's oldest is S1, 14
// days. Overdue: S1 (due 03-10) and S4 (03-14); S9, due today, is not.
func TestServiceWork(t *testing.T) {
	r := ComputeService(workBook(), Scope{})
	if r.AsOf != (model.Date{Y: 2027, M: 3, D: 15}) || len(r.Accounts) != 2 {
		t.Fatalf("as of %v, accounts %+v", r.AsOf, r.Accounts)
	}
	l2, l1 := r.Accounts[0], r.Accounts[1]
	if l2.LeadID != "L2" || l2.Orders != 2 || l2.OldestDays != 29 || l2.Overdue != 1 || l2.Queued != 1 || l2.Scheduled != 0 ||
		l2.ByKind[model.ServiceRepair] != 1 || l2.ByKind[model.ServiceMaintenance] != 1 || l2.ByKind[model.ServiceInstall] != 0 {
		t.Errorf("L2 %+v", l2)
	}
	if l1.LeadID != "L1" || l1.Company != "华北能源有限公司" || l1.Owner != "ann" || l1.Orders != 3 || l1.OldestDays != 14 ||
		l1.Overdue != 1 || l1.Queued != 1 || l1.Scheduled != 1 || l1.ByKind[model.ServiceTraining] != 0 {
		t.Errorf("L1 %+v", l1)
	}
	tot := r.Total
	want := map[string]int{model.ServiceInstall: 1, model.ServiceCommissioning: 1, model.ServiceMaintenance: 1, model.ServiceRepair: 2, model.ServiceTraining: 0}
	if tot.Orders != 5 || tot.Overdue != 2 || tot.Queued != 2 || tot.Scheduled != 1 || tot.OldestDays != 29 || len(tot.ByKind) != 5 {
		t.Errorf("total %+v", tot)
	}
	for k, n := range want {
		if tot.ByKind[k] != n {
			t.Errorf("total %s: %d, want %d", k, tot.ByKind[k], n)
		}
	}
	// ann owns L1; lin is assigned S2 (on L1) and S4 (on L2).
	if ann := ComputeService(workBook(), Scope{User: "ann"}); len(ann.Accounts) != 1 || ann.Total.Orders != 3 {
		t.Errorf("ann's %+v", ann.Accounts)
	}
	lin := ComputeService(workBook(), Scope{User: "lin"})
	if len(lin.Accounts) != 2 || lin.Accounts[0].LeadID != "L2" || lin.Accounts[0].Orders != 1 || lin.Accounts[1].OldestDays != 10 || lin.Total.Orders != 2 {
		t.Errorf("lin's %+v", lin.Accounts)
	}
	if none := ComputeService(workBook(), Scope{User: "nobody"}); len(none.Accounts) != 0 || none.Total.Orders != 0 ||
		!strings.Contains(none.Doc("zh", Scope{User: "nobody"}).Text(80), L("zh", "no_service")) {
		t.Errorf("nobody's %+v", none)
	}
}

// TestWorkReportsJSON: the field names scripts read.
func TestWorkReportsJSON(t *testing.T) {
	b := workBook()
	for _, c := range []struct {
		data any
		want []string
	}{
		{ComputeApprovals(b, Quarter(2027, 1), Scope{}), []string{`"period":{"from":"2027-01-01"`, `"reps":[{"user":"ann","requests":3,"approved":1,"rejected":1,"pending":1,"median_hours":27,"p90_hours":48}`,
			`"approvers":[{"user":"wang","requests":4,"approved":3,"rejected":1,"pending":0,"median_hours":27,"p90_hours":96}`,
			`"total":{"requests":7,"approved":3,"rejected":2,"pending":2,"median_hours":23,"p90_hours":96}`, `"revised":1`, `"oldest_pending_hours":24`}},
		{ComputeService(b, Scope{}), []string{`"as_of":"2027-03-15"`, `"kinds":["install","commissioning","maintenance","repair","training"]`,
			`{"lead_id":"L2","company":"Acme Steel Ltd.","owner":"bob","by_kind":{"commissioning":0,"install":0,"maintenance":1,"repair":1,"training":0},"orders":2,"scheduled":0,"queued":1,"overdue":1,"oldest_days":29}`,
			`"total":{"by_kind":{"commissioning":1,"install":1,"maintenance":1,"repair":2,"training":0},"orders":5,"scheduled":1,"queued":2,"overdue":2,"oldest_days":29}`}},
	} {
		data, err := json.Marshal(c.data)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("JSON lacks %s:\n%s", w, data)
			}
		}
	}
}

// TestWorkReportsAlignInBothLanguages: every line within the width, and
// the numbers of each row end in the same column as their heading, with
// Chinese companies and headings two cells a character.
func TestWorkReportsAlignInBothLanguages(t *testing.T) {
	b := workBook()
	for _, lang := range []string{"en", "zh"} {
		docs := []Doc{
			ComputeApprovals(b, Quarter(2027, 1), Scope{}).Doc(lang, Scope{}),
			ComputeService(b, Scope{}).Doc(lang, Scope{}),
		}
		for _, width := range []int{120, 80, 50} {
			for _, d := range docs {
				text := d.Text(width)
				for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
					if w := Width(line); w > width {
						t.Errorf("%s at %d: a line of %d cells: %q", lang, width, w, line)
					}
				}
			}
		}
		// At 120 nothing is cut: check the right edges of each column.
		svc := strings.Split(docs[1].Text(120), "\n")
		head := svc[2]
		var l1 string
		for _, l := range svc {
			if strings.HasPrefix(l, "华北能源有限公司") {
				l1 = l
			}
		}
		if l1 == "" {
			t.Fatalf("%s: no row for 华北能源有限公司:\n%s", lang, docs[1].Text(120))
		}
		// The row's "3" (open orders) ends where the heading's "Open" does.
		if end, hend := cellEnd(l1, 1), cellEnd(head, 1); end != hend {
			t.Errorf("%s: open orders end at cell %d, heading at %d:\n%s\n%s", lang, end, hend, head, l1)
		}
		if end, hend := cellEnd(l1, 3), cellEnd(head, 3); end != hend {
			t.Errorf("%s: oldest ends at cell %d, heading at %d:\n%s\n%s", lang, end, hend, head, l1)
		}
		ap := docs[0].Text(120)
		for _, want := range []string{L(lang, "approvals") + " · 2027-Q1", L(lang, "by_approver"), "zhao", "27.0", "96.0",
			fmt.Sprintf(L(lang, "revised"), 1), fmt.Sprintf(L(lang, "oldest_pending"), 2, "24.0")} {
			if !strings.Contains(ap, want) {
				t.Errorf("%s: approvals lack %q:\n%s", lang, want, ap)
			}
		}
	}
}

// cellEnd is the display cell where the n-th field (from 0; fields are
// separated by two spaces or more) of a table line ends; -1: no such field.
func cellEnd(line string, n int) int {
	var ends []int
	w, last, spaces := 0, -1, 0
	for _, r := range line {
		rw := Width(string(r))
		if r == ' ' {
			spaces++
			if spaces == 2 && last >= 0 {
				ends = append(ends, last)
				last = -1
			}
		} else {
			spaces, last = 0, w+rw
		}
		w += rw
	}
	if last >= 0 {
		ends = append(ends, last)
	}
	if n >= len(ends) {
		return -1
	}
	return ends[n]
}
