package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
	"pgregory.net/rapid"
)

// The gatekeeper tests (issue 12): each finding of a hostile client, sent
// with a rep's own token through the real HTTP handler on both backends,
// is refused with a reason, and afterwards every other user's sync and
// the screens built on it still work.

// pushOne sends op as d and returns the server's answer for it.
func pushOne(t failer, d *device, op model.Op) wire.PushResult {
	t.Helper()
	resp, err := d.c.Push(context.Background(), []model.Op{op})
	if err != nil {
		t.Fatalf("%s: push: %v", d.name, err)
	}
	return resp.Results[0]
}

func wantRejected(t *testing.T, what string, r wire.PushResult, reason string) {
	t.Helper()
	if r.Status != wire.StatusRejected {
		t.Errorf("%s: %+v, want rejected", what, r)
		return
	}
	if !strings.Contains(r.Reason, reason) {
		t.Errorf("%s: reason %q, want it to say %q", what, r.Reason, reason)
	}
}

// stillWorks syncs d and reads what its lead list, today screen and
// reports read: none of it may fail.
func stillWorks(t failer, d *device) {
	t.Helper()
	d.sync()
	if err := d.st.View(func(tx *store.Tx) error {
		if _, err := tx.Leads(store.LeadFilter{}); err != nil {
			return err
		}
		if _, err := tx.Today(); err != nil {
			return err
		}
		_, err := report.Load(tx, time.Now().AddDate(-1, 0, 0), time.Now())
		return err
	}); err != nil {
		t.Fatalf("%s after the hostile pushes: %v", d.name, err)
	}
}

// hlcAt is a stamp at t, on a node of the hostile client.
func hlcAt(t time.Time, counter uint32) model.HLC {
	return model.HLC{Wall: t.UnixMilli(), Counter: counter, Node: "evil"}
}

func TestHostileFieldValuesAreRefused(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		mgr := h.device("boss", "manager")
		ann := h.device("ann", "rep")
		la := ann.addLead("Ann Co")
		ann.sync()
		lead := model.EntityRef{Type: model.TypeLead, ID: la.ID}
		// 9,990 deep: the deepest a whole push can carry (Go's decoder stops
		// at 10,000, which refuses the whole request with a 400).
		deep := strings.Repeat("[", 9990) + strings.Repeat("]", 9990)
		tags := make([]string, 5000)
		for i := range tags {
			tags[i] = "t"
		}
		raw := func(op model.Op, field, value string) model.Op {
			op.Fields[field] = json.RawMessage(value)
			return op
		}
		cases := []struct {
			name   string
			op     model.Op
			reason string
		}{
			// 1: a number where a time belongs stopped every manager's sync.
			{"created_at 12345", forged(lead, model.OpSet, map[string]any{"created_at": 12345}), "created_at: must be a time"},
			// 5: JSON nested 9,996 deep.
			{"deep JSON", raw(forged(lead, model.OpSet, map[string]any{"city": "x"}), "city", deep), "city"},
			{"deep custom", raw(forged(lead, model.OpSet, map[string]any{"city": "x"}), "custom", `{"k":`+deep+`}`), "custom"},
			// 6: more tags than any client allows.
			{"5000 tags", forged(lead, model.OpSet, map[string]any{"tags": tags}), "tags"},
			{"51 tags", forged(lead, model.OpSet, map[string]any{"tags": tags[:51]}), "at most 50"},
			// 7: terminal escapes, bidi overrides, C1 controls.
			{"OSC title", forged(lead, model.OpSet, map[string]any{"company": "X\x1b]0;owned\x07"}), "company: must be one line"},
			{"clear screen", forged(lead, model.OpSet, map[string]any{"company": "X\x1b[2J"}), "company: must be one line"},
			{"OSC 52", forged(lead, model.OpSet, map[string]any{"address": "X\x1b]52;c;cm0gLXJmIH4=\x07"}), "address: contains control characters"},
			{"bidi override", forged(lead, model.OpSet, map[string]any{"company": "Invoice\u202Efdp.exe"}), "company: must be one line"},
			{"C1 CSI", forged(lead, model.OpSet, map[string]any{"company": "X\u009b2J"}), "company: must be one line"},
			// 8: any field name and value.
			{"is_admin", forged(lead, model.OpSet, map[string]any{"is_admin": true}), "is_admin: is not a field of a lead"},
			{"role", forged(lead, model.OpSet, map[string]any{"role": "manager"}), "role: is not a field"},
			{"unknown stage", forged(lead, model.OpSet, map[string]any{"stage": "hacked"}), `stage: "hacked" is not a stage`},
			{"probability 500", forged(lead, model.OpSet, map[string]any{"probability": 500}), "probability: 500 is not between 0 and 100"},
			{"negative value", forged(lead, model.OpSet, map[string]any{"value": map[string]any{"amount": -100}}), "value: amount -100"},
			{"created_at 2999", forged(lead, model.OpSet, map[string]any{"created_at": "2999-01-01T00:00:00Z"}), "created_at"},
			{"created_at tomorrow", forged(lead, model.OpSet, map[string]any{"created_at": time.Now().Add(24 * time.Hour)}), "created_at: "},
			{"id of another lead", forged(lead, model.OpSet, map[string]any{"id": model.NewID()}), "cannot be changed"},
		}
		for _, c := range cases {
			wantRejected(t, c.name, pushOne(t, ann, c.op), c.reason)
		}
		stillWorks(t, mgr)
		stillWorks(t, ann)
		if got := mgr.lead(la.ID); got.Company != "Ann Co" || len(got.Tags) != 0 {
			t.Fatalf("the manager sees %+v", got)
		}
	})
}

