package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

func TestRepSeesOnlyOwnLeadsManagerSeesAll(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, bob, max := h.device("ann", "rep"), h.device("bob", "rep"), h.device("max", "manager")
		la := ann.addLead("Ann Co")
		va := ann.addVisit(la.ID, "secret pricing talk")
		lb := bob.addLead("Bob Co")
		ann.sync()
		bob.sync()
		ann.sync()
		max.sync()
		if ann.has(model.TypeLead, lb.ID) || bob.has(model.TypeLead, la.ID) || bob.has(model.TypeActivity, va.ID) {
			t.Fatal("a rep received another rep's lead")
		}
		for _, ref := range [][2]string{{model.TypeLead, la.ID}, {model.TypeLead, lb.ID}, {model.TypeActivity, va.ID}} {
			if !max.has(ref[0], ref[1]) {
				t.Fatalf("manager lacks %v", ref)
			}
		}
		if err := h.checkConverged([]*device{ann, bob, max}, map[string]bool{"max": true}); err != nil {
			t.Fatal(err)
		}
	})
}

// forged returns an op as a hostile client would write it.
func forged(ref model.EntityRef, kind string, fields map[string]any) model.Op {
	op := model.Op{ID: model.NewID(), Entity: ref, Kind: kind, HLC: model.HLC{Wall: time.Now().UnixMilli(), Node: "evil"},
		Actor: model.Actor{User: "someone-else", Device: "evil"}, Schema: model.CurrentSchema}
	if fields != nil {
		op.Fields = map[string]json.RawMessage{}
		for k, v := range fields {
			op.Fields[k], _ = json.Marshal(v)
		}
		if ref.Type == model.TypeLead && kind == model.OpCreate && fields["stage"] == nil {
			op.Fields["stage"] = json.RawMessage(`"prospect"`) // a lead needs a stage
		}
	}
	return op
}

func TestRepCannotPushToOrLearnOfAnotherRepsLead(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, bob := h.device("ann", "rep"), h.device("bob", "rep")
		la := ann.addLead("Ann Co")
		ann.sync()
		ctx := context.Background()
		leadRef := model.EntityRef{Type: model.TypeLead, ID: la.ID}
		missing := model.EntityRef{Type: model.TypeLead, ID: model.NewID()}
		ops := []model.Op{
			forged(leadRef, model.OpSet, map[string]any{"company": "Stolen"}),
			forged(missing, model.OpSet, map[string]any{"company": "Nothing"}),
			forged(model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, model.OpCreate,
				map[string]any{"lead_id": la.ID, "kind": "visit", "started_at": time.Now()}),
			forged(leadRef, model.OpCreate, map[string]any{"company": "Overwrite", "owner": "bob"}),
		}
		resp, err := bob.c.Push(ctx, ops)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range resp.Results {
			if r.Status != wire.StatusRejected {
				t.Fatalf("op %d: %+v, want rejected", i, r)
			}
		}
		// The answer for an existing lead and a missing one read the same.
		if strings.ReplaceAll(resp.Results[0].Reason, la.ID, "X") != strings.ReplaceAll(resp.Results[1].Reason, missing.ID, "X") {
			t.Fatalf("reasons differ, leaking existence: %q vs %q", resp.Results[0].Reason, resp.Results[1].Reason)
		}
		if len(resp.States) != 0 {
			t.Fatalf("server sent bob state of a lead he may not see: %+v", resp.States)
		}
		pr, err := bob.c.Pull(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(pr.Changes) != 0 {
			t.Fatalf("bob pulled %d changes of ann's lead", len(pr.Changes))
		}
		if ann.sync(); ann.lead(la.ID).Company != "Ann Co" {
			t.Fatal("bob's forged op changed ann's lead")
		}
	})
}

func TestRepCannotChangeOwnerAndSeesRejectionWithServerState(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", "rep")
		h.addUser("bob", "rep")
		la := ann.addLead("Ann Co")
		ann.sync()
		l := ann.lead(la.ID)
		l.Owner = "bob"
		l.City = "Hangzhou"
		ann.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		rep := ann.sync()
		if rep.Rejected != 1 {
			t.Fatalf("report %+v, want 1 rejected", rep)
		}
		rej := ann.rejected()
		if len(rej) != 1 || !strings.Contains(rej[0].Reason, "only a manager") {
			t.Fatalf("rejected list %+v", rej)
		}
		if got := ann.lead(la.ID); got.Owner != "ann" || got.City != "" {
			t.Fatalf("after the rejection the lead shows owner %q city %q; want the server's (ann, empty)", got.Owner, got.City)
		}
		if err := h.checkConverged([]*device{ann}, nil); err != nil {
			t.Fatal(err)
		}
		// The rejected op stays until dismissed.
		ann.sync()
		if len(ann.rejected()) != 1 {
			t.Fatal("rejected op vanished without being dismissed")
		}
		ann.update(func(tx *store.Tx) error { return tx.DismissRejected(rej[0].Op.ID) })
		if len(ann.rejected()) != 0 {
			t.Fatal("dismiss did not remove it")
		}
	})
}

func TestRevokedTokenIsRefusedAtOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", "rep")
		ann.sync()
		n, err := h.svc.RevokeTokens(context.Background(), "ann", "")
		if err != nil || n != 1 {
			t.Fatalf("revoke: %d, %v", n, err)
		}
		_, err = remote.Sync(context.Background(), ann.st, ann.c)
		var ae *remote.APIError
		if !errorsAs(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("sync with a revoked token: %v", err)
		}
		// A second token for the same user still works after the first is revoked.
		tok, err := h.svc.AddToken(context.Background(), "ann")
		if err != nil {
			t.Fatal(err)
		}
		c2, _ := remote.NewClient(h.url, tok)
		if w, err := c2.WhoAmI(context.Background()); err != nil || w.User != "ann" || w.Role != "rep" {
			t.Fatalf("whoami: %+v %v", w, err)
		}
	})
}

func TestReassignmentMovesLeadBetweenLaptops(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, bob, max := h.device("ann", "rep"), h.device("bob", "rep"), h.device("max", "manager")
		la := ann.addLead("Ann Co")
		va := ann.addVisit(la.ID, "first visit notes 第一次拜访")
		ann.sync()
		if _, err := h.svc.AssignLead(context.Background(), la.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		ann.sync()
		bob.sync()
		if ann.has(model.TypeLead, la.ID) || ann.has(model.TypeActivity, va.ID) {
			t.Fatal("the lead stayed on ann's laptop after reassignment")
		}
		if !bob.has(model.TypeLead, la.ID) || !bob.has(model.TypeActivity, va.ID) {
			t.Fatal("the lead did not arrive on bob's laptop")
		}
		if got := bob.lead(la.ID).Owner; got != "bob" {
			t.Fatalf("owner %q", got)
		}
		// A manager's client hands it back to ann.
		max.sync()
		l := max.lead(la.ID)
		l.Owner = "ann"
		max.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		if rep := max.sync(); rep.Pushed != 1 || rep.Rejected != 0 {
			t.Fatalf("manager's reassign: %+v", rep)
		}
		bob.sync()
		ann.sync()
		if bob.has(model.TypeLead, la.ID) || !ann.has(model.TypeActivity, va.ID) {
			t.Fatal("the manager's reassignment did not move the lead back")
		}
		if err := h.checkConverged([]*device{ann, bob, max}, map[string]bool{"max": true}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBadInputIsAnsweredWithStatusAndSentence(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		tok := h.addUser("ann", "rep")
		goodOp := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{"company": "X", "owner": "ann"})
		future := goodOp
		future.ID = model.NewID()
		future.HLC.Wall = time.Now().Add(time.Hour).UnixMilli()
		futureBody, _ := remote.EncodePush([]model.Op{future})
		huge := `{"ops":[` + strings.Repeat(`{"op_id":"x"},`, 300000) + `{}]}`
		// Two ops, each under model.MaxOpBytes, together over wire.MaxBatchBytes;
		// and a body over the hard cap, refused as it is read.
		long := `{"op_id":"x","note":"` + strings.Repeat("a", wire.MaxBatchBytes/2) + `"}`
		heavy := `{"ops":[` + long + "," + long + `]}`
		over := `{"ops":[` + strings.Repeat(" ", wire.MaxBodyBytes) + `]}`
		cases := []struct {
			name, method, path, token, body string
			status                          int
			code                            string
		}{
			{"malformed JSON", "POST", "/v1/push", tok, `{"ops": [`, 400, "bad_request"},
			{"unknown field", "POST", "/v1/push", tok, `{"ops": [], "extra": 1}`, 400, "bad_request"},
			{"wrong type", "POST", "/v1/push", tok, `{"ops": "lots"}`, 400, "bad_request"},
			{"no ops", "POST", "/v1/push", tok, `{}`, 400, "bad_request"},
			{"huge body", "POST", "/v1/push", tok, huge, 413, "too_large"},
			{"heavy batch", "POST", "/v1/push", tok, heavy, 413, "too_large"},
			{"body over the cap", "POST", "/v1/push", tok, over, 413, "too_large"},
			{"wrong token", "POST", "/v1/push", "fcrm_nope", `{"ops":[]}`, 401, "unauthorized"},
			{"no token", "GET", "/v1/pull", "", "", 401, "unauthorized"},
			{"bad cursor", "GET", "/v1/pull?cursor=-1", tok, "", 400, "bad_request"},
			{"bad limit", "GET", "/v1/pull?limit=999999", tok, "", 400, "bad_request"},
			{"unknown param", "GET", "/v1/pull?since=3", tok, "", 400, "bad_request"},
			{"unknown path", "GET", "/v2/pull", tok, "", 404, "not_found"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, eb := call(t, h.url, c.method, c.path, c.token, c.body)
				if status != c.status || eb.Code != c.code || len(eb.Message) < 10 {
					t.Fatalf("got %d %+v; want %d %s with a sentence", status, eb, c.status, c.code)
				}
			})
		}
		t.Run("future clock", func(t *testing.T) {
			c, _ := remote.NewClient(h.url, tok)
			resp, err := c.PushRaw(context.Background(), futureBody, 1)
			if err != nil {
				t.Fatal(err)
			}
			if r := resp.Results[0]; r.Status != wire.StatusRejected || !strings.Contains(r.Reason, "ahead of the server") {
				t.Fatalf("future op: %+v", r)
			}
		})
		t.Run("invalid op is answered alone", func(t *testing.T) {
			c, _ := remote.NewClient(h.url, tok)
			body := []byte(`{"ops":[{"op_id":"1","kind":"explode"},` + string(mustJSON(goodOp)) + `]}`)
			resp, err := c.PushRaw(context.Background(), body, 2)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Results[0].Status != wire.StatusRejected || resp.Results[1].Status != wire.StatusApplied {
				t.Fatalf("results %+v", resp.Results)
			}
		})
		if status, _ := call(t, h.url, "GET", "/v1/health", "", ""); status != 200 {
			t.Fatalf("server unhealthy after bad input: %d", status)
		}
	})
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

