package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// attempt is an op pushed by who and the answer wanted: "" applied, else
// rejected with a reason containing it.
type attempt struct {
	who    *device
	op     model.Op
	reason string
}

// tryAll pushes each attempt alone and fails for every answer not wanted.
func tryAll(t *testing.T, tries []attempt) {
	t.Helper()
	for i, tr := range tries {
		resp, err := tr.who.c.Push(context.Background(), []model.Op{tr.op})
		if err != nil {
			t.Fatal(err)
		}
		r := resp.Results[0]
		switch {
		case tr.reason == "" && r.Status != wire.StatusApplied:
			t.Errorf("try %d, %s's %s %s %v: %+v, want applied", i, tr.who.name, tr.op.Kind, tr.op.Entity.Type, keys(tr.op), r)
		case tr.reason != "" && (r.Status != wire.StatusRejected || !strings.Contains(r.Reason, tr.reason)):
			t.Errorf("try %d, %s's %s %s %v: %+v, want rejected with %q", i, tr.who.name, tr.op.Kind, tr.op.Entity.Type, keys(tr.op), r, tr.reason)
		}
	}
}

// decision is an append of a verdict by `by` to approval request id, as
// a laptop makes it (the entry's id and stamp are the op's).
func decision(id, verdict, by string) model.Op {
	op := forged(model.EntityRef{Type: model.TypeApproval, ID: id}, model.OpAppend, nil)
	op.Field = "decisions"
	op.Entry, _ = json.Marshal(model.Decision{ID: op.ID, HLC: op.HLC, Verdict: verdict, By: by, At: time.Now().UTC()})
	return op
}

// request is the create of an approval request of lead by `by`.
func request(lead, by string, value int64) model.Op {
	return forged(model.EntityRef{Type: model.TypeApproval, ID: model.NewID()}, model.OpCreate, map[string]any{
		"lead_id": lead, "requested_by": by, "requested_at": time.Now().UTC(),
		"value": model.Money{Amount: value, Currency: "CNY"}, "reasons": []string{model.ReasonValue}})
}

// setValue sets a lead's estimated value on d, in fen.
func setValue(d *device, id string, fen int64) {
	d.t.Helper()
	l := d.lead(id)
	l.Value = model.Money{Amount: fen, Currency: "CNY"}
	d.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
}

// askApproval makes d's request for approval of lead.
func askApproval(d *device, lead string) model.Approval {
	d.t.Helper()
	var a model.Approval
	d.update(func(tx *store.Tx) error {
		var err error
		a, err = tx.RequestApproval(lead, "大单 major deal")
		return err
	})
	return a
}

// decide appends d's verdict to request id.
func decide(d *device, id, verdict string) {
	d.t.Helper()
	d.update(func(tx *store.Tx) error { _, err := tx.DecideApproval(id, verdict, "同意 ok"); return err })
}