func TestServerOwnedFieldsCannotBeForged(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		mgr := h.device("boss", "manager")
		ann := h.device("ann", "rep")
		h.addUser("bob", "rep")
		la := ann.addLead("Ann Co")
		v := ann.addVisit(la.ID, "first notes")
		ann.sync()
		lead := model.EntityRef{Type: model.TypeLead, ID: la.ID}
		visit := model.EntityRef{Type: model.TypeActivity, ID: v.ID}
		now := time.Now()

		// 8: author on a note and by on a stage change name the pusher.
		newVisit := forged(model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, model.OpCreate,
			map[string]any{"lead_id": la.ID, "kind": "visit", "started_at": now, "author": "bob"})
		wantRejected(t, "activity by bob", pushOne(t, ann, newVisit), "author must be you (ann)")
		rev := forged(visit, model.OpAppend, nil)
		rev.Field = "revisions"
		rev.Entry = mustJSON(model.Revision{ID: rev.ID, HLC: rev.HLC, Text: "forged", Author: "bob", At: now})
		wantRejected(t, "revision by bob", pushOne(t, ann, rev), "it must be you (ann)")
		move := forged(lead, model.OpAppend, nil)
		move.Field = "stage_log"
		move.Entry = mustJSON(model.StageEntry{ID: move.ID, HLC: move.HLC, Stage: "won", At: now, By: "bob"})
		wantRejected(t, "stage change by bob", pushOne(t, ann, move), "it must be you (ann)")
		wantRejected(t, "activity's author changed", pushOne(t, ann, forged(visit, model.OpSet, map[string]any{"author": "ann", "created_at": now.Add(-time.Hour)})),
			"created_at is set when it is created")

		// 9: times inside entries are bounded like the op's clock.
		old := forged(model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, model.OpCreate,
			map[string]any{"lead_id": la.ID, "kind": "note", "started_at": now, "author": "ann", "revisions": []model.Revision{
				{ID: model.NewID(), HLC: model.HLC{Wall: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), Node: "evil"}, Text: "for ever on top", Author: "ann", At: now}}})
		wantRejected(t, "revision stamped 2200", pushOne(t, ann, old), "in the future")
		late := forged(visit, model.OpAppend, nil)
		late.Field = "revisions"
		late.Entry = mustJSON(model.Revision{ID: late.ID, HLC: late.HLC, Text: "x", Author: "ann", At: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)})
		wantRejected(t, "revision at 2200", pushOne(t, ann, late), "revisions[0].at")
		big := forged(lead, model.OpSet, map[string]any{"city": "Hangzhou"})
		big.HLC = hlcAt(now.Add(4*time.Minute), 1<<32-1)
		wantRejected(t, "counter 2^32-1", pushOne(t, ann, big), "counter")

		stillWorks(t, mgr)
		if got := mgr.lead(la.ID); got.Stage != la.Stage || got.City != "" {
			t.Fatalf("a forged change reached the manager: %+v", got)
		}
		if rec := mgr.replica()[visit]; !strings.Contains(string(rec.Fields["revisions"]), "first notes") || strings.Contains(string(rec.Fields["revisions"]), "forged") {
			t.Fatalf("the visit's notes on the manager's laptop: %s", rec.Fields["revisions"])
		}
	})
}

