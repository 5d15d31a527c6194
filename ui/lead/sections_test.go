package lead

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// wonPage is a won account with two requests (the first rejected, then
// approved by a second approver at once, the rejection overruled) and
// two service orders: one in the after-sales queue, one done and signed
// off.
func wonPage() Page {
	day := 24 * time.Hour
	now := uitest.Now
	return Page{
		Lead: model.Lead{ID: "w", Company: "Evergreen Utilities", Stage: model.StageWon,
			Value: model.Money{Amount: 1_800_000_00, Currency: "CNY"}},
		Approvals: []model.Approval{{ID: "a1", LeadID: "w", RequestedBy: "wang", RequestedAt: now.Add(-5 * day),
			Value: model.Money{Amount: 1_800_000_00, Currency: "CNY"}, Reasons: []string{model.ReasonValue}, Note: "Three sites",
			Decisions: []model.Decision{
				{ID: "d1", HLC: model.HLC{Wall: now.Add(-4 * day).UnixMilli(), Node: "a"}, Verdict: model.Rejected, By: "zhao", At: now.Add(-4 * day), Note: "Price"},
				{ID: "d2", HLC: model.HLC{Wall: now.Add(-4 * day).UnixMilli(), Node: "b"}, Verdict: model.Approved, By: "li", At: now.Add(-4 * day)},
			}}},
		Services: []model.ServiceOrder{
			{ID: "s1", LeadID: "w", Kind: model.ServiceInstall, Status: model.ServiceOpen, Due: model.DateOf(now.Add(10 * day))},
			{ID: "s2", LeadID: "w", Kind: model.ServiceTraining, Status: model.ServiceDone, Assignee: "lin",
				SignedOffBy: "Carol Jones", SignedOffAt: now.Add(-day), Notes: "Trained six operators\nall passed"},
		},
	}
}

// TestApprovalsAndServiceOrdersSections: the lead screen shows each
// request's status, figures, reasons and note, the decision in force
// and the one overruled; each service order's kind, status, assignee or
// queue, due day and sign-off; in both languages.
func TestApprovalsAndServiceOrdersSections(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"Approvals", "Status: approved", "Value 1,800,000.00 CNY", "Needs approval: value of 1,000,000.00 CNY or more",
			"Note: Three sites", "approved by li on 2026-11-23 10:00 (in force)", "rejected by zhao on 2026-11-23 10:00 (overruled): Price",
			"Service orders", "installation · open · after-sales queue · due 2026-12-07", "training · done · lin",
			"signed off by Carol Jones on 2026-11-26", "Visit notes: Trained six operators"},
		"zh": {"审批", "状态：已批准", "需审批原因：金额达到 1,000,000.00 CNY", "已批准：li，2026-11-23 10:00（生效）",
			"已驳回：zhao，2026-11-23 10:00（已被推翻）：Price", "售后服务单", "安装 · 待处理 · 售后队列 · 2026-12-07 到期",
			"培训 · 已完成 · lin", "客户 Carol Jones 于 2026-11-26 签字确认", "上门记录: Trained six operators"},
	} {
		m := New(uitest.Common(uitest.Store(t), lang, 120, 60), nil, &fakeBook{pages: map[string]Page{"w": wonPage()}})
		m.SetSize(120, 58)
		v := uitest.Plain(open(t, m, "w").View())
		for _, w := range want {
			if !strings.Contains(v, w) {
				t.Errorf("%s: %q is not on the lead screen:\n%s", lang, w, v)
			}
		}
	}
}

// TestApprovalAndServiceKeys: a asks for approval, s adds a service order
// on a won account and refuses elsewhere with a sentence, S records work
// on an order.
func TestApprovalAndServiceKeys(t *testing.T) {
	st := uitest.Store(t)
	bk, ids := fake(t, st)
	bk.pages["w"] = wonPage()
	m := New(uitest.Common(st, "en", 100, 30), nil, bk)
	m.SetSize(100, 28)
	m = open(t, m, ids[2]) // Granite Steel Group, qualified
	_, cmd := m.Update(uitest.Key("a"))
	if _, ok := cmd().(forms.BookMsg); !ok {
		t.Fatal("a does not ask the book for the request form")
	}
	_, cmd = m.Update(uitest.Key("s"))
	if e, ok := cmd().(common.ErrMsg); !ok || e.Err.Error() != "Service orders are for won accounts." {
		t.Fatalf("s on a lead not won: %#v", e)
	}
	m = open(t, m, "w")
	_, cmd = m.Update(uitest.Key("s"))
	if o, ok := cmd().(forms.OpenMsg); !ok || !strings.Contains(uitest.Plain(o.Form.View()), "New service order for Evergreen Utilities") {
		t.Fatalf("s on a won account: %#v", o)
	}
	_, cmd = m.Update(uitest.Key("S"))
	if _, ok := cmd().(forms.BookMsg); !ok {
		t.Fatal("S does not ask the book for the service form")
	}
}

// TestNeedsApprovalHintOnlyBeforeTheDealIsClosed: a deal over the limit
// with no request says a asks while it is open; won or lost, it says
// nothing about approval.
func TestNeedsApprovalHintOnlyBeforeTheDealIsClosed(t *testing.T) {
	for stage, want := range map[string]bool{"negotiation": true, model.StageWon: false, model.StageLost: false} {
		p := Page{Lead: model.Lead{ID: "x", Company: "Big Deal Co", Stage: stage, Value: model.Money{Amount: 2_000_000_00, Currency: "CNY"}}}
		m := New(uitest.Common(uitest.Store(t), "en", 100, 40), nil, &fakeBook{pages: map[string]Page{"x": p}})
		m.SetSize(100, 38)
		v := uitest.Plain(open(t, m, "x").View())
		if got := strings.Contains(v, "Needs approval to be won (value of 1,000,000.00 CNY or more); a asks."); got != want {
			t.Errorf("%s: the hint shows %v, want %v:\n%s", stage, got, want, v)
		}
	}
}