func call(t *testing.T, base, method, path, token, body string) (int, wire.ErrorBody) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var eb wire.ErrorBody
	_ = json.Unmarshal(data, &eb)
	return resp.StatusCode, eb
}

func TestSupportSeesAssignedLeadsOnly(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, sue, max := h.device("ann", "rep"), h.device("sue", "support"), h.device("max", "manager")
		la := ann.addLead("Ann Co")
		moveTo(ann, la.ID, "solution") // support sees from there on (roles_test.go)
		lb := ann.addLead("Other Co")
		ann.sync()
		max.sync()
		l := max.lead(la.ID)
		l.Assignees = []string{"sue"}
		max.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		max.sync()
		sue.sync()
		if !sue.has(model.TypeLead, la.ID) || sue.has(model.TypeLead, lb.ID) {
			t.Fatal("support does not see exactly the lead assigned to her")
		}
		sue.addVisit(la.ID, "service visit: replaced the pump")
		own := sue.addLead("Support's own lead")
		got := sue.lead(la.ID)
		got.Assignees = []string{"sue", "bob"}
		sue.update(func(tx *store.Tx) error { return tx.UpdateLead(&got) })
		rep := sue.sync()
		if rep.Pushed < 1 || rep.Rejected != 2 {
			t.Fatalf("support's sync: %+v; want the visit applied, the new lead and the assignee change refused", rep)
		}
		if sue.has(model.TypeLead, own.ID) {
			t.Fatal("the refused lead stayed on support's laptop")
		}
		ann.sync()
		max.sync()
		if err := h.checkConverged([]*device{ann, sue, max}, map[string]bool{"max": true}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestConcurrentEditsKeepBothStories(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, max := h.device("ann", "rep"), h.device("max", "manager")
		la := ann.addLead("Ann Co")
		va := ann.addVisit(la.ID, "first notes")
		ann.sync()
		max.sync()
		// Both edit the same field and the same notes while offline.
		l := ann.lead(la.ID)
		l.City = "Hangzhou"
		ann.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		ann.update(func(tx *store.Tx) error { return tx.AppendNotes(va.ID, "ann's addition") })
		m := max.lead(la.ID)
		m.City = "Suzhou"
		max.update(func(tx *store.Tx) error { return tx.UpdateLead(&m) })
		max.update(func(tx *store.Tx) error { return tx.AppendNotes(va.ID, "max's addition") })
		ann.sync()
		max.sync()
		ann.sync()
		if err := h.checkConverged([]*device{ann, max}, map[string]bool{"max": true}); err != nil {
			t.Fatal(err)
		}
		winner := ann.lead(la.ID).City
		loser := map[string]string{"Hangzhou": `"Suzhou"`, "Suzhou": `"Hangzhou"`}[winner]
		var hist []model.Overwritten
		ann.update(func(tx *store.Tx) error {
			var err error
			hist, err = tx.History(model.TypeLead, la.ID)
			return err
		})
		found := false
		for _, o := range hist {
			found = found || (o.Field == "city" && string(o.Value) == loser)
		}
		if !found {
			t.Fatalf("the losing city %s is not in the lead's history %+v", loser, hist)
		}
		var act model.Activity
		ann.update(func(tx *store.Tx) error {
			var err error
			act, err = tx.Activity(va.ID)
			return err
		})
		texts := map[string]bool{}
		for _, r := range act.Revisions {
			texts[r.Text] = true
		}
		if !texts["ann's addition"] || !texts["max's addition"] || !texts["first notes"] {
			t.Fatalf("a note revision was lost: %v", texts)
		}
	})
}
