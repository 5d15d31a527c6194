package forms

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// ask runs cmd as the root would and returns what it said last: an
// OpenMsg with the form, or an ErrMsg.
func (d *driver) ask(run func()) any {
	d.t.Helper()
	n := len(d.said)
	run()
	if len(d.said) == n {
		d.t.Fatal("the command said nothing")
	}
	return d.said[len(d.said)-1]
}

// flat is s without its spaces and line breaks, for a sentence the form
// wraps.
func flat(s string) string { return strings.Join(strings.Fields(s), "") }

// TestWonThatNeedsApprovalSaysSoAndOffersToAsk: the won form of a deal
// of 2,200,000 CNY (the default rules want approval from 1,000,000) says
// so the moment it opens, in one sentence, with a to ask; the contract
// number typed after it stays in the form when the save is refused, and
// a asks from there without closing the form.
func TestWonThatNeedsApprovalSaysSoAndOffersToAsk(t *testing.T) {
	for lang, want := range map[string][2]string{
		"en": {"Pioneer Chemicals Inc. needs approval before it can be won (value of 1,000,000.00 CNY or more); press a to ask.", "a: ask for approval now"},
		"zh": {"Pioneer Chemicals Inc. 需审批通过后才能赢单（金额达到 1,000,000.00 CNY）；按 a 申请审批。", "a：立即申请审批"},
	} {
		d, ids := newDriver(t, lang, func(c *common.Common, ids []string) *Model { return nil })
		id := ids[4] // Pioneer Chemicals, 2,200,000
		said := d.ask(func() { d.run(MarkWon(d.c, id)) })
		o, ok := said.(OpenMsg)
		if !ok {
			t.Fatalf("%s: W on a deal needing approval: %#v", lang, said)
		}
		d.open(o.Form)
		if v := d.view(); !strings.Contains(flat(v), flat(want[0])) || !strings.Contains(v, want[1]) {
			t.Fatalf("%s: the won form does not say it needs approval:\n%s", lang, v)
		}
		// Any key other than a goes to the form: the offer steps aside.
		d.keys("tab", "tab", "text:HT-2026-7")
		if strings.Contains(d.view(), want[1]) {
			t.Fatalf("%s: the offer stayed while typing:\n%s", lang, d.view())
		}
		d.keys("ctrl+s")
		if _, ok := d.done(); ok || d.lead(id).Stage == model.StageWon {
			t.Fatalf("%s: won without approval", lang)
		}
		if v := d.view(); !strings.Contains(flat(v), flat(want[0])) || !strings.Contains(v, want[1]) || d.m.values()["number"] != "HT-2026-7" {
			t.Fatalf("%s: the refused save lost the number or said nothing (%q):\n%s", lang, d.m.values()["number"], v)
		}
		said = d.ask(func() { d.keys("a") })
		if ask, ok := said.(BookMsg); ok {
			said = ask.Do(d.bk)
		}
		req, ok := said.(OpenMsg)
		if !ok || !strings.Contains(req.Form.title, "Pioneer Chemicals Inc.") || req.Form.spec.form != "approval" {
			t.Fatalf("%s: a did not open the request form: %#v", lang, said)
		}
		if d.m.values()["number"] != "HT-2026-7" || strings.Contains(d.view(), want[1]) {
			t.Fatalf("%s: asking changed the won form: %q\n%s", lang, d.m.values()["number"], d.view())
		}
	}
}

// TestRequestShowsTheFiguresAndRefusesASecond: the request form shows
// what the request will carry and why the rules want it; saved, the
// request holds the note; a second request while the first waits is
// refused with a sentence and no form.
func TestRequestShowsTheFiguresAndRefusesASecond(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"Value 3,500,000.00 CNY", "Needs approval: value of 1,000,000.00 CNY or more", "already has a request waiting"},
		"zh": {"金额 3,500,000.00 CNY", "需审批原因：金额达到 1,000,000.00 CNY", "已有待审批的申请"},
	} {
		d, ids := newDriver(t, lang, func(c *common.Common, ids []string) *Model { return nil })
		id := ids[6] // Northwind Foods, negotiation, 3,500,000
		o, ok := d.ask(func() { d.run(RequestApproval(d.c, id)) }).(OpenMsg)
		if !ok {
			t.Fatalf("%s: a opened no form", lang)
		}
		d.open(o.Form)
		v := d.view()
		for _, w := range want[:2] {
			if !strings.Contains(v, w) {
				t.Fatalf("%s: the request form does not show %q:\n%s", lang, w, v)
			}
		}
		d.keys("text:Strategic account, 3-year frame", "ctrl+s")
		if _, ok := d.done(); !ok {
			t.Fatalf("%s: the request did not save:\n%s", lang, d.view())
		}
		aps, _ := d.bk.ApprovalsOf(id)
		if len(aps) != 1 || aps[0].Note != "Strategic account, 3-year frame" || aps[0].Status() != model.Pending {
			t.Fatalf("%s: requests after saving: %+v", lang, aps)
		}
		e, ok := d.ask(func() { d.run(RequestApproval(d.c, id)) }).(common.ErrMsg)
		if !ok || !strings.Contains(e.Err.Error(), want[2]) {
			t.Fatalf("%s: a second request was not refused with a sentence: %#v", lang, e)
		}
	}
}