// serverRecord returns the server's record of ref.
func (h *harness) serverRecord(ref model.EntityRef) *model.Record {
	h.t.Helper()
	var rec *model.Record
	err := h.st.View(context.Background(), func(tx server.Tx) error {
		var err error
		rec, _, err = tx.Record(ref)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return rec
}

func stageOf(rec *model.Record) string {
	var s string
	if rec != nil {
		_ = json.Unmarshal(rec.Fields["stage"], &s)
	}
	return s
}

// TestApprovalsPerRole: ann (rep) asks for approval of a deal worth
// 1,200,000 CNY, which the default rules say leadership approves before
// it is won. The server refuses the move to won until lea (leadership)
// approves, then takes it; it refuses a deal grown past its approval;
// managers, support and after-sales may not decide, support, after-sales
// and leadership may not ask, nobody decides their own request, and the
// request's figures and author are fixed. Two approvers deciding at once
// resolve to the later decision on every replica, both kept.
func TestApprovalsPerRole(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", server.RoleRep)
		bob := h.device("bob", server.RoleRep)
		max := h.device("max", server.RoleManager)
		lea := h.device("lea", server.RoleLeadership)
		leo := h.device("leo", server.RoleLeadership)
		sue := h.device("sue", server.RoleSupport)
		ally := h.device("ally", server.RoleAftersales)

		big, bigger := ann.addLead("Big Co"), ann.addLead("Bigger Co")
		for _, id := range []string{big.ID, bigger.ID} {
			setValue(ann, id, 1_200_000_00)
			moveTo(ann, id, "negotiation")
		}
		ann.sync()
		max.sync()
		assign(max, big.ID, "sue", "ally")
		max.sync()
		lead := func(id string) model.EntityRef { return model.EntityRef{Type: model.TypeLead, ID: id} }
		won := func(id string) model.Op {
			return forged(lead(id), model.OpSet, map[string]any{"stage": model.StageWon})
		}

		// A laptop that did not know the rule moves the lead to won.
		tryAll(t, []attempt{{ann, won(big.ID),
			"lead " + big.ID + " needs approval before it can be won (value 1,200,000.00 CNY is at or above 1,000,000.00 CNY); ask for approval first"}})

		req := askApproval(ann, big.ID)
		if rep := ann.sync(); rep.Rejected != 0 {
			t.Fatalf("ann's request: %+v %v", rep, ann.rejected())
		}
		reqRef := model.EntityRef{Type: model.TypeApproval, ID: req.ID}
		tryAll(t, []attempt{
			{lea, request(big.ID, "lea", 1_200_000_00), "leadership decides approval requests but does not make them"},
			{sue, request(big.ID, "sue", 1_200_000_00), "support and after-sales neither request nor decide approvals"},
			{sue, decision(req.ID, model.Approved, "sue"), "support and after-sales neither request nor decide approvals"},
			{bob, request(big.ID, "bob", 1_200_000_00), "does not exist on the server, or you may not see it"},
			{ann, request(big.ID, "max", 1_200_000_00), "requested_by must be you (ann)"},
			{ann, decision(req.ID, model.Approved, "ann"), "only leadership may decide approval requests"},
			{max, decision(req.ID, model.Approved, "max"), "the company settings do not make managers approvers"},
			{lea, decision(req.ID, model.Approved, "leo"), "it must be you (lea)"},
			{ann, forged(reqRef, model.OpSet, map[string]any{"value": model.Money{Amount: 9_000_000_00, Currency: "CNY"}}), "value is set when it is created and cannot change"},
			{lea, forged(reqRef, model.OpSet, map[string]any{"deleted": true}), "only who asked for approval request"},
			{bob, forged(reqRef, model.OpSet, map[string]any{"deleted": true}), "does not exist on the server, or you may not see it"},
			{ann, won(big.ID), "ask for approval first"}, // still pending
		})
		// After-sales sees the lead only once it is won, and decides nothing
		// on it then either.
		if t.Failed() {
			return
		}

		lea.sync()
		decide(lea, req.ID, model.Approved)
		if rep := lea.sync(); rep.Rejected != 0 {
			t.Fatalf("lea's approval: %+v %v", rep, lea.rejected())
		}
		// The request and its decision travel with the lead: to whoever
		// sees it, and to nobody else.
		for _, d := range []*device{ann, bob, max, leo, sue, ally} {
			d.sync()
			want := d != bob && d != ally // bob is not on it, ally not before it is won
			if got := d.has(model.TypeApproval, req.ID); got != want {
				t.Errorf("%s holds the request: %v, want %v", d.name, got, want)
			}
		}
		moveTo(ann, big.ID, model.StageWon) // the laptop knows it is approved
		if rep := ann.sync(); rep.Rejected != 0 {
			t.Fatalf("ann's won: %+v %v", rep, ann.rejected())
		}
		if got := stageOf(h.serverRecord(lead(big.ID))); got != model.StageWon {
			t.Fatalf("the server's Big Co is %q, want won", got)
		}
		ally.sync()
		if !ally.has(model.TypeApproval, req.ID) {
			t.Error("after-sales lacks the request of an account it was assigned to once won")
		}
		tryAll(t, []attempt{{ally, decision(req.ID, model.Rejected, "ally"), "support and after-sales neither request nor decide approvals"}})

		// A deal that grew after its approval needs asking again.
		req2 := askApproval(ann, bigger.ID)
		ann.sync()
		lea.sync()
		decide(lea, req2.ID, model.Approved)
		lea.sync()
		ann.sync()
		setValue(ann, bigger.ID, 1_500_000_00)
		ann.sync()
		tryAll(t, []attempt{{ann, won(bigger.ID),
			"(value 1,500,000.00 CNY is at or above 1,000,000.00 CNY); the approval given covers 1,200,000.00 CNY with a discount of 0%; ask for approval again"}})

		// Two approvers decide at once, offline: both decisions are kept
		// and the later one is the verdict everywhere.
		req3 := askApproval(ann, bigger.ID)
		ann.sync()
		lea.sync()
		leo.sync()
		decide(lea, req3.ID, model.Rejected)
		decide(leo, req3.ID, model.Approved)
		for _, d := range []*device{leo, lea, ann, max, leo, lea} {
			if rep := d.sync(); rep.Rejected != 0 {
				t.Fatalf("%s: %+v %v", d.name, rep, d.rejected())
			}
		}
		ref3 := model.EntityRef{Type: model.TypeApproval, ID: req3.ID}
		want := h.serverRecord(ref3)
		var a model.Approval
		if err := json.Unmarshal(model.EncodeFields(want.Fields), &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Decisions) != 2 {
			t.Fatalf("the server keeps %d decisions, want both: %+v", len(a.Decisions), a.Decisions)
		}
		last := a.Decisions[0]
		if a.Decisions[1].HLC.Compare(last.HLC) > 0 {
			last = a.Decisions[1]
		}
		if a.Status() != last.Verdict {
			t.Fatalf("status %q, want the later decision's %q", a.Status(), last.Verdict)
		}
		for _, d := range []*device{ann, max, lea, leo} {
			if got := d.replica()[ref3]; got == nil || !got.Equal(want) {
				t.Fatalf("%s's request differs from the server's:\nlocal  %v\nserver %s", d.name, got, dump(want))
			}
		}
	})
}

