package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Operator repair (issue 12): bad ops that got into the log before the
// gatekeeper are planted straight through the storage, as the old server
// merged and logged them; the tests show what they did to real syncs, that
// the checks find them, and that after a quarantine every replica syncs
// clean and holds the rebuilt record.

// bad makes an op as user's laptop would have pushed it, with values
// marshalled as given (json.RawMessage passes through).
func bad(user string, ref model.EntityRef, kind string, fields map[string]any) model.Op {
	// A millisecond ahead: later than every change the test's devices made.
	op := model.Op{ID: model.NewID(), Entity: ref, Kind: kind, HLC: model.HLC{Wall: time.Now().UnixMilli() + 1, Node: user + "-laptop"},
		Actor: model.Actor{User: user, Device: user + "-laptop"}, Schema: model.CurrentSchema}
	if len(fields) > 0 {
		op.Fields = map[string]json.RawMessage{}
		for k, v := range fields {
			data, err := json.Marshal(v)
			if err != nil {
				panic(err)
			}
			op.Fields[k] = data
		}
	}
	return op
}

// plant merges and logs op under lead the way the server did before it
// checked anything, and returns its seq.
func plant(t testing.TB, st server.Storage, op model.Op, lead string) uint64 {
	t.Helper()
	var seq uint64
	err := st.Update(context.Background(), func(tx server.Tx) error {
		rec, exists, err := tx.Record(op.Entity)
		if err != nil {
			return err
		}
		rec.Apply(op)
		if err := tx.PutRecord(op.Entity, rec); err != nil {
			return err
		}
		if !exists && op.Entity.Type != model.TypeLead {
			if err := tx.AddChild(lead, op.Entity); err != nil {
				return err
			}
		}
		seq, err = tx.Append(server.LogEntry{Kind: server.EntryOp, Op: &op, Lead: lead})
		return err
	})
	if err != nil {
		t.Fatalf("plant %s: %v", op.ID, err)
	}
	return seq
}

// trySync syncs d and returns the report and error, failing nothing.
func (d *device) trySync() (remote.Report, error) {
	return remote.Sync(context.Background(), d.st, d.c)
}