// TestDecisionFormsSaveTheVerdictAndARejectionNeedsAComment.
func TestDecisionFormsSaveTheVerdictAndARejectionNeedsAComment(t *testing.T) {
	d, ids := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return nil })
	id := ids[6]
	a, err := d.bk.RequestApproval(id, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ref := ApprovalRef{ID: a.ID, LeadID: id, Company: "Northwind Foods"}
	d.open(Decide(d.c, ref, model.Rejected))
	if v := d.view(); !strings.Contains(v, "Reject Northwind Foods") {
		t.Fatalf("the rejection form's title:\n%s", v)
	}
	d.keys("ctrl+s")
	if _, ok := d.done(); ok {
		t.Fatal("a rejection without a comment was saved")
	}
	d.keys("text:Margin too thin at 3.5M", "ctrl+s")
	if _, ok := d.done(); !ok {
		t.Fatalf("the rejection did not save:\n%s", d.view())
	}
	d.said = nil
	d.open(Decide(d.c, ref, model.Approved))
	d.keys("ctrl+s") // an approval needs no comment
	if _, ok := d.done(); !ok {
		t.Fatalf("the approval did not save:\n%s", d.view())
	}
	aps, _ := d.bk.ApprovalsOf(id)
	if got := aps[0].Decisions; len(got) != 2 || got[0].Verdict != model.Rejected || got[0].Note != "Margin too thin at 3.5M" || aps[0].Status() != model.Approved {
		t.Fatalf("decisions: %+v", got)
	}
	// Approved, the deal is won with no offer to ask.
	d.said = nil
	o := d.ask(func() { d.run(MarkWon(d.c, id)) }).(OpenMsg)
	d.open(o.Form)
	if strings.Contains(d.view(), "needs approval") {
		t.Fatalf("an approved deal is still said to need approval:\n%s", d.view())
	}
	d.keys("ctrl+s")
	if d.lead(id).Stage != model.StageWon {
		t.Fatalf("the approved deal was not won:\n%s", d.view())
	}
}

// TestServiceOrderFormsAddAndSignOff: an order added for the queue, then
// marked done with visit notes and the customer's sign-off; a lead with
// no open order is told so.
func TestServiceOrderFormsAddAndSignOff(t *testing.T) {
	d, ids := newDriver(t, "zh", func(c *common.Common, ids []string) *Model { return nil })
	id := ids[7] // Evergreen Utilities, won
	e, ok := d.ask(func() { d.run(UpdateService(d.c, id, "")) }).(common.ErrMsg)
	if !ok || !strings.Contains(e.Err.Error(), "没有未完成的服务单") {
		t.Fatalf("a lead with no open order: %#v", e)
	}
	d.open(AddService(d.c, id, "Evergreen Utilities"))
	d.keys("ctrl+s")
	ss, _ := d.bk.ServicesOf(id)
	if len(ss) != 1 || ss[0].Kind != model.ServiceMaintenance || ss[0].Assignee != "" || ss[0].Due != d.c.Today().AddDays(14) {
		t.Fatalf("the order added: %+v", ss)
	}
	d.said = nil
	o := d.ask(func() { d.run(UpdateService(d.c, id, "")) }).(OpenMsg)
	d.open(o.Form)
	if v := d.view(); !strings.Contains(v, "维护 · 待处理 · 售后队列") {
		t.Fatalf("the order is not shown in the service form:\n%s", v)
	}
	d.keys("enter", "enter", "text:Replaced the pump seal", "tab", "text:Carol Jones", "ctrl+s")
	ss, _ = d.bk.ServicesOf(id)
	if s := ss[0]; s.Status != model.ServiceDone || s.Notes != "Replaced the pump seal" || s.SignedOffBy != "Carol Jones" || s.SignedOffAt.IsZero() || s.DoneAt.IsZero() {
		t.Fatalf("the order after the visit: %+v\n%s", s, d.view())
	}
}