// TestManagersDecideWhenTheSettingsSaySo: with approvers = leadership
// and manager in the company settings, a manager decides a rep's request
// but not their own, which leadership still may.
func TestManagersDecideWhenTheSettingsSaySo(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		h.svc.ParseSettings = parseSettings
		doc := "[approval]\napprovers = [\"leadership\", \"manager\"]\n"
		if res, err := h.svc.SetSettings(context.Background(), doc); err != nil || !res.OK() {
			t.Fatalf("settings: %+v %v", res, err)
		}
		ann := h.device("ann", server.RoleRep)
		max := h.device("max", server.RoleManager)
		lea := h.device("lea", server.RoleLeadership)
		annLead, maxLead := ann.addLead("Ann Co"), max.addLead("Max Co")
		ann.sync()
		max.sync()
		annReq, maxReq := request(annLead.ID, "ann", 1_200_000_00), request(maxLead.ID, "max", 1_200_000_00)
		tryAll(t, []attempt{
			{ann, annReq, ""},
			{max, maxReq, ""},
			{max, decision(annReq.Entity.ID, model.Approved, "max"), ""},
			{max, decision(maxReq.Entity.ID, model.Approved, "max"), "you asked for approval request " + maxReq.Entity.ID + " yourself, so another approver must decide it"},
			{lea, decision(maxReq.Entity.ID, model.Approved, "lea"), ""},
			{ann, decision(annReq.Entity.ID, model.Approved, "ann"), "only leadership and manager may decide approval requests"},
		})
	})
}

