package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// waitingOps returns the JSON of the ops in d's outbox after seq, and
// the last seq.
func (d *device) waitingOps(after uint64) ([]json.RawMessage, uint64) {
	d.t.Helper()
	var raws []json.RawMessage
	last := after
	d.update(func(tx *store.Tx) error {
		entries, err := tx.OutboxJSONAfter(after, 0)
		for _, e := range entries {
			raws, last = append(raws, e.Raw), e.Seq
		}
		return err
	})
	return raws, last
}

// A push answer says the replica is caught up only when a pull from the
// cursor it named would bring it nothing: the log ended there, in its
// epoch, and the batch appended only its own ops.
func TestPushSaysWhenItsReplicaIsCaughtUp(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ctx := context.Background()
		ann := h.device("ann", server.RoleRep)
		h.addUser("bob", server.RoleRep)
		boss := h.device("boss", server.RoleManager)
		annU := server.User{Name: "ann", Role: server.RoleRep}
		node := ann.st.Node()
		var sent uint64
		push := func(reach wire.Reach) wire.PushResponse {
			t.Helper()
			ops, last := ann.waitingOps(sent)
			sent = last
			resp, err := h.svc.PushReach(ctx, annU, ops, reach)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}

		// A first push to an empty server, from a replica that never pulled.
		lead := ann.addLead("Caught Up")
		ann.addVisit(lead.ID, "a visit")
		resp := push(wire.Reach{Replica: node})
		page, err := h.svc.Pull(ctx, annU, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if resp.CaughtUp == nil || *resp.CaughtUp != (wire.CaughtUp{Cursor: 2, Epoch: page.Epoch}) {
			t.Fatalf("first push: caught up %+v, want to 2 in %s", resp.CaughtUp, page.Epoch)
		}
		epoch := page.Epoch

		head := uint64(2)
		for _, c := range []struct {
			why   string
			reach func(head uint64) wire.Reach
			want  bool
		}{
			{"no reach", func(uint64) wire.Reach { return wire.Reach{} }, false},
			{"a cursor behind the log", func(head uint64) wire.Reach { return wire.Reach{Replica: node, Cursor: head - 1, Epoch: epoch} }, false},
			{"no epoch past seq 0", func(head uint64) wire.Reach { return wire.Reach{Replica: node, Cursor: head} }, false},
			{"another epoch", func(head uint64) wire.Reach { return wire.Reach{Replica: node, Cursor: head, Epoch: "other"} }, false},
			{"another replica's ops", func(head uint64) wire.Reach { return wire.Reach{Replica: "another-node", Cursor: head, Epoch: epoch} }, false},
			{"the log's head", func(head uint64) wire.Reach { return wire.Reach{Replica: node, Cursor: head, Epoch: epoch} }, true},
		} {
			ann.addVisit(lead.ID, c.why)
			resp := push(c.reach(head))
			if resp.Results[0].Status != wire.StatusApplied || resp.Results[0].Seq != head+1 {
				t.Fatalf("%s: %+v", c.why, resp.Results)
			}
			head++
			if got := resp.CaughtUp != nil; got != c.want {
				t.Fatalf("%s: caught up %+v, want %v", c.why, resp.CaughtUp, c.want)
			}
			if c.want && *resp.CaughtUp != (wire.CaughtUp{Cursor: head, Epoch: epoch}) {
				t.Fatalf("%s: caught up %+v, want to %d", c.why, resp.CaughtUp, head)
			}
		}

		// A resend of what the server has: nothing appended.
		again, _ := ann.waitingOps(0)
		resp, err = h.svc.PushReach(ctx, annU, again[:1], wire.Reach{Replica: node, Cursor: head, Epoch: epoch})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Results[0].Status != wire.StatusDuplicate || resp.CaughtUp == nil || resp.CaughtUp.Cursor != head {
			t.Fatalf("a resend at the head: %+v", resp)
		}

		// Someone else's change after the cursor: the pull decides.
		boss.addLead("The Manager's")
		boss.sync()
		ann.addVisit(lead.ID, "after the manager's lead")
		if resp := push(wire.Reach{Replica: node, Cursor: head, Epoch: epoch}); resp.CaughtUp != nil {
			t.Fatalf("a push after another user's: caught up %+v", resp.CaughtUp)
		}

		// A batch that appends a grant and a revoke besides its op: the
		// manager hands ann's lead to bob. A manager's pull leaves out
		// every grant and revoke, so the manager is caught up to the head
		// past them, and a pull from there brings nothing.
		boss.sync()
		var bossState store.SyncState
		boss.update(func(tx *store.Tx) error { bossState = tx.SyncState(); return nil })
		l := boss.lead(lead.ID)
		l.Owner = "bob"
		boss.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		ops, _ := boss.waitingOps(0)
		resp, err = h.svc.PushReach(ctx, server.User{Name: "boss", Role: server.RoleManager}, ops,
			wire.Reach{Replica: boss.st.Node(), Cursor: bossState.Cursor, Epoch: epoch})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Results[0].Status != wire.StatusApplied || resp.CaughtUp == nil {
			t.Fatalf("a manager's hand-over: %+v, want applied and caught up", resp)
		}
		bossU := server.User{Name: "boss", Role: server.RoleManager}
		want := resp.Results[0].Seq + 2*(server.VisibilitySlots+1) // bob's grant, ann's revoke
		if resp.CaughtUp.Cursor != want {
			t.Fatalf("a manager's hand-over: caught up to %d, want %d", resp.CaughtUp.Cursor, want)
		}
		if page, err := h.svc.Pull(ctx, bossU, want, 10); err != nil || len(page.Changes) != 0 || page.More {
			t.Fatalf("the manager's pull from there: %+v, %v", page, err)
		}
		head = want

		// A rep's batch that wins her lead, which hands it on to the
		// support and after-sales queues: their grants are not hers to
		// pull, so she is caught up past them too, and her pull from
		// before the batch brings her own ops alone.
		mine := ann.addLead("Won Here")
		if resp := push(wire.Reach{Replica: node, Cursor: head, Epoch: epoch}); resp.CaughtUp == nil {
			t.Fatalf("a rep's new lead: %+v, want caught up", resp)
		} else {
			head = resp.CaughtUp.Cursor
		}
		moveTo(ann, mine.ID, model.StageWon)
		resp = push(wire.Reach{Replica: node, Cursor: head, Epoch: epoch})
		applied := 0
		for _, r := range resp.Results {
			if r.Status == wire.StatusApplied {
				applied++
			}
		}
		if applied == 0 || resp.CaughtUp == nil || resp.CaughtUp.Cursor <= head+uint64(applied) {
			t.Fatalf("a rep's win handed on: %+v, want applied, and caught up past the queues' grants", resp)
		}
		page, err = h.svc.Pull(ctx, annU, head, 100)
		if err != nil || len(page.Changes) != applied || page.Cursor != resp.CaughtUp.Cursor || page.More {
			t.Fatalf("the rep's pull from before her win: %d changes to %d (more %v), %v; want her %d ops, to %d",
				len(page.Changes), page.Cursor, page.More, err, applied, resp.CaughtUp.Cursor)
		}
		sue := h.device("sue", server.RoleSupport)
		sue.sync()
		if !sue.has(model.TypeLead, mine.ID) {
			t.Fatal("support does not see the lead handed on to its queue")
		}
	})
}

