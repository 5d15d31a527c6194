package model

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestApprovalRulesAndCover(t *testing.T) {
	r := DefaultApprovalRules()
	l := &Lead{ID: "l1", Company: "Acme", Value: Money{Amount: 999_999_99, Currency: "CNY"}}
	if got := r.Needs(l); got != nil {
		t.Fatalf("just under the threshold needs %v", got)
	}
	l.Value.Amount = 1_000_000_00
	if got := r.Needs(l); !slices.Equal(got, []string{ReasonValue}) {
		t.Fatalf("at the threshold needs %v", got)
	}
	r.MaxDiscountPct, r.Channels = 10, []string{"web"}
	l.Negotiation.DiscountPct, l.Source = 15, "web"
	if got := r.Needs(l); !slices.Equal(got, []string{ReasonValue, ReasonDiscount, ReasonChannel}) {
		t.Fatalf("every rule: %v", got)
	}
	a := Approval{ID: "a1", LeadID: "l1", Value: DealValue(l), DiscountPct: 15}
	if ApprovalBlock(r, l, []Approval{a}) == nil {
		t.Fatal("a pending request let the lead be won")
	}
	a.Decisions = []Decision{{ID: "d1", HLC: HLC{Wall: 2, Node: "b"}, Verdict: Approved, By: "boss"}}
	if ApprovalBlock(r, l, []Approval{a}) != nil {
		t.Fatal("an approval did not cover the deal it was asked for")
	}
	l.Contract.Value = Money{Amount: 1_200_000_00, Currency: "CNY"}
	if ApprovalBlock(r, l, []Approval{a}) == nil {
		t.Fatal("an approval covered a contract worth more than it was asked for")
	}
	l.Contract.Value = Money{}
	l.Negotiation.DiscountPct = 20
	if ApprovalBlock(r, l, []Approval{a}) == nil {
		t.Fatal("an approval covered a deeper discount")
	}
}

// TestConcurrentDecisionsResolveToOne: two approvers decide at once on
// two replicas; merged in either order, both are kept and the verdict is
// the same.
func TestConcurrentDecisionsResolveToOne(t *testing.T) {
	create := Op{ID: "op0", Entity: EntityRef{Type: TypeApproval, ID: "a1"}, Kind: OpCreate, HLC: HLC{Wall: 1, Node: "rep"}, Schema: 1,
		Fields: map[string]json.RawMessage{"lead_id": json.RawMessage(`"l1"`), "requested_by": json.RawMessage(`"rep"`)}}
	decide := func(id, verdict, by string, wall int64) Op {
		d := Decision{ID: id, HLC: HLC{Wall: wall, Node: by}, Verdict: verdict, By: by, At: time.UnixMilli(wall)}
		e, _ := json.Marshal(d)
		return Op{ID: id, Entity: create.Entity, Kind: OpAppend, Field: "decisions", Entry: e, HLC: d.HLC, Schema: 1}
	}
	yes, no := decide("d1", Approved, "wang", 5), decide("d2", Rejected, "li", 5)
	verdict := func(ops ...Op) (string, int) {
		var r Record
		for _, op := range ops {
			r.Apply(op)
		}
		var a Approval
		if err := json.Unmarshal(EncodeFields(r.Fields), &a); err != nil {
			t.Fatal(err)
		}
		return a.Status(), len(a.Decisions)
	}
	v1, n1 := verdict(create, yes, no)
	v2, n2 := verdict(create, no, yes, yes)
	if v1 != v2 || n1 != 2 || n2 != 2 || v1 == Pending {
		t.Fatalf("one order: %s of %d decisions; the other: %s of %d", v1, n1, v2, n2)
	}
}

func TestHandoffCarriesTheContract(t *testing.T) {
	l := &Lead{ID: "l1", Company: "Acme", Contract: Contract{Number: "HT-7", SignedOn: Date{2026, 12, 1}, Value: Money{Amount: 500_00, Currency: "CNY"}},
		Negotiation: Negotiation{ServiceTerms: "2 years on site"}}
	orders, task := DefaultHandoff().Handoff(l, "rep", time.Unix(0, 0), Date{2026, 12, 4})
	if len(orders) != 2 || orders[0].Kind != ServiceInstall || orders[1].Kind != ServiceCommissioning || orders[0].Queue() != QueueAftersales ||
		orders[0].Contract.Number != "HT-7" || orders[0].Terms != "2 years on site" || orders[0].Due != (Date{2026, 12, 18}) {
		t.Fatalf("orders: %+v", orders)
	}
	if task == nil || task.Queue != QueueSupport || task.Assignee != "" {
		t.Fatalf("support task: %+v", task)
	}
	for _, want := range []string{"HT-7", "2026-12-01", "500.00 CNY", "2 years on site"} {
		if !strings.Contains(task.Action, want) {
			t.Errorf("the support task says %q, without %q", task.Action, want)
		}
	}
}