// TestHandoffQueuesAndServiceOrders: winning a lead hands it on to the
// after-sales queue (two service orders) and the support queue (a task).
// Every after-sales and support user sees the account through the queue,
// one added later too; orders given to people take it from the queue and
// from everyone else (revokes), and a reopened lead leaves after-sales.
// Who may change service orders: after-sales, the lead's owner and
// managers; leadership and support read them.
func TestHandoffQueuesAndServiceOrders(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", server.RoleRep)
		bob := h.device("bob", server.RoleRep)
		max := h.device("max", server.RoleManager)
		lea := h.device("lea", server.RoleLeadership)
		sue := h.device("sue", server.RoleSupport)
		sam := h.device("sam", server.RoleSupport)
		ally := h.device("ally", server.RoleAftersales)
		amy := h.device("amy", server.RoleAftersales)

		acct, other := ann.addLead("Won Co"), ann.addLead("Open Co")
		moveTo(ann, other.ID, "solution")
		ann.addVisit(acct.ID, "签约 contract signed")
		moveTo(ann, acct.ID, model.StageWon) // hands it on
		if rep := ann.sync(); rep.Rejected != 0 {
			t.Fatalf("ann: %+v %v", rep, ann.rejected())
		}
		max.sync()
		assign(max, acct.ID, "bob") // a rep on the account who does not own it
		max.sync()
		late := h.device("al", server.RoleAftersales) // joins after the hand-off
		all := []string{acct.ID, other.ID}
		for _, d := range []*device{bob, lea, sue, sam, ally, amy, late} {
			d.sync()
		}
		for _, d := range []*device{sue, sam, ally, amy, late} {
			checkLeads(t, d, []string{acct.ID}, all)
		}
		var orders []model.ServiceOrder
		var tasks []model.Task
		if err := ann.st.View(func(tx *store.Tx) error {
			var err error
			if orders, err = tx.ServicesOf(acct.ID); err != nil {
				return err
			}
			tasks, err = tx.TasksOf(acct.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(orders) != 2 || len(tasks) != 1 || tasks[0].Queue != model.QueueSupport {
			t.Fatalf("hand-off: %d orders, tasks %+v; want 2 orders and a task queued for support", len(orders), tasks)
		}
		if !ally.has(model.TypeService, orders[0].ID) || !late.has(model.TypeTask, tasks[0].ID) {
			t.Fatal("after-sales holds the account without its work")
		}
		if t.Failed() {
			return
		}

		svc := func(id string) model.EntityRef { return model.EntityRef{Type: model.TypeService, ID: id} }
		newOrder := func(by string) model.Op {
			return forged(svc(model.NewID()), model.OpCreate, map[string]any{"lead_id": acct.ID, "kind": model.ServiceMaintenance,
				"status": model.ServiceOpen, "assignee": "ally", "created_by": by, "created_at": time.Now().UTC()})
		}
		tryAll(t, []attempt{
			{lea, forged(svc(orders[0].ID), model.OpSet, map[string]any{"status": model.ServiceScheduled}), "leadership reads service orders but does not change them"},
			{lea, newOrder("lea"), "leadership reads service orders"},
			{sue, forged(svc(orders[0].ID), model.OpSet, map[string]any{"notes": "调试 ok"}), "support reads service orders"},
			{bob, forged(svc(orders[0].ID), model.OpSet, map[string]any{"status": model.ServiceScheduled}), "only the lead's owner, a manager or after-sales can change service order"},
			{ally, newOrder("ann"), "created_by must be you (ally)"},
			{ally, forged(svc(orders[0].ID), model.OpSet, map[string]any{"created_by": "ally"}), "created_by is set when it is created and cannot change"},
			{ally, forged(svc(orders[0].ID), model.OpSet, map[string]any{"status": model.ServiceScheduled, "notes": "周五上门 Friday visit"}), ""},
			{ann, forged(svc(orders[0].ID), model.OpSet, map[string]any{"due": "2026-12-24"}), ""},
			{ally, newOrder("ally"), ""},
			{bob, newOrder("bob"), ""}, // the hand-off of a lead bob sees
			{amy, forged(svc(orders[1].ID), model.OpSet, map[string]any{"assignee": "ally"}), ""},
			{ally, complaint(acct.ID, orders[0].ID), ""},
			{ally, complaint(acct.ID, model.NewID()), "is not one of its account's orders"},
			{ann, complaint(other.ID, orders[0].ID), "is not one of its account's orders"},
		})
		if t.Failed() {
			return
		}
		// amy gave the second order to ally, but the first order still
		// waits in the queue: everyone of after-sales keeps the account.
		for _, d := range []*device{ally, amy, late} {
			d.sync()
			checkLeads(t, d, []string{acct.ID}, all)
		}
		// max gives the first order to amy: the queue is empty, so late
		// (on no order) loses the account and ally and amy keep it.
		max.sync()
		max.update(func(tx *store.Tx) error {
			_, err := tx.EditService(orders[0].ID, func(s *model.ServiceOrder) error { s.Assignee = "amy"; return nil })
			return err
		})
		max.sync()
		for _, d := range []*device{ally, amy, late} {
			d.sync()
		}
		checkLeads(t, ally, []string{acct.ID}, all)
		checkLeads(t, amy, []string{acct.ID}, all)
		checkLeads(t, late, nil, all)
		if len(late.replica()) != 0 {
			t.Errorf("al still holds %d records of the account", len(late.replica()))
		}
		// amy may not give her only order away: she would lose sight.
		tryAll(t, []attempt{{amy, forged(svc(orders[0].ID), model.OpSet, map[string]any{"assignee": "ally"}),
			"after this change you could no longer see lead " + acct.ID}})

		// sue takes the support task: sam loses the account, sue keeps it.
		tryAll(t, []attempt{{sue, forged(model.EntityRef{Type: model.TypeTask, ID: tasks[0].ID}, model.OpSet, map[string]any{"assignee": "sue"}), ""}})
		sue.sync()
		sam.sync()
		checkLeads(t, sue, []string{acct.ID}, all)
		checkLeads(t, sam, nil, all)

		// Reopened, the account leaves after-sales; support keeps it (at
		// negotiation, past the solution stage).
		moveTo(ann, acct.ID, "negotiation")
		ann.sync()
		for _, d := range []*device{ally, amy, sue} {
			d.sync()
		}
		checkLeads(t, ally, nil, all)
		checkLeads(t, amy, nil, all)
		checkLeads(t, sue, []string{acct.ID}, all)

		bob.sync()
		max.sync()
		recs, _ := h.serverRecords()
		for _, d := range []*device{ann, bob, max, sue} {
			for ref, rec := range d.replica() {
				if !rec.Equal(recs[ref]) {
					t.Fatalf("%s's %v differs from the server's:\nlocal  %s\nserver %s", d.name, ref, dump(rec), dump(recs[ref]))
				}
			}
		}
	})
}

// TestWonGateFollowsTheSettings: a settings version stored without
// approval rules (before the server kept them) means the defaults; a
// version with its own threshold gates from the push after it, and one
// with min_value = 0 gates nothing.
func TestWonGateFollowsTheSettings(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		h.svc.ParseSettings = parseSettings
		ctx := context.Background()
		old := server.StoredSettings{Version: 1, Text: "# stored by an older server\n", At: time.Now().UTC().Truncate(time.Microsecond), By: "admin"}
		if err := h.st.Update(ctx, func(tx server.Tx) error { return tx.PutSettings(old) }); err != nil {
			t.Fatal(err)
		}
		ann := h.device("ann", server.RoleRep)
		deal, small := ann.addLead("Deal Co"), ann.addLead("Small Co")
		setValue(ann, deal.ID, 1_200_000_00)
		setValue(ann, small.ID, 600_000_00)
		ann.sync()
		won := func(id string) model.Op {
			return forged(model.EntityRef{Type: model.TypeLead, ID: id}, model.OpSet, map[string]any{"stage": model.StageWon})
		}
		tryAll(t, []attempt{{ann, won(deal.ID), "(value 1,200,000.00 CNY is at or above 1,000,000.00 CNY)"}})
		for _, c := range []struct {
			doc, reason string
		}{
			{"[approval]\nmin_value = 500000\n", "(value 600,000.00 CNY is at or above 500,000.00 CNY)"},
			{"[approval]\nmin_value = 0\n", ""},
		} {
			if res, err := h.svc.SetSettings(ctx, c.doc); err != nil || !res.OK() {
				t.Fatalf("settings %q: %+v %v", c.doc, res, err)
			}
			tryAll(t, []attempt{{ann, won(small.ID), c.reason}})
		}
	})
}

