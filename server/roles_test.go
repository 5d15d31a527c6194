package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// TestRolesSeeAndAreRefused syncs one team of every role through the
// real handler and clients: ann (rep) owns four leads at different
// stages, max (manager) assigns sue (support) and ally (after-sales) to
// some, lea (leadership) reads along. Each role's replica must hold
// exactly the leads its rule gives it, and each role's forbidden ops are
// refused while its allowed ones apply. Winning a lead hands it on to the
// support and after-sales queues (store's hand-off), so both see the won
// lead nobody named; approvals_test.go has work given to one person.
func TestRolesSeeAndAreRefused(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", server.RoleRep)
		max := h.device("max", server.RoleManager)
		lea := h.device("lea", server.RoleLeadership)
		sue := h.device("sue", server.RoleSupport)
		ally := h.device("ally", server.RoleAftersales)
		devs := []*device{ann, max, lea, sue, ally}

		early := ann.addLead("Early Co")  // contacted: too early for support
		sol := ann.addLead("Solution Co") // solution
		won := ann.addLead("Won Co")      // won, both assigned
		alone := ann.addLead("Alone Co")  // won, nobody assigned: the queues'
		for id, stage := range map[string]string{early.ID: "contacted", sol.ID: "solution", won.ID: model.StageWon, alone.ID: model.StageWon} {
			moveTo(ann, id, stage)
		}
		visit := ann.addVisit(early.ID, "needs: 2 MW substation")
		ann.sync()
		max.sync()
		assign(max, early.ID, "sue", "ally")
		assign(max, sol.ID, "sue")
		assign(max, won.ID, "sue", "ally")
		max.sync()
		for _, d := range devs {
			d.sync()
		}
		all := []string{early.ID, sol.ID, won.ID, alone.ID}
		want := map[string][]string{
			"ann": all, "max": all, "lea": all,
			"sue":  {sol.ID, won.ID, alone.ID},
			"ally": {won.ID, alone.ID},
		}
		for _, d := range devs {
			checkLeads(t, d, want[d.name], all)
		}
		if sue.has(model.TypeActivity, visit.ID) {
			t.Fatal("support holds a visit on a lead before the solution stage")
		}

		ref := func(id string) model.EntityRef { return model.EntityRef{Type: model.TypeLead, ID: id} }
		act := func(lead string) model.Op {
			return forged(model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, model.OpCreate,
				map[string]any{"lead_id": lead, "kind": model.KindService, "started_at": time.Now().UTC()})
		}
		type try struct {
			op     model.Op
			reason string // "" means applied
		}
		cases := []struct {
			who   *device
			tries []try
		}{
			{max, []try{
				{forged(ref(sol.ID), model.OpSet, map[string]any{"owner": "sue"}), "sue is support and cannot own a lead"},
				{forged(ref(sol.ID), model.OpSet, map[string]any{"owner": "lea"}), "lea is leadership and cannot own a lead"},
				{forged(ref(model.NewID()), model.OpCreate, map[string]any{"company": "Service Co", "owner": "ally"}), "ally is aftersales and cannot own a lead"},
			}},
			{lea, []try{
				{forged(ref(sol.ID), model.OpSet, map[string]any{"city": "Hangzhou"}), "leadership reviews leads"},
				{forged(ref(model.NewID()), model.OpCreate, map[string]any{"company": "Mine", "owner": "lea"}), "leadership reviews leads"},
				{forged(ref(sol.ID), model.OpDelete, nil), "leadership reviews leads"},
				{act(early.ID), ""},
				{forged(model.EntityRef{Type: model.TypeActivity, ID: visit.ID}, model.OpDelete, nil), "deletes none"},
				{forged(model.EntityRef{Type: model.TypeActivity, ID: visit.ID}, model.OpSet, map[string]any{"deleted": true}), "deletes none"},
			}},
			{sue, []try{
				{forged(ref(sol.ID), model.OpSet, map[string]any{"city": "Suzhou"}), ""},
				{act(sol.ID), ""},
				{forged(ref(early.ID), model.OpSet, map[string]any{"city": "Suzhou"}), "does not exist on the server, or you may not see it"},
				{act(early.ID), "does not exist on the server, or you may not see it"},
				{act(alone.ID), ""},
				{forged(ref(sol.ID), model.OpDelete, nil), "support may not create or delete"},
				{forged(ref(sol.ID), model.OpSet, map[string]any{"deleted": true}), "support may not create or delete"},
				{forged(ref(sol.ID), model.OpSet, map[string]any{"assignees": []string{"sue", "bob"}}), "only a manager"},
				{forged(ref(sol.ID), model.OpSet, map[string]any{"stage": "contacted"}), "could no longer see"},
			}},
			{ally, []try{
				{act(won.ID), ""},
				{forged(ref(won.ID), model.OpSet, map[string]any{"city": "Ningbo"}), "after-sales does not change leads"},
				{act(sol.ID), "does not exist on the server, or you may not see it"},
				{act(alone.ID), ""},
			}},
		}
		for _, c := range cases {
			for i, tr := range c.tries {
				resp, err := c.who.c.Push(context.Background(), []model.Op{tr.op})
				if err != nil {
					t.Fatal(err)
				}
				r := resp.Results[0]
				switch {
				case tr.reason == "" && r.Status != wire.StatusApplied:
					t.Errorf("%s, try %d (%s %s %v): %+v, want applied", c.who.name, i, tr.op.Kind, tr.op.Entity.Type, keys(tr.op), r)
				case tr.reason != "" && (r.Status != wire.StatusRejected || !strings.Contains(r.Reason, tr.reason)):
					t.Errorf("%s, try %d (%s %s %v): %+v, want rejected with %q", c.who.name, i, tr.op.Kind, tr.op.Entity.Type, keys(tr.op), r, tr.reason)
				}
			}
		}
		if _, err := h.svc.AssignLead(context.Background(), won.ID, "ally"); err == nil || !strings.Contains(err.Error(), "cannot own a lead") {
			t.Errorf("admin lead assign to after-sales: %v, want refused", err)
		}
		if t.Failed() {
			return
		}

		// Stage changes move support's sight: the early lead reaches the
		// solution stage (sue gets it and the visit under it), the
		// solution lead goes back (sue loses it); a won lead reopened
		// leaves after-sales.
		moveTo(ann, early.ID, "solution")
		moveTo(ann, sol.ID, "contacted")
		moveTo(ann, won.ID, "negotiation")
		ann.sync()
		for _, d := range devs {
			d.sync()
		}
		checkLeads(t, sue, []string{early.ID, won.ID, alone.ID}, all)
		checkLeads(t, ally, []string{alone.ID}, all)
		if !sue.has(model.TypeActivity, visit.ID) {
			t.Fatal("support gained a lead without the visit under it")
		}
		// Those who see by name alone converge as always; support and
		// after-sales hold the server's very records of what they see.
		if err := h.checkConverged([]*device{ann, max, lea}, map[string]bool{"max": true, "lea": true}); err != nil {
			t.Fatal(err)
		}
		recs, _ := h.serverRecords()
		for _, d := range []*device{sue, ally} {
			for ref, rec := range d.replica() {
				if !rec.Equal(recs[ref]) {
					t.Fatalf("%s's %v differs from the server's:\nlocal  %s\nserver %s", d.name, ref, dump(rec), dump(recs[ref]))
				}
			}
		}
	})
}

