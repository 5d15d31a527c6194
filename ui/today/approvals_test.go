package today

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// approvalsReview has a follow-up and one item in each of issue 16's
// sections.
func approvalsReview() store.TodayReport {
	day := model.DateOf(uitest.Now)
	return store.TodayReport{Date: day, Sections: []store.TodaySection{
		{Key: store.SectionToday, Items: []store.TodayItem{{Section: store.SectionToday, LeadID: "l0", Company: "Acme", Stage: "qualified", Action: "Call", Due: day, TaskID: "t0"}}},
		{Key: store.SectionApprovals, Items: []store.TodayItem{{Section: store.SectionApprovals, LeadID: "l1", Company: "Northwind Foods", Stage: "negotiation", Due: day, ApprovalID: "a1"}}},
		{Key: store.SectionDecisions, Items: []store.TodayItem{{Section: store.SectionDecisions, LeadID: "l2", Company: "Granite Steel Group", Stage: "qualified", Action: model.Rejected, Due: day, ApprovalID: "a2"}}},
		{Key: store.SectionService, Items: []store.TodayItem{{Section: store.SectionService, LeadID: "l3", Company: "Evergreen Utilities", Stage: "won", Action: model.ServiceInstall, Due: day.AddDays(3), ServiceID: "s3"}}},
	}}
}

// TestApprovalAndServiceSections: the new sections show in words in both
// languages (the verdict, the kind of service, a request without a
// note), the section keys reach them, enter on a request opens it in the
// inbox, and d on service work opens the service form for that order.
func TestApprovalAndServiceSections(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"Approvals to decide (1)", "approval requested", "Decisions on my requests (1)", "rejected", "Service work (1)", "installation"},
		"zh": {"待我审批 (1)", "申请审批", "我的审批结果 (1)", "已驳回", "售后服务工作 (1)", "安装"},
	} {
		bk := &fakeBook{reps: []store.TodayReport{approvalsReview()}}
		m := New(uitest.Common(nil, lang, 80, 24), nil, bk)
		m.SetSize(80, 22)
		m, _ = m.Update(m.Load()())
		v := uitest.Plain(m.View())
		uitest.CheckWidths(t, m.View(), 80, 22)
		for _, w := range want {
			if !strings.Contains(v, w) {
				t.Fatalf("%s: %q is not in the review:\n%s", lang, w, v)
			}
		}
		m = press(m, uitest.Key("tab"))
		if it, _ := m.Selected(); it.ApprovalID != "a1" {
			t.Fatalf("%s: tab went to %+v", lang, it)
		}
		for _, k := range []string{"enter", "d"} {
			_, cmd := m.Update(uitest.Key(k))
			if o, ok := cmd().(common.OpenApprovalMsg); !ok || o.ID != "a1" {
				t.Fatalf("%s: %s on a request: %#v", lang, k, o)
			}
		}
		m = press(m, uitest.Key("tab"), uitest.Key("tab"))
		if it, _ := m.Selected(); it.ServiceID != "s3" {
			t.Fatalf("%s: tab went to %+v", lang, it)
		}
		_, cmd := m.Update(uitest.Key("d"))
		if _, ok := cmd().(forms.BookMsg); !ok {
			t.Fatalf("%s: d on service work does not open the service form", lang)
		}
		_, cmd = m.Update(uitest.Key("enter"))
		if o, ok := cmd().(common.OpenLeadMsg); !ok || o.ID != "l3" {
			t.Fatalf("%s: enter on service work: %#v", lang, o)
		}
	}
}