// TestQuarantinedAssignmentGivesTheQueueBack: an operator quarantines the
// op that took a service order from the after-sales queue; the rebuilt
// order waits in the queue again, and an after-sales user who lost the
// account with that op gets it back at the next sync.
func TestQuarantinedAssignmentGivesTheQueueBack(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", server.RoleRep)
		max := h.device("max", server.RoleManager)
		ally := h.device("ally", server.RoleAftersales)
		al := h.device("al", server.RoleAftersales)
		acct := ann.addLead("Won Co")
		moveTo(ann, acct.ID, model.StageWon)
		ann.sync()
		max.sync()
		var gives []model.Op
		for _, id := range max.localIDs(model.TypeService, true) {
			gives = append(gives, forged(model.EntityRef{Type: model.TypeService, ID: id}, model.OpSet, map[string]any{"assignee": "ally"}))
		}
		if len(gives) != 2 {
			t.Fatalf("%d service orders, want the hand-off's two", len(gives))
		}
		for _, op := range gives {
			tryAll(t, []attempt{{max, op, ""}})
		}
		al.sync()
		checkLeads(t, al, nil, []string{acct.ID})
		if _, err := h.svc.QuarantineOp(context.Background(), gives[0].ID, "given by mistake", "admin"); err != nil {
			t.Fatal(err)
		}
		al.sync()
		ally.sync()
		checkLeads(t, al, []string{acct.ID}, []string{acct.ID})
		checkLeads(t, ally, []string{acct.ID}, []string{acct.ID})
	})
}