func keys(op model.Op) []string {
	var out []string
	for k := range op.Fields {
		out = append(out, k)
	}
	return out
}

// moveTo moves a lead to stage on d, as the lead screen does.
func moveTo(d *device, id, stage string) {
	d.t.Helper()
	l := d.lead(id)
	l.Stage = stage
	d.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
}

// assign names users as a lead's assignees on d (a manager's laptop).
func assign(d *device, id string, users ...string) {
	d.t.Helper()
	l := d.lead(id)
	l.Assignees = users
	d.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
}

// checkLeads fails unless d holds exactly the leads in want among all.
func checkLeads(t *testing.T, d *device, want, all []string) {
	t.Helper()
	for _, id := range all {
		wanted := false
		for _, w := range want {
			wanted = wanted || w == id
		}
		if got := d.has(model.TypeLead, id); got != wanted {
			t.Errorf("%s holds lead %s: %v, want %v", d.name, id, got, wanted)
		}
	}
}

// TestSupportSightFollowsTheCompanyPipeline: the stage order support's
// sight is measured on is the stored company settings' pipeline, where a
// stage unknown to the default one ("pilot") comes after the solution
// stage and another ("review") before it.
func TestSupportSightFollowsTheCompanyPipeline(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		h.svc.ParseSettings = parseSettings
		doc := companyDoc("prospect", "review", server.SolutionStage, "pilot")
		if res, err := h.svc.SetSettings(context.Background(), doc); err != nil || !res.OK() {
			t.Fatalf("settings: %+v %v", res, err)
		}
		dir := t.TempDir()
		max := bookWithStages(t, dir, h.url, "max", h.addUser("max", server.RoleManager), doc)
		sue := bookWithStages(t, dir, h.url, "sue", h.addUser("sue", server.RoleSupport), doc)
		review, pilot := max.addLead("Review Co"), max.addLead("Pilot Co")
		moveTo(max, review.ID, "review")
		moveTo(max, pilot.ID, "pilot")
		assign(max, review.ID, "sue")
		assign(max, pilot.ID, "sue")
		if rep := max.sync(); rep.Rejected != 0 {
			t.Fatalf("the manager's sync: %+v", rep)
		}
		sue.sync()
		checkLeads(t, sue, []string{pilot.ID}, []string{review.ID, pilot.ID})
	})
}