// pullFrom is a transport that records the cursor of every pull, and
// runs between, when set, after the first push's answer arrives.
type pullFrom struct {
	mu      sync.Mutex
	cursors []uint64
	between func()
}

func (p *pullFrom) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/v1/pull") {
		c, _ := strconv.ParseUint(r.URL.Query().Get("cursor"), 10, 64)
		p.mu.Lock()
		p.cursors = append(p.cursors, c)
		p.mu.Unlock()
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/v1/push") && p.between != nil {
		p.between()
		p.between = nil
	}
	return resp, err
}

// A first sync in several batches leaves nothing to pull after it: the
// pull asks from the head of the log the push wrote. When another
// replica's change lands between two batches, the pull brings it.
func TestFirstPushLeavesNothingToPull(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		tok := h.addUser("ann", server.RoleRep)
		one := h.deviceWithToken("ann", tok)
		two := h.secondDevice(one, tok)
		ctx := context.Background()
		sync := func(d *device, tr *pullFrom) remote.Report {
			t.Helper()
			d.c.HTTP = &http.Client{Transport: tr, Timeout: 20 * time.Second}
			rep, err := remote.SyncWith(ctx, d.st, d.c, remote.Options{PushBatch: 2})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		cursor := func(d *device) uint64 {
			var c uint64
			d.update(func(tx *store.Tx) error { c = tx.SyncState().Cursor; return nil })
			return c
		}

		lead := one.addLead("Five Ops")
		for i := range 4 {
			one.addVisit(lead.ID, "visit "+strconv.Itoa(i))
		}
		tr := &pullFrom{}
		if rep := sync(one, tr); rep.Pushed != 5 || rep.Pulled != 0 {
			t.Fatalf("first sync: %+v", rep)
		}
		if len(tr.cursors) != 1 || tr.cursors[0] != 5 || cursor(one) != 5 {
			t.Fatalf("the pull after the first push asked from %v and left the cursor at %d; want one pull from 5", tr.cursors, cursor(one))
		}

		// Three batches again, and the other replica pushes after the first.
		if rep := two.sync(); rep.Pulled != 5 {
			t.Fatalf("the other replica pulled %+v", rep)
		}
		for i := range 5 {
			one.addVisit(lead.ID, "more "+strconv.Itoa(i))
		}
		var from model.Activity
		tr = &pullFrom{between: func() { from = two.addVisit(lead.ID, "from the other replica"); two.sync() }}
		if rep := sync(one, tr); rep.Pushed != 5 || rep.Pulled != 1 {
			t.Fatalf("second sync: %+v, want 5 pushed and the other replica's op pulled", rep)
		}
		if !one.has(model.TypeActivity, from.ID) {
			t.Fatal("the other replica's visit, pushed between two batches, did not arrive")
		}
		if len(tr.cursors) != 1 || tr.cursors[0] != 7 {
			t.Fatalf("the pull asked from %v; want from 7, the first batch's answer", tr.cursors)
		}
		two.sync()
		if err := h.checkConverged([]*device{one, two}, nil); err != nil {
			t.Fatal(err)
		}
	})
}