// keepAndResume closes the open form keeping what was typed, checks the
// draft names form, resumes it as the next start would, and opens it.
func (d *driver) keepAndResume(form string) {
	d.t.Helper()
	d.keys("esc", "k")
	var kept *store.Draft
	for _, dr := range d.drafts() {
		if dr.Form == form {
			kept = &dr
		}
	}
	if kept == nil {
		d.t.Fatalf("no %s draft kept: %+v", form, d.drafts())
	}
	d.said = nil
	o, ok := d.ask(func() { d.run(Resume(d.c, *kept)) }).(OpenMsg)
	if !ok {
		d.t.Fatalf("the %s draft did not resume: %+v", form, d.said)
	}
	d.said = nil
	d.open(o.Form)
}

// TestNewFormsResumeFromTheirDrafts: the request, the decision, the new
// service order and the service visit are drafts like every form: kept
// on esc, offered back as they were left, and saved from there.
func TestNewFormsResumeFromTheirDrafts(t *testing.T) {
	d, ids := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return nil })
	northwind, evergreen := ids[6], ids[7]

	d.open(Request(d.c, d.lead(northwind)))
	d.keys("text:Frame deal")
	d.keepAndResume("approval")
	if d.m.values()["note"] != "Frame deal" {
		t.Fatalf("the resumed request: %q", d.m.values()["note"])
	}
	d.keys("ctrl+s")
	aps, _ := d.bk.ApprovalsOf(northwind)
	if len(aps) != 1 || aps[0].Note != "Frame deal" {
		t.Fatalf("requests: %+v", aps)
	}

	d.open(Decide(d.c, ApprovalRef{ID: aps[0].ID, LeadID: northwind, Company: "Northwind Foods"}, model.Rejected))
	d.keys("text:Too thin")
	d.keepAndResume("decide")
	d.keys("ctrl+s")
	if aps, _ = d.bk.ApprovalsOf(northwind); aps[0].Status() != model.Rejected || aps[0].Decisions[0].Note != "Too thin" {
		t.Fatalf("decisions: %+v", aps[0].Decisions)
	}

	d.open(AddService(d.c, evergreen, "Evergreen Utilities"))
	d.keys("enter", "text:lin")
	d.keepAndResume("service")
	d.keys("ctrl+s")
	ss, _ := d.bk.ServicesOf(evergreen)
	if len(ss) != 1 || ss[0].Assignee != "lin" {
		t.Fatalf("orders: %+v", ss)
	}

	o := d.ask(func() { d.run(UpdateService(d.c, evergreen, "")) }).(OpenMsg)
	d.open(o.Form)
	d.keys("enter", "enter", "text:Fixed the valve")
	d.keepAndResume("service_visit")
	if d.m.values()["notes"] != "Fixed the valve" {
		t.Fatalf("the resumed service visit: %+v", d.m.values())
	}
	d.keys("ctrl+s")
	if ss, _ = d.bk.ServicesOf(evergreen); ss[0].Status != model.ServiceDone || ss[0].Notes != "Fixed the valve" {
		t.Fatalf("the order after the visit: %+v", ss[0])
	}
	if ds := d.drafts(); len(ds) != 0 {
		t.Fatalf("drafts left: %+v", ds)
	}
}

// mayNot refuses every decision as the store does for a role that may not
// decide.
type mayNot struct{ *fakeBook }

func (mayNot) DecideApproval(id, verdict, note, draft string) (model.Approval, error) {
	return model.Approval{}, fmt.Errorf("%w: only leadership approve or reject", store.ErrMayNotDecide)
}

// TestADecisionRefusedForTheRoleKeepsTheComment: the store's refusal of
// a role that may not decide (learnt at a sync after the inbox was read)
// is said in the UI's language, and the comment stays in the form.
func TestADecisionRefusedForTheRoleKeepsTheComment(t *testing.T) {
	d, ids := newDriver(t, "zh", func(c *common.Common, ids []string) *Model { return nil })
	d.bk.approvals[ids[6]] = []model.Approval{{ID: "ap0", LeadID: ids[6]}}
	f := Decide(d.c, ApprovalRef{ID: "ap0", LeadID: ids[6], Company: "Northwind Foods"}, model.Approved)
	f.Attach(mayNot{d.bk})
	d.m = f
	d.run(f.Init())
	d.keys("text:同意", "ctrl+s")
	if _, ok := d.done(); ok {
		t.Fatal("a refused decision closed the form")
	}
	if v := d.view(); !strings.Contains(flat(v), flat("按服务器最近告知的角色，您不能审批")) || d.m.values()["note"] != "同意" {
		t.Fatalf("the refusal (comment %q):\n%s", d.m.values()["note"], v)
	}
}