// TestSettingsThatMoveTheSolutionStageMoveSupportsSight: a new settings
// version that puts a lead's stage after the solution stage grants it to
// its support assignee, and one that puts it back before revokes it,
// though the lead itself never changed.
func TestSettingsThatMoveTheSolutionStageMoveSupportsSight(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		h.svc.ParseSettings = parseSettings
		ctx := context.Background()
		before := companyDoc("prospect", "review", server.SolutionStage, "pilot")
		after := companyDoc("prospect", server.SolutionStage, "review", "pilot")
		if res, err := h.svc.SetSettings(ctx, before); err != nil || !res.OK() {
			t.Fatalf("settings: %+v %v", res, err)
		}
		dir := t.TempDir()
		max := bookWithStages(t, dir, h.url, "max", h.addUser("max", server.RoleManager), before)
		sue := bookWithStages(t, dir, h.url, "sue", h.addUser("sue", server.RoleSupport), after)
		review, early := max.addLead("Review Co"), max.addLead("Prospect Co")
		moveTo(max, review.ID, "review")
		assign(max, review.ID, "sue")
		assign(max, early.ID, "sue")
		max.addVisit(review.ID, "site survey")
		max.sync()
		sue.sync()
		all := []string{review.ID, early.ID}
		checkLeads(t, sue, nil, all)
		for round, c := range []struct {
			doc  string
			want []string
		}{{after, []string{review.ID}}, {before, nil}, {after, []string{review.ID}}} {
			if res, err := h.svc.SetSettings(ctx, c.doc); err != nil || !res.OK() {
				t.Fatalf("round %d: settings: %+v %v", round, res, err)
			}
			sue.sync()
			checkLeads(t, sue, c.want, all)
			if t.Failed() {
				t.Fatalf("after round %d", round)
			}
		}
		recs, _ := h.serverRecords()
		for ref, rec := range sue.replica() {
			if !rec.Equal(recs[ref]) {
				t.Fatalf("sue's %v differs from the server's", ref)
			}
		}
		if len(sue.replica()) != 2 {
			t.Fatalf("sue holds %d records, want the lead and its visit", len(sue.replica()))
		}
	})
}

// TestEveryRoleCanBeGivenAndOthersAreNamed: user add and invitations take
// each of the five roles, and an unknown one is refused with the list
// (accounts are the same code on both backends; bbolt here).
func TestEveryRoleCanBeGivenAndOthersAreNamed(t *testing.T) {
	h := newHarness(t, boltBackend)
	ctx := context.Background()
	for _, role := range server.Roles {
		if is, err := h.svc.IssueToken(ctx, server.TokenRequest{User: "u-" + role, Role: role, NewUser: true}); err != nil || is.Role != role {
			t.Errorf("user add --role %s: %+v %v", role, is, err)
		}
		if inv := mustInvite(t, h.svc, server.InviteRequest{User: "i-" + role, Role: role}); inv.Role != role {
			t.Errorf("invite --role %s: %+v", role, inv)
		}
	}
	const list = "rep, manager, leadership, support or aftersales"
	if _, err := h.svc.IssueToken(ctx, server.TokenRequest{User: "x", Role: "boss", NewUser: true}); err == nil || !strings.Contains(err.Error(), list) {
		t.Errorf("user add --role boss: %v, want the roles listed", err)
	}
	if _, err := h.svc.CreateInvite(ctx, server.InviteRequest{User: "y", Role: "boss"}); err == nil || !strings.Contains(err.Error(), list) {
		t.Errorf("invite --role boss: %v, want the roles listed", err)
	}
}