// Finding 3: an assignee's create op without an owner, stamped between
// the owner's create and the assignment, took the lead from its owner.
func TestAssigneeCannotClearTheOwnerWithACreate(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		mgr := h.device("boss", "manager")
		ann, bob := h.device("ann", "rep"), h.device("bob", "rep")
		la := ann.addLead("Ann Co")
		ann.sync()
		created := time.Now()
		mgr.sync()
		l := mgr.lead(la.ID)
		l.Assignees = []string{"bob"}
		mgr.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		mgr.sync()
		bob.sync()
		op := forged(model.EntityRef{Type: model.TypeLead, ID: la.ID}, model.OpCreate, map[string]any{"company": "Bob's now", "stage": "prospect"})
		op.HLC = hlcAt(created, 1)
		wantRejected(t, "create without owner", pushOne(t, bob, op), "only a manager can change a lead's owner")
		ann.sync()
		if got := ann.lead(la.ID); got.Owner != "ann" || got.Company != "Ann Co" {
			t.Fatalf("ann's lead after bob's create: %+v", got)
		}
		stillWorks(t, mgr)
	})
}

// Findings 2 and 10: lead ids and target ids do not share a namespace,
// and a target's id is the one its user, year and quarter derive.
func TestTargetNamespaceCannotBeEntered(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		mgr := h.device("boss", "manager")
		h.addUser("alice", "rep")
		ann := h.device("ann", "rep")
		sneaky := forged(model.EntityRef{Type: model.TypeLead, ID: "target:alice"}, model.OpCreate, map[string]any{"company": "Peek", "owner": "ann"})
		wantRejected(t, "lead id target:alice", pushOne(t, ann, sneaky), "colon")

		squat := forged(model.EntityRef{Type: model.TypeTarget, ID: model.TargetID(2028, 0, "alice")}, model.OpCreate,
			map[string]any{"id": model.TargetID(2028, 0, "alice"), "year": 2028, "user": "ann", "won_count": 1, "updated_at": time.Now()})
		wantRejected(t, "ann squats alice's target id", pushOne(t, ann, squat), "is not the id of ann's target")
		bad := forged(model.EntityRef{Type: model.TypeTarget, ID: model.TargetID(2028, 0, "ann")}, model.OpCreate,
			map[string]any{"year": 2028, "user": "ann", "won_count": "ten"})
		wantRejected(t, "won_count as text", pushOne(t, ann, bad), "won_count: must be a whole number")
		mine := forged(model.EntityRef{Type: model.TypeTarget, ID: model.TargetID(2028, 0, "ann")}, model.OpCreate,
			map[string]any{"id": model.TargetID(2028, 0, "ann"), "year": 2028, "user": "ann", "won_count": 3, "updated_at": time.Now(), "set_by": "ann"})
		if r := pushOne(t, ann, mine); r.Status != wire.StatusApplied {
			t.Fatalf("ann's own target: %+v", r)
		}

		// The manager can still set alice's 2028 target, and ann never
		// sees it.
		mgr.update(func(tx *store.Tx) error {
			tg := model.Target{Year: 2028, User: "alice", WonCount: 5}
			return tx.SetTarget(&tg)
		})
		if rep := mgr.sync(); rep.Rejected != 0 {
			t.Fatalf("the manager's target for alice was refused: %+v", mgr.rejected())
		}
		stillWorks(t, ann)
		if ann.has(model.TypeTarget, model.TargetID(2028, 0, "alice")) {
			t.Fatal("ann's replica holds alice's target")
		}
		if !ann.has(model.TypeTarget, model.TargetID(2028, 0, "ann")) {
			t.Fatal("ann's own target did not come back to her")
		}
	})
}

