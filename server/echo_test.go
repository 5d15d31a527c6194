package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// loseAnswers is a transport that delivers pushes and then loses the
// server's answer, as a connection dropped on the way back would.
type loseAnswers struct{ lose bool }

func (l *loseAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && l.lose && strings.HasSuffix(r.URL.Path, "/v1/push") {
		resp.Body.Close()
		return nil, errors.New("connection reset on the way back")
	}
	return resp, err
}

// secondDevice opens another replica of d's user, with its own file and
// node but the same token.
func (h *harness) secondDevice(d *device, token string) *device {
	h.t.Helper()
	rules := model.DefaultRules()
	rules.Location = time.UTC
	st, err := store.Open(store.Options{Path: filepath.Join(h.dir, "devices", d.name+"-2.db"), User: d.name, Rules: &rules, KeepOpen: true, NoSync: true})
	if err != nil {
		h.t.Fatal(err)
	}
	h.closers = append(h.closers, func() { st.Close() })
	c, err := remote.NewClient(h.url, token)
	if err != nil {
		h.t.Fatal(err)
	}
	return &device{t: h.t, name: d.name, st: st, c: c}
}

// A pull leaves out the ops the pulling replica pushed and stored answers
// for; another replica of the same user still gets them, and a replica
// that lost a push answer converges all the same.
func TestPullDoesNotEchoOwnOps(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		tok := h.addUser("ann", server.RoleRep)
		one := h.deviceWithToken("ann", tok)
		two := h.secondDevice(one, tok)

		lead := one.addLead("Echo Works")
		one.addVisit(lead.ID, "first visit")
		if rep := one.sync(); rep.Pushed != 2 || rep.Pulled != 0 {
			t.Fatalf("first sync: pushed %d, pulled %d; want 2 pushed and nothing pulled back", rep.Pushed, rep.Pulled)
		}
		if rep := two.sync(); rep.Pulled != 2 {
			t.Fatalf("the other replica pulled %d changes, want 2", rep.Pulled)
		}
		l := two.lead(lead.ID)
		l.City = "Hangzhou"
		two.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		if rep := two.sync(); rep.Pushed != 1 || rep.Pulled != 0 {
			t.Fatalf("second replica's sync: pushed %d, pulled %d; want 1 and 0", rep.Pushed, rep.Pulled)
		}
		if rep := one.sync(); rep.Pulled != 1 {
			t.Fatalf("first replica pulled %d changes, want the other replica's 1", rep.Pulled)
		}

		// The push arrives, its answer does not: the op stays in the
		// outbox, is sent again, answered duplicate, and nothing is lost.
		lose := &loseAnswers{lose: true}
		one.c.HTTP = &http.Client{Transport: lose, Timeout: 10 * time.Second}
		one.addLead("Answer Lost")
		if _, err := remote.Sync(context.Background(), one.st, one.c); err == nil {
			t.Fatal("a sync whose push answer was lost succeeded")
		}
		lose.lose = false
		if rep := one.sync(); rep.Duplicates != 1 || rep.Pushed != 0 {
			t.Fatalf("after the lost answer: %+v; want the op answered duplicate", rep)
		}
		two.sync()
		one.sync()
		if err := h.checkConverged([]*device{one, two}, nil); err != nil {
			t.Fatal(err)
		}

		// A client that does not say who it is gets every op, as before.
		page, err := h.svc.Pull(context.Background(), server.User{Name: "ann", Role: server.RoleRep}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if ops := countOps(page); ops != 4 {
			t.Fatalf("a pull without %s got %d ops, want all 4", wire.OwnHeader, ops)
		}
		// One that says it holds its ops up to a seq gets the later ones.
		var node string
		var acked uint64
		one.update(func(tx *store.Tx) error { acked = tx.SyncState().Acked; return nil })
		node = one.st.Node()
		page, err = h.svc.PullOwn(context.Background(), server.User{Name: "ann", Role: server.RoleRep}, 0, 100,
			wire.Own{Replica: node, Acked: acked - 1})
		if err != nil {
			t.Fatal(err)
		}
		if ops := countOps(page); ops != 2 {
			t.Fatalf("a pull holding all but the last own op got %d ops, want that op and the other replica's", ops)
		}
	})
}

func countOps(p server.PullPage) int {
	n := 0
	for _, c := range p.Changes {
		if c.IsOp() {
			n++
		}
	}
	return n
}

// A resent batch is answered duplicate from the op ids, with the seqs the
// ops were applied at, and changes nothing, whatever the rest of each op
// now says.
func TestResentBatchIsAnsweredFromTheOpIDs(t *testing.T) {
	h := newHarness(t, boltBackend)
	ann := h.device("ann", server.RoleRep)
	lead := ann.addLead("Sent Twice")
	ann.addVisit(lead.ID, "a visit")
	raws := ann.waiting()
	u := server.User{Name: "ann", Role: server.RoleRep}
	first, err := h.svc.Push(context.Background(), u, raws)
	if err != nil {
		t.Fatal(err)
	}
	// The same ids again, one of them now not even a valid op.
	again := append([]json.RawMessage(nil), raws...)
	again[0] = json.RawMessage(strings.Replace(string(raws[0]), `"kind":"create"`, `"kind":"explode"`, 1))
	second, err := h.svc.Push(context.Background(), u, again)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range second.Results {
		if r.Status != wire.StatusDuplicate || r.Seq != first.Results[i].Seq || r.OpID != first.Results[i].OpID {
			t.Errorf("resent op %d: %+v, first answered %+v", i, r, first.Results[i])
		}
	}
	if rec, ok := h.record(model.EntityRef{Type: model.TypeLead, ID: lead.ID}); !ok || string(rec.Fields["company"]) != `"Sent Twice"` {
		t.Errorf("the lead after the resend: %v", rec)
	}
}

// An op sent twice in one push is applied once: the second copy is
// answered duplicate with the first's seq, and the log holds it once.
// The second lookup of its id must see what the first copy wrote in the
// same transaction.
func TestOpTwiceInOnePushIsAppliedOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h, lead, create := leadWaiting(t, b, "Sent Twice In One")
		u := server.User{Name: "ann", Role: server.RoleRep}
		resp, err := h.svc.Push(context.Background(), u, []json.RawMessage{create, create})
		if err != nil {
			t.Fatal(err)
		}
		first, second := resp.Results[0], resp.Results[1]
		if first.Status != wire.StatusApplied || second.Status != wire.StatusDuplicate || second.Seq != first.Seq || second.OpID != first.OpID {
			t.Fatalf("the op twice in one push answered %+v and %+v; want applied, then duplicate at the same seq", first, second)
		}
		page, err := h.svc.Pull(context.Background(), server.User{Name: "boss", Role: server.RoleManager}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n := countOps(page); n != 1 {
			t.Fatalf("the log holds the op %d times; want once", n)
		}
		if _, ok := h.record(model.EntityRef{Type: model.TypeLead, ID: lead.ID}); !ok {
			t.Fatal("the lead is not on the server")
		}
	})
}

// leadWaiting makes a server on b and ann's device, where ann adds a lead
// of company that waits unpushed; it returns the lead and its create's
// JSON as the device would push it.
func leadWaiting(t *testing.T, b backend, company string) (*harness, model.Lead, json.RawMessage) {
	t.Helper()
	h := newHarness(t, b)
	ann := h.device("ann", server.RoleRep)
	lead := ann.addLead(company)
	raws := ann.waiting()
	if len(raws) != 1 {
		t.Fatalf("%d ops waiting; want the lead's create", len(raws))
	}
	return h, lead, raws[0]
}