// localRecord returns d's copy of ref.
func (d *device) localRecord(ref model.EntityRef) (*model.Record, bool) {
	d.t.Helper()
	var rec *model.Record
	var ok bool
	if err := d.st.View(func(tx *store.Tx) error {
		var err error
		rec, ok, err = tx.Record(ref.Type, ref.ID)
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	return rec, ok
}

func (h *harness) record(ref model.EntityRef) (*model.Record, bool) {
	h.t.Helper()
	var rec *model.Record
	var ok bool
	if err := h.st.View(context.Background(), func(tx server.Tx) error {
		var err error
		rec, ok, err = tx.Record(ref)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return rec, ok
}

// sameFields fails unless the device's copy of ref holds exactly the
// server's values, each with the server's stamp (but id's: only a create
// sets it, never to another value, and no set op can restamp it).
func sameFields(t *testing.T, h *harness, d *device, ref model.EntityRef) {
	t.Helper()
	srv, ok := h.record(ref)
	if !ok {
		t.Fatalf("the server has no %v", ref)
	}
	loc, ok := d.localRecord(ref)
	if !ok {
		t.Fatalf("%s has no %v", d.name, ref)
	}
	if a, b := model.EncodeFields(loc.Fields), model.EncodeFields(srv.Fields); !bytes.Equal(a, b) {
		t.Fatalf("%s's %v differs from the server's:\nlocal  %s\nserver %s", d.name, ref, a, b)
	}
	for f := range srv.Fields {
		if f != "id" && !model.IsAppendField(ref.Type, f) && loc.StampOf(f).HLC != srv.StampOf(f).HLC {
			t.Fatalf("%s's %v.%s is stamped %v, the server's %v", d.name, ref, f, loc.StampOf(f).HLC, srv.StampOf(f).HLC)
		}
	}
}

// pulledOpIDs pulls everything u may see from the start and returns the
// ids of the ops sent, and the last cursor.
func pulledOpIDs(t *testing.T, h *harness, u server.User) ([]string, uint64) {
	t.Helper()
	var ids []string
	cursor := uint64(0)
	for range 1000 {
		page, err := h.svc.Pull(context.Background(), u, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			if c.IsOp() {
				var op model.Op
				data, err := c.OpJSON()
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(data, &op); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, op.ID)
			}
		}
		if page.Cursor < cursor {
			t.Fatalf("the cursor went back from %d to %d", cursor, page.Cursor)
		}
		cursor = page.Cursor
		if !page.More {
			return ids, cursor
		}
	}
	t.Fatal("pull never ended")
	return nil, 0
}

func head(t *testing.T, h *harness) uint64 {
	t.Helper()
	var n uint64
	if err := h.st.View(context.Background(), func(tx server.Tx) error {
		var err error
		n, err = tx.Head()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

var ann = server.User{Name: "ann", Role: server.RoleManager}

// A rep's set op with "created_at": 12345 made every manager's sync fail
// (or, on a replica that sets bad changes aside, left a change behind).
// The checks find it; after the quarantine a fresh manager device syncs
// clean and holds the rebuilt record, a device that could not take it
// before catches up, and `check` passes.
func TestQuarantineUndecodableValue(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		h := newHarness(t, b)
		bob := h.device("bob", server.RoleRep)
		h.addUser("ann", server.RoleManager)
		l := bob.addLead("Acme")
		bob.sync()
		ref := model.EntityRef{Type: model.TypeLead, ID: l.ID}
		before, _ := h.record(ref)
		op := bad("bob", ref, model.OpSet, map[string]any{"created_at": 12345})
		seq := plant(t, h.st, op, l.ID)

		early := h.device("cat", server.RoleManager)
		rep, err := early.trySync()
		if err == nil && rep.SetAside == 0 {
			t.Fatalf("a manager's sync took the bad op without complaint: %+v", rep)
		}
		if rec, ok := early.localRecord(ref); ok && string(rec.Fields["created_at"]) == "12345" {
			t.Fatal("the manager's replica holds created_at 12345")
		}

		list, err := h.svc.ListOps(ctx, server.OpQuery{Bad: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Ops) != 1 || list.Ops[0].OpID != op.ID || list.Ops[0].Seq != seq || !strings.Contains(list.Ops[0].Bad, "created_at") {
			t.Fatalf("ops list --bad: %+v, want op %s at seq %d for created_at", list.Ops, op.ID, seq)
		}
		if o := list.Ops[0]; o.User != "bob" || o.Kind != model.OpSet || !slices.Equal(o.Fields, []string{"created_at"}) || o.Op != nil {
			t.Fatalf("ops list --bad describes the op as %+v (values must not be in it)", o)
		}
		all, err := h.svc.ListOps(ctx, server.OpQuery{User: "bob", Lead: l.ID, Values: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Ops) != 2 || all.Ops[0].Bad != "" || all.Ops[1].Bad == "" || !strings.Contains(string(all.Ops[1].Op), "12345") {
			t.Fatalf("ops list --user bob --lead: %+v", all.Ops)
		}
		if none, _ := h.svc.ListOps(ctx, server.OpQuery{User: "ann"}); len(none.Ops) != 0 {
			t.Fatalf("ops list --user ann lists %+v", none.Ops)
		}
		report, err := h.svc.CheckData(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(report.Ops) != 1 || len(report.Records) != 1 || report.Records[0].Entity != ref {
			t.Fatalf("check before: %+v", report)
		}

		res, err := h.svc.QuarantineOp(ctx, op.ID, "created_at was a number", "ops")
		if err != nil {
			t.Fatal(err)
		}
		if res.Seq != seq || res.Rebuilt != 1 || res.Dropped || len(res.Repairs) != 1 || !slices.Equal(res.Repairs[0].Fields, []string{"created_at"}) {
			t.Fatalf("quarantine: %+v", res)
		}
		after, _ := h.record(ref)
		if !bytes.Equal(after.Fields["created_at"], before.Fields["created_at"]) {
			t.Fatalf("rebuilt created_at is %s, want %s", after.Fields["created_at"], before.Fields["created_at"])
		}
		ids, cursor := pulledOpIDs(t, h, ann)
		if slices.Contains(ids, op.ID) || !slices.Contains(ids, res.Repairs[0].OpID) {
			t.Fatalf("a pull after the quarantine sends %v (bad %s, repair %s)", ids, op.ID, res.Repairs[0].OpID)
		}
		if hd := head(t, h); cursor != hd {
			t.Fatalf("the pull stopped at %d, the head is %d", cursor, hd)
		}

		fresh := h.device("dan", server.RoleManager)
		if rep := fresh.sync(); rep.SetAside != 0 {
			t.Fatalf("a fresh manager device set %d changes aside", rep.SetAside)
		}
		stillWorks(t, fresh)
		sameFields(t, h, fresh, ref)
		// The device that could not take the bad op catches up.
		if _, err := early.trySync(); err != nil {
			t.Fatalf("the early device's sync after the quarantine: %v", err)
		}
		sameFields(t, h, early, ref)
		bob.sync()
		sameFields(t, h, bob, ref)

		report, err = h.svc.CheckData(ctx, 0)
		if err != nil || report.Problems() != 0 {
			t.Fatalf("check after: %+v %v", report, err)
		}
		if _, err := h.svc.QuarantineOp(ctx, op.ID, "", "ops"); err == nil || !strings.Contains(err.Error(), "already quarantined") {
			t.Fatalf("quarantining it again: %v", err)
		}
		if _, err := h.svc.QuarantineOp(ctx, "no-such-op", "", "ops"); err == nil || !strings.Contains(err.Error(), "no op no-such-op") {
			t.Fatalf("quarantining an unknown op: %v", err)
		}
		listed, _ := h.svc.ListOps(ctx, server.OpQuery{Lead: l.ID})
		var q *server.Quarantine
		for _, o := range listed.Ops {
			if o.OpID == op.ID {
				q = o.Quarantined
			}
		}
		if q == nil || q.By != "ops" || q.Reason != "created_at was a number" || q.At.IsZero() {
			t.Fatalf("the audit record of the quarantine: %+v", q)
		}
	})
}

// A value every replica can decode but the server refuses today (a time
// far in the future) was applied by the laptops that pulled it; the
// repair op brings them back to the rebuilt values, stamps and all.
func TestQuarantineRepairsReplicasThatAppliedIt(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		h := newHarness(t, b)
		bob := h.device("bob", server.RoleRep)
		ann := h.device("ann", server.RoleManager)
		l := bob.addLead("Acme")
		bob.sync()
		ann.sync()
		ref := model.EntityRef{Type: model.TypeLead, ID: l.ID}
		op := bad("bob", ref, model.OpSet, map[string]any{"updated_at": "2150-01-01T00:00:00Z", "company": "Acme (renamed by a broken laptop)"})
		plant(t, h.st, op, l.ID)
		if rep := ann.sync(); rep.SetAside != 0 {
			t.Fatalf("the premise: a replica applies a decodable far-future time, but it set %d changes aside", rep.SetAside)
		}
		if got := ann.lead(l.ID); got.UpdatedAt.Year() != 2150 {
			t.Fatalf("the premise: the manager's replica applied the bad op, but updated_at is %v", got.UpdatedAt)
		}

		list, err := h.svc.ListOps(ctx, server.OpQuery{Bad: true})
		if err != nil || len(list.Ops) != 1 || list.Ops[0].OpID != op.ID || !strings.Contains(list.Ops[0].Bad, "future") {
			t.Fatalf("ops list --bad: %+v %v", list.Ops, err)
		}
		res, err := h.svc.QuarantineOp(ctx, op.ID, "updated_at in 2150", "ops")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Repairs) != 1 || !slices.Equal(res.Repairs[0].Fields, []string{"company", "updated_at"}) {
			t.Fatalf("quarantine: %+v", res)
		}
		ann.sync()
		if got := ann.lead(l.ID); got.Company != "Acme" || got.UpdatedAt.Year() == 2150 {
			t.Fatalf("after the repair the manager's replica holds %q updated %v", got.Company, got.UpdatedAt)
		}
		sameFields(t, h, ann, ref)
		bob.sync()
		sameFields(t, h, bob, ref)
		if report, err := h.svc.CheckData(ctx, 0); err != nil || report.Problems() != 0 {
			t.Fatalf("check after: %+v %v", report, err)
		}

		// A create clears every field it does not name: quarantined, the
		// repair sets those back too.
		l2 := model.Lead{Company: "Bmax", City: "Berlin"}
		bob.update(func(tx *store.Tx) error { return tx.AddLead(&l2) })
		bob.sync()
		ann.sync()
		ref2 := model.EntityRef{Type: model.TypeLead, ID: l2.ID}
		now := time.Now().UTC()
		recreate := bad("bob", ref2, model.OpCreate, map[string]any{"id": l2.ID, "company": "Bmax (recreated)", "owner": "bob",
			"stage": "prospect", "created_at": now, "updated_at": "2150-01-01T00:00:00Z"})
		plant(t, h.st, recreate, l2.ID)
		if rep := ann.sync(); rep.SetAside != 0 {
			t.Fatalf("the premise: the manager's replica applies the bad create, but set %d changes aside", rep.SetAside)
		}
		if got := ann.lead(l2.ID); got.City != "" || got.UpdatedAt.Year() != 2150 {
			t.Fatalf("the premise: the manager's replica applied the bad create, but holds city %q updated %v", got.City, got.UpdatedAt)
		}
		res, err = h.svc.QuarantineOp(ctx, recreate.ID, "", "ops")
		if err != nil || len(res.Repairs) != 1 || !slices.Contains(res.Repairs[0].Fields, "city") {
			t.Fatalf("quarantine the create: %+v %v", res, err)
		}
		ann.sync()
		if got := ann.lead(l2.ID); got.City != "Berlin" || got.Company != "Bmax" {
			t.Fatalf("after the repair the manager's replica holds %q in %q", got.Company, got.City)
		}
		sameFields(t, h, ann, ref2)
	})
}

// Every kind of bad op the issue names, planted together: a fresh
// manager device cannot sync clean before, `check` finds each, and after
// each is quarantined a fresh device syncs clean and its screens work.
func TestQuarantineEveryKindOfBadOp(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		h := newHarness(t, b)
		bob := h.device("bob", server.RoleRep)
		h.addUser("alice", server.RoleRep)
		l := bob.addLead("Acme")
		visit := bob.addVisit(l.ID, "first notes")
		bob.sync()
		lead := model.EntityRef{Type: model.TypeLead, ID: l.ID}

		tags := make([]string, 5000)
		for i := range tags {
			tags[i] = fmt.Sprintf("t%d", i)
		}
		future := bad("bob", model.EntityRef{Type: model.TypeActivity, ID: visit.ID}, model.OpAppend, nil)
		future.Field = "revisions"
		future.Entry, _ = json.Marshal(model.Revision{ID: future.ID, HLC: future.HLC, Text: "from the future", Author: "bob", At: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)})
		target := model.EntityRef{Type: model.TypeLead, ID: "target:alice"}
		planted := map[string]model.Op{
			"tags":     bad("bob", lead, model.OpSet, map[string]any{"tags": tags}),
			"escape":   bad("bob", lead, model.OpSet, map[string]any{"city": "\x1b[2J\x1b]0;pwned\x07"}),
			"revision": future,
			"target": bad("bob", target, model.OpCreate, map[string]any{"id": target.ID, "company": "Not a lead",
				"owner": "bob", "assignees": []string{"alice"}, "stage": "prospect", "created_at": time.Now().UTC(), "updated_at": time.Now().UTC()}),
		}
		leadOf := map[string]string{"tags": l.ID, "escape": l.ID, "revision": l.ID, "target": target.ID}
		for _, k := range []string{"tags", "escape", "revision", "target"} {
			plant(t, h.st, planted[k], leadOf[k])
		}
		// The old server made the pseudo-lead visible to the "lead"'s
		// owner and assignee: bob, who then saw alice's targets, and
		// alice, who sees them by right.
		if err := h.st.Update(ctx, func(tx server.Tx) error { return tx.SetVisible(target.ID, nil, []string{"bob", "alice"}) }); err != nil {
			t.Fatal(err)
		}

		early := h.device("cat", server.RoleManager)
		if rep, err := early.trySync(); err == nil && rep.SetAside == 0 {
			t.Fatalf("a manager's sync took every bad op without complaint: %+v", rep)
		}
		report, err := h.svc.CheckData(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, o := range report.Ops {
			for k, op := range planted {
				if op.ID == o.OpID {
					reasons[k] = o.Bad
				}
			}
		}
		want := map[string]string{"tags": "at most 100", "escape": "one line", "revision": "future", "target": "colon"}
		for k, w := range want {
			if !strings.Contains(reasons[k], w) {
				t.Errorf("check says of the %s op %q, want it to say %q", k, reasons[k], w)
			}
		}
		if len(report.Ops) != len(planted) {
			t.Errorf("check found %d bad ops, want %d: %+v", len(report.Ops), len(planted), report.Ops)
		}
		if bounded, _ := h.svc.CheckData(ctx, 2); bounded.Problems() != 2 || !bounded.Stopped {
			t.Errorf("check bounded to 2 found %d (stopped %v)", bounded.Problems(), bounded.Stopped)
		}
		if t.Failed() {
			t.FailNow()
		}

		for _, k := range []string{"tags", "escape", "revision", "target"} {
			res, err := h.svc.QuarantineOp(ctx, planted[k].ID, k, "ops")
			if err != nil {
				t.Fatalf("quarantine the %s op: %v", k, err)
			}
			switch k {
			case "revision":
				if len(res.Repairs) != 0 || !strings.Contains(res.Note, "appended entry") {
					t.Errorf("quarantining an append: %+v", res)
				}
			case "target":
				if !res.Dropped || len(res.Repairs) != 0 || !strings.Contains(res.Note, "colon") {
					t.Errorf("quarantining the lead with a target's id: %+v", res)
				}
			default:
				if len(res.Repairs) != 1 {
					t.Errorf("quarantining the %s op: %+v", k, res)
				}
			}
		}
		if _, ok := h.record(target); ok {
			t.Error("the lead named target:alice is still on the server")
		}
		err = h.st.View(ctx, func(tx server.Tx) error {
			if v, err := tx.Visible("bob", target.ID); err != nil || v {
				return fmt.Errorf("bob still sees alice's targets (%v)", err)
			}
			if v, err := tx.Visible("alice", target.ID); err != nil || !v {
				return fmt.Errorf("alice no longer sees her own targets (%v)", err)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		page, err := h.svc.Pull(ctx, server.User{Name: "bob", Role: server.RoleRep}, 0, wire.MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		var removed bool
		for _, c := range page.Changes {
			data, _ := json.Marshal(c.Remove)
			removed = removed || (c.Remove != nil && strings.Contains(string(data), target.ID))
		}
		if !removed {
			t.Error("bob's pull does not take the pseudo-lead away from him")
		}
		if report, err := h.svc.CheckData(ctx, 0); err != nil || report.Problems() != 0 {
			t.Fatalf("check after the quarantines: %+v %v", report, err)
		}

		fresh := h.device("dan", server.RoleManager)
		if rep := fresh.sync(); rep.SetAside != 0 {
			t.Fatalf("a fresh manager device set %d changes aside", rep.SetAside)
		}
		stillWorks(t, fresh)
		sameFields(t, h, fresh, lead)
		sameFields(t, h, fresh, model.EntityRef{Type: model.TypeActivity, ID: visit.ID})
		if got := fresh.lead(l.ID); len(got.Tags) != 0 || got.City != "" {
			t.Fatalf("the fresh device's lead has %d tags and city %q", len(got.Tags), got.City)
		}
		if _, err := early.trySync(); err != nil {
			t.Fatalf("the early device's sync after the quarantines: %v", err)
		}
		sameFields(t, h, early, lead)
	})
}

// A repair op is stamped after the bad op even when the bad op's counter
// is at model.MaxCounter: the wall time carries, the counter never passes
// the bound (a replica would refuse it).
func TestRepairStampCarriesIntoTheWallTime(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, boltBackend)
	bob := h.device("bob", server.RoleRep)
	l := bob.addLead("Acme")
	bob.sync()
	ref := model.EntityRef{Type: model.TypeLead, ID: l.ID}
	op := bad("bob", ref, model.OpSet, map[string]any{"city": "\x1b[31mred"})
	op.HLC = model.HLC{Wall: time.Now().Add(time.Minute).UnixMilli(), Counter: model.MaxCounter, Node: "bob-laptop"}
	plant(t, h.st, op, l.ID)
	res, err := h.svc.QuarantineOp(ctx, op.ID, "", "ops")
	if err != nil || len(res.Repairs) != 1 {
		t.Fatalf("quarantine: %+v %v", res, err)
	}
	list, err := h.svc.ListOps(ctx, server.OpQuery{Lead: l.ID, Values: true})
	if err != nil {
		t.Fatal(err)
	}
	var repair model.Op
	for _, o := range list.Ops {
		if o.OpID == res.Repairs[0].OpID {
			if repair, err = model.DecodeOp(o.Op); err != nil {
				t.Fatalf("the repair op does not decode: %v", err)
			}
		}
	}
	if repair.HLC.Counter > model.MaxCounter || repair.HLC.Compare(op.HLC) <= 0 || repair.HLC.Wall != op.HLC.Wall+1 {
		t.Fatalf("repair stamped %v after a bad op stamped %v", repair.HLC, op.HLC)
	}
	if repair.Actor.User != "admin" || repair.HLC.Node != "server" {
		t.Fatalf("the repair op is by %+v on %s", repair.Actor, repair.HLC.Node)
	}
	if string(repair.Fields["city"]) != "null" {
		t.Fatalf("the repair sets city to %s, want null (no other op set it)", repair.Fields["city"])
	}
}

// A bad op stamped far ahead of the server's clock gets no repair op: one
// stamped after it would drag every laptop's clock along. It still leaves
// the pulls and the rebuilt record.
func TestNoRepairAfterAFutureClock(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, boltBackend)
	bob := h.device("bob", server.RoleRep)
	l := bob.addLead("Acme")
	bob.sync()
	ref := model.EntityRef{Type: model.TypeLead, ID: l.ID}
	op := bad("bob", ref, model.OpSet, map[string]any{"city": "Atlantis"})
	op.HLC.Wall = time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	plant(t, h.st, op, l.ID)
	if list, _ := h.svc.ListOps(ctx, server.OpQuery{Bad: true}); len(list.Ops) != 1 || !strings.Contains(list.Ops[0].Bad, "clock") {
		t.Fatalf("ops list --bad: %+v", list.Ops)
	}
	res, err := h.svc.QuarantineOp(ctx, op.ID, "", "ops")
	if err != nil || len(res.Repairs) != 0 || !strings.Contains(res.Note, "clock") {
		t.Fatalf("quarantine: %+v %v", res, err)
	}
	if rec, _ := h.record(ref); rec.Fields["city"] != nil {
		t.Fatalf("the rebuilt lead keeps city %s", rec.Fields["city"])
	}
	fresh := h.device("dan", server.RoleManager)
	fresh.sync()
	if fresh.lead(l.ID).City != "" {
		t.Fatal("a fresh device got the quarantined value")
	}
}

// `admin migrate` carries the quarantine marks to PostgreSQL: pulls there
// keep skipping the op.
func TestMigrateKeepsQuarantines(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "srv")
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	lead := model.NewID()
	ref := model.EntityRef{Type: model.TypeLead, ID: lead}
	now := time.Now().UTC()
	create := bad("ann", ref, model.OpCreate, map[string]any{"id": lead, "company": "Acme", "owner": "ann", "stage": "prospect", "created_at": now, "updated_at": now})
	plant(t, st, create, lead)
	evil := bad("ann", ref, model.OpSet, map[string]any{"created_at": 12345})
	plant(t, st, evil, lead)
	if _, err := svc.QuarantineOp(ctx, evil.ID, "number", "ops"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	h := &harness{t: t, st: migratedToPG(t, dir)}
	h.svc = &server.Service{Store: h.st}
	ids, _ := pulledOpIDs(t, h, ann)
	if slices.Contains(ids, evil.ID) || !slices.Contains(ids, create.ID) {
		t.Fatalf("a pull on PostgreSQL after the migration sends %v (quarantined %s)", ids, evil.ID)
	}
	if rep, err := h.svc.CheckData(ctx, 0); err != nil || rep.Problems() != 0 {
		t.Fatalf("check on PostgreSQL after the migration: %+v %v", rep, err)
	}
	if _, err := h.svc.QuarantineOp(ctx, evil.ID, "", "ops"); err == nil || !strings.Contains(err.Error(), "already quarantined: by ops") {
		t.Fatalf("quarantining it again on PostgreSQL: %v", err)
	}
}

// ListOps and CheckData read the store a chunk at a time; whatever the
// chunk, they find the same.
func TestChecksReadInChunks(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		h := newHarness(t, b)
		bob := h.device("bob", server.RoleRep)
		h.addUser("cat", server.RoleRep)
		var leads []model.Lead
		for i := range 4 {
			l := bob.addLead(fmt.Sprintf("Lead %d", i))
			bob.addVisit(l.ID, "notes")
			leads = append(leads, l)
		}
		bob.sync()
		if _, err := h.svc.AssignLead(ctx, leads[2].ID, "cat"); err != nil { // a grant and a revoke in the log
			t.Fatal(err)
		}
		for _, i := range []int{1, 3} {
			ref := model.EntityRef{Type: model.TypeLead, ID: leads[i].ID}
			plant(t, h.st, bad("bob", ref, model.OpSet, map[string]any{"city": "\x1b[5mblink"}), ref.ID)
		}
		summary := func() string {
			t.Helper()
			rep, err := h.svc.CheckData(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			all, err := h.svc.ListOps(ctx, server.OpQuery{})
			if err != nil {
				t.Fatal(err)
			}
			one, err := h.svc.ListOps(ctx, server.OpQuery{Bad: true, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "checked %d ops %d records;", rep.OpsChecked, rep.RecordsChecked)
			for _, o := range rep.Ops {
				fmt.Fprintf(&b, " bad op %d;", o.Seq)
			}
			for _, r := range rep.Records {
				fmt.Fprintf(&b, " bad %v;", r.Entity)
			}
			for _, o := range all.Ops {
				fmt.Fprintf(&b, " op %d %v;", o.Seq, o.Bad != "")
			}
			fmt.Fprintf(&b, " first bad %d more %v", one.Ops[0].Seq, one.More)
			return b.String()
		}
		want := summary()
		if !strings.Contains(want, "checked 11 ops 8 records;") || strings.Count(want, "bad op") != 2 || strings.Count(want, "bad {lead") != 2 {
			t.Fatalf("in one chunk: %s", want)
		}
		for _, n := range []int{1, 2, 3, 7} {
			restore := server.SetReadChunk(n)
			got := summary()
			restore()
			if got != want {
				t.Fatalf("in chunks of %d:\n got %s\nwant %s", n, got, want)
			}
		}
	})
}

// A bad create that is all there ever was of a record: the rebuilt record
// is empty, so the repair deletes it on the replicas that hold it, and the
// server keeps only that.
func TestQuarantineTheOnlyCreate(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		h := newHarness(t, b)
		h.addUser("bob", server.RoleRep)
		ann := h.device("ann", server.RoleManager)
		now := time.Now().UTC()
		ref := model.EntityRef{Type: model.TypeLead, ID: model.NewID()}
		create := bad("bob", ref, model.OpCreate, map[string]any{"id": ref.ID, "company": "Future Co", "owner": "bob",
			"stage": "prospect", "created_at": now, "updated_at": "2150-01-01T00:00:00Z"})
		plant(t, h.st, create, ref.ID)
		if err := h.st.Update(ctx, func(tx server.Tx) error { return tx.SetVisible(ref.ID, nil, []string{"bob"}) }); err != nil {
			t.Fatal(err)
		}
		if rep := ann.sync(); rep.SetAside != 0 || ann.lead(ref.ID).Company != "Future Co" {
			t.Fatalf("the premise: the manager's replica applies the bad create (set aside %d)", rep.SetAside)
		}
		res, err := h.svc.QuarantineOp(ctx, create.ID, "", "ops")
		if err != nil || res.Rebuilt != 0 || res.Dropped || len(res.Repairs) != 1 || !slices.Contains(res.Repairs[0].Fields, "deleted") {
			t.Fatalf("quarantine: %+v %v", res, err)
		}
		rec, ok := h.record(ref)
		if !ok || model.EncodeFields(rec.Fields) == nil || string(model.EncodeFields(rec.Fields)) != `{"deleted":true}` {
			t.Fatalf("the server keeps %s", model.EncodeFields(rec.Fields))
		}
		ann.sync()
		stillWorks(t, ann)
		if loc, _ := ann.localRecord(ref); string(loc.Fields["deleted"]) != "true" || loc.Fields["company"] != nil {
			t.Fatalf("the manager's replica keeps %s", model.EncodeFields(loc.Fields))
		}
		fresh := h.device("dan", server.RoleManager)
		if rep := fresh.sync(); rep.SetAside != 0 {
			t.Fatalf("a fresh manager device set %d changes aside", rep.SetAside)
		}
		stillWorks(t, fresh)
		if loc, ok := fresh.localRecord(ref); ok && string(loc.Fields["deleted"]) != "true" {
			t.Fatalf("a fresh device holds a live %s", model.EncodeFields(loc.Fields))
		}
		if rep, err := h.svc.CheckData(ctx, 0); err != nil || rep.Problems() != 0 {
			t.Fatalf("check after: %+v %v", rep, err)
		}
		// bob lost the lead: his next pull says so.
		page, err := h.svc.Pull(ctx, server.User{Name: "bob", Role: server.RoleRep}, 0, wire.MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		var revoked bool
		for _, c := range page.Changes {
			data, _ := json.Marshal(c.Remove)
			revoked = revoked || (c.Remove != nil && strings.Contains(string(data), ref.ID))
		}
		if !revoked {
			t.Error("bob's pull does not take the lead away")
		}
	})
}