// Finding 9: admin lead assign at the end of the counter, and an assign
// that changes nothing, are reported, not printed as success.
func TestAssignLeadNeverWrapsAndSaysWhenNothingChanged(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		mgr := h.device("boss", "manager")
		h.addUser("bob", "rep")
		l := mgr.addLead("Big Co")
		mgr.sync()
		op := forged(model.EntityRef{Type: model.TypeLead, ID: l.ID}, model.OpSet, map[string]any{"owner": "boss"})
		op.HLC = hlcAt(time.Now().Add(time.Minute), model.MaxCounter)
		if r := pushOne(t, mgr, op); r.Status != wire.StatusApplied {
			t.Fatalf("a manager's op at the highest counter: %+v", r)
		}
		ctx := context.Background()
		if _, err := h.svc.AssignLead(ctx, l.ID, "boss"); err == nil || !strings.Contains(err.Error(), "nothing changed") {
			t.Fatalf("assigning to the current owner: %v", err)
		}
		if _, err := h.svc.AssignLead(ctx, l.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		mgr.sync()
		if got := mgr.lead(l.ID); got.Owner != "bob" {
			t.Fatalf("after assign the owner is %q", got.Owner)
		}
	})
}

// TestHostilePushesNeverBreakAnotherUsersSync is the property of issue 12:
// after any sequence of pushes of hostile ops (built from the shapes the
// findings used: wrong types, forged server fields, escapes, deep JSON,
// clocks at their limits, ids in other namespaces), by a rep or even a
// manager, every other user's sync decodes and applies, and their lead
// list, today screen and reports work. RAPID_CHECKS runs more cases.
func TestHostilePushesNeverBreakAnotherUsersSync(t *testing.T) {
	checkOnBackends(t, 40, 10, runHostileCase)
}

var hostileValues = []string{
	`12345`, `-1`, `1e400`, `0.5`, `true`, `null`, `""`, `"x"`, `[]`, `{}`, `[1,2]`, `{"amount":-100}`,
	`{"amount":99999999999999999}`, `"\u001b]0;pwned\u0007"`, `"\u001b[2J"`, `"a\u009b1mb"`, `"\u202eexe.pdf"`,
	`"2999-01-01T00:00:00Z"`, `"1970-01-01T00:00:00Z"`, `"2026-12-04"`, `"prospect"`, `"won"`, `"lost"`, `"hacked"`,
	`"ann"`, `"bob"`, `"boss"`, `["bob"]`, `["ann","bob"]`, `"visit"`, `"target:ann"`,
	strings.Repeat("[", 300) + strings.Repeat("]", 300), `{"k":` + strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200) + `}`,
	`[` + strings.Repeat(`"t",`, 999) + `"t"]`, `{"a":"b\u0007"}`,
	`[{"id":"e1","hlc":{"wall_ms":7258118400000,"counter":0,"node":"n"},"text":"forever","author":"ann","at":"2026-12-04T00:00:00Z"}]`,
	`[{"id":"e2","hlc":{"wall_ms":1,"counter":4294967295,"node":"n"},"stage":"won","by":"bob","at":"2026-12-04T00:00:00Z"}]`,
	`[{"id":"e3","hlc":{"wall_ms":1,"counter":0,"node":"n"},"text":12,"at":5}]`,
}

var hostileFields = []string{
	"company", "stage", "owner", "assignees", "created_at", "updated_at", "tags", "custom", "probability", "value",
	"is_admin", "role", "revisions", "stage_log", "author", "lead_id", "id", "year", "quarter", "user", "won_count",
	"kind", "started_at", "ended_at", "due", "action", "status", "severity", "description", "screening", "contacts",
	"set_by", "deleted", "lost_reason", "contract",
}