// TestNewWorkOnALeadGrantsNothingToThoseWhoSeeIt: a follow-up or a
// service order added to a lead that exists already leaves who sees it
// as it is, so its owner's next sync brings nothing back (a grant would
// resend the whole lead).
func TestNewWorkOnALeadGrantsNothingToThoseWhoSeeIt(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", server.RoleRep)
		h.device("ally", server.RoleAftersales)
		l := ann.addLead("Acme")
		moveTo(ann, l.ID, model.StageWon) // hands on two orders and a task
		ann.sync()
		ann.update(func(tx *store.Tx) error {
			_, err := tx.SetFollowUp(l.ID, model.Date{Y: 2026, M: time.December, D: 24}, "回访 call back")
			return err
		})
		ann.update(func(tx *store.Tx) error {
			return tx.AddService(&model.ServiceOrder{LeadID: l.ID, Kind: model.ServiceTraining, Status: model.ServiceOpen})
		})
		if rep := ann.sync(); rep.Pulled != 0 || rep.Rejected != 0 {
			t.Fatalf("ann's sync after adding work: %+v, want nothing pulled", rep)
		}
	})
}

// TestALeadEnteredWonIsGatedForReps: a rep cannot skip the approval by
// pushing a big deal created already won; a small one passes, and a
// manager brings in past won accounts (an import of history).
func TestALeadEnteredWonIsGatedForReps(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, boss := h.device("ann", server.RoleRep), h.device("boss", server.RoleManager)
		wonLead := func(owner string, fen int64) model.Op {
			return forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{
				"company": "Entered Won Co", "stage": model.StageWon, "owner": owner,
				"value": model.Money{Amount: fen, Currency: "CNY"}, "created_at": time.Now().UTC(), "stage_entered_at": time.Now().UTC()})
		}
		tryAll(t, []attempt{
			{ann, wonLead("ann", 1_500_000_00), "cannot be entered already won: it needs approval (value 1,500,000.00 CNY is at or above 1,000,000.00 CNY)"},
			{ann, wonLead("ann", 200_000_00), ""},
			{boss, wonLead("ann", 1_500_000_00), ""},
		})
	})
}

// complaint is the create of a complaint on lead about service order
// service.
func complaint(lead, service string) model.Op {
	now := time.Now().UTC()
	return forged(model.EntityRef{Type: model.TypeComplaint, ID: model.NewID()}, model.OpCreate, map[string]any{
		"lead_id": lead, "service_id": service, "opened_at": now, "updated_at": now,
		"severity": "medium", "description": "安装后漏水 leaks after install", "status": model.ComplaintOpen})
}