func runHostileCase(t *rapid.T, h *harness) {
	mgr := h.device("boss", "manager")
	ann := h.device("ann", "rep")
	bob := h.device("bob", "rep")
	la := ann.addLead("Ann Co")
	ann.addVisit(la.ID, "notes")
	lb := bob.addLead("Bob Co")
	ann.sync()
	bob.sync()
	ids := []string{la.ID, lb.ID, model.NewID(), "target:ann", model.TargetID(2027, 0, "ann"), model.TargetID(2027, 1, "bob")}
	now := time.Now()
	steps := rapid.IntRange(1, 8).Draw(t, "steps")
	for range steps {
		var ops []model.Op
		for range rapid.IntRange(1, 5).Draw(t, "ops") {
			ref := model.EntityRef{
				Type: rapid.SampledFrom(model.EntityTypes).Draw(t, "type"),
				ID:   rapid.SampledFrom(ids).Draw(t, "id"),
			}
			kind := rapid.SampledFrom([]string{model.OpCreate, model.OpSet, model.OpSet, model.OpAppend, model.OpDelete}).Draw(t, "kind")
			op := model.Op{ID: model.NewID(), Entity: ref, Kind: kind, Schema: 1,
				HLC: hlcAt(now.Add(time.Duration(rapid.IntRange(-60, 4).Draw(t, "minutes"))*time.Minute),
					rapid.SampledFrom([]uint32{0, 1, model.MaxCounter, 1<<32 - 1}).Draw(t, "counter"))}
			switch kind {
			case model.OpCreate, model.OpSet:
				op.Fields = map[string]json.RawMessage{}
				if ref.Type == model.TypeLead && kind == model.OpCreate {
					op.Fields["company"], op.Fields["stage"], op.Fields["owner"] = json.RawMessage(`"New"`), json.RawMessage(`"prospect"`), json.RawMessage(`"ann"`)
				}
				for range rapid.IntRange(1, 4).Draw(t, "fields") {
					op.Fields[rapid.SampledFrom(hostileFields).Draw(t, "field")] = json.RawMessage(rapid.SampledFrom(hostileValues).Draw(t, "value"))
				}
			case model.OpAppend:
				op.Field = rapid.SampledFrom([]string{"revisions", "stage_log"}).Draw(t, "list")
				op.Entry = mustJSON(map[string]any{"id": op.ID, "hlc": op.HLC,
					"text":   rapid.SampledFrom([]string{"ok", "\x1b[2J", strings.Repeat("长", 1000)}).Draw(t, "text"),
					"stage":  rapid.SampledFrom([]string{"won", "hacked"}).Draw(t, "stage"),
					"author": rapid.SampledFrom([]string{"ann", "bob"}).Draw(t, "author"),
					"by":     rapid.SampledFrom([]string{"ann", "bob"}).Draw(t, "by"),
					"at":     rapid.SampledFrom([]time.Time{now, now.AddDate(200, 0, 0)}).Draw(t, "at")})
			}
			ops = append(ops, op)
		}
		pusher := rapid.SampledFrom([]*device{ann, ann, ann, mgr}).Draw(t, "pusher")
		if _, err := pusher.c.Push(context.Background(), ops); err != nil {
			t.Fatalf("push: %v", err)
		}
		// Whoever did not push must still sync and read their book; the
		// pusher too (its own refused ops come back as refusals).
		for _, d := range []*device{mgr, ann, bob} {
			stillWorks(t, d)
		}
	}
	fresh := h.device("boss2", "manager")
	stillWorks(t, fresh)
}

// A company whose laptops use stages of their own gives the server the
// same pipeline (fieldcrm serve --pipeline): its leads are checked
// against it, not against the default.
func TestLeadsAreCheckedAgainstTheServersPipeline(t *testing.T) {
	h := newHarness(t, boltBackend)
	ann := h.device("ann", "rep")
	op := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate,
		map[string]any{"company": "Pilot Co", "owner": "ann", "stage": "pilot"})
	wantRejected(t, "a stage of no pipeline the server knows", pushOne(t, ann, op), `"pilot" is not a stage`)
	p := model.DefaultPipeline()
	p.Stages = append(p.Stages[:2], append([]model.Stage{{Key: "pilot", LabelEN: "Pilot", Probability: 60}}, p.Stages[2:]...)...)
	h.svc.Pipeline = p
	op.ID = model.NewID()
	if r := pushOne(t, ann, op); r.Status != wire.StatusApplied {
		t.Fatalf("a lead in the company's own stage: %+v", r)
	}
}
