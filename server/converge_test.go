package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
	"pgregory.net/rapid"
)

// faultyTransport delivers requests to the real server over loopback, but
// before each one the test may choose a fault: drop the request, drop the
// answer after the server handled it, deliver it twice, or first replay an
// earlier push (a stale delivery arriving out of order).
type faultyTransport struct {
	t       *rapid.T
	next    http.RoundTripper
	faults  bool
	pushes  [][]byte        // bodies of earlier pushes, for replays
	applied map[string]bool // op ids the server answered "applied"
	counts  map[string]int
}

var errDropped = errors.New("connection dropped by the test")

// roundTripRead sends req through next and reads the answer's body whole;
// the response it returns reads the same bytes again.
func roundTripRead(next http.RoundTripper, req *http.Request) (*http.Response, []byte, error) {
	resp, err := next.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, data, nil
}

func (f *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	send := func(b []byte) (*http.Response, error) {
		r := req.Clone(req.Context())
		if b != nil {
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		}
		resp, data, err := roundTripRead(f.next, r)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK && req.URL.Path == "/v1/push" {
			f.noteApplied(data)
		}
		return resp, nil
	}
	fault := "none"
	if f.faults {
		fault = rapid.SampledFrom([]string{"none", "none", "none", "drop-before", "drop-after", "duplicate", "replay"}).Draw(f.t, "fault")
	}
	f.counts[fault]++
	isPush := req.URL.Path == "/v1/push"
	if isPush {
		defer func() { f.pushes = append(f.pushes, body) }()
	}
	switch fault {
	case "drop-before":
		return nil, errDropped
	case "drop-after":
		if _, err := send(body); err != nil {
			return nil, err
		}
		return nil, errDropped
	case "duplicate":
		if _, err := send(body); err != nil {
			return nil, err
		}
	case "replay":
		if isPush && len(f.pushes) > 0 {
			old := f.pushes[rapid.IntRange(0, len(f.pushes)-1).Draw(f.t, "replayed")]
			if _, err := send(old); err != nil {
				return nil, err
			}
		}
	}
	return send(body)
}

func (f *faultyTransport) noteApplied(data []byte) {
	data, _ = jsonpack.Unpack(nil, data) // a packed answer (server/pack.go); JSON as it is
	var resp wire.PushResponse
	if json.Unmarshal(data, &resp) != nil {
		return
	}
	for _, r := range resp.Results {
		if r.Status == wire.StatusApplied {
			f.applied[r.OpID] = true
		}
	}
}

// convergenceChecks makes CI run a few hundred cases by default; set
// RAPID_CHECKS or -rapid.checks for more (nightly: thousands).
func setDefaultChecks(n int) {
	if os.Getenv("RAPID_CHECKS") != "" || userSetChecks() {
		return
	}
	if !testing.Short() {
		_ = flag.Set("rapid.checks", fmt.Sprint(n))
	}
}

// userSetChecks reports whether -rapid.checks was on the command line
// (asked once, before setDefaultChecks sets it itself).
var userSetChecks = sync.OnceValue(func() bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	return set
})

// checkOnBackends runs a rapid property on both backends, each case on a
// fresh server (a harness in its own folder): boltChecks cases on bbolt
// and pgChecks on PostgreSQL by default (a database round trip per query
// makes those slower); RAPID_CHECKS or -rapid.checks sets both.
func checkOnBackends(t *testing.T, boltChecks, pgChecks int, run func(t *rapid.T, h *harness)) {
	for _, bc := range []struct {
		name   string
		checks int
	}{{"bolt", boltChecks}, {"postgres", pgChecks}} {
		t.Run(bc.name, func(t *testing.T) {
			b := boltBackend
			if bc.name == "postgres" {
				b = pgReusedBackend(t)
			}
			setDefaultChecks(bc.checks)
			root := t.TempDir()
			rapid.Check(t, func(rt *rapid.T) {
				h, _, done := caseHarness(rt, root, b)
				defer done()
				run(rt, h)
			})
		})
	}
}

// caseHarness starts a harness on b for one rapid case, in a folder of
// its own under root; done stops it and removes the folder.
func caseHarness(rt *rapid.T, root string, b backend) (h *harness, dir string, done func()) {
	dir, err := os.MkdirTemp(root, "case")
	if err != nil {
		rt.Fatal(err)
	}
	h = startHarness(rt, dir, b)
	return h, dir, func() {
		h.close()
		os.RemoveAll(dir)
	}
}

func TestConvergenceUnderFaults(t *testing.T) {
	checkOnBackends(t, 300, 40, runConvergenceCase)
}

type simDevice struct {
	*device
	role string
	tr   *faultyTransport
}

func runConvergenceCase(t *rapid.T, h *harness) {
	nDev := rapid.IntRange(2, 5).Draw(t, "devices")
	applied := map[string]bool{}
	var devs []*simDevice
	var reps, helpers []string // helpers: support and after-sales users
	managers := map[string]bool{}
	roles := []string{server.RoleRep} // u0 is a rep, so that leads are made
	for range nDev - 1 {
		roles = append(roles, rapid.SampledFrom([]string{
			server.RoleRep, server.RoleRep,
			server.RoleManager,
			server.RoleLeadership, // sees all, writes only notes and tasks
			server.RoleSupport,    // assigned leads from the solution stage on
			server.RoleAftersales, // assigned leads once won
		}).Draw(t, "role"))
	}
	if !slices.Contains(roles, server.RoleManager) && (slices.Contains(roles, server.RoleSupport) || slices.Contains(roles, server.RoleAftersales)) {
		roles = append(roles, server.RoleManager) // who assigns them
	}
	if slices.Contains(roles, server.RoleLeadership) {
		roles = append(roles, server.RoleLeadership) // two approvers, to decide at once
	}
	for i, role := range roles {
		name := fmt.Sprintf("u%d", i)
		d := &simDevice{device: h.device(name, role), role: role}
		d.tr = &faultyTransport{t: t, next: h.roundTripper(), applied: applied, counts: map[string]int{}}
		d.c.HTTP = &http.Client{Transport: d.tr}
		devs = append(devs, d)
		switch role {
		case server.RoleManager, server.RoleLeadership:
			managers[name] = true
		case server.RoleSupport, server.RoleAftersales:
			helpers = append(helpers, name)
		default:
			reps = append(reps, name)
		}
	}
	// reassigns and resights count what may take a lead out of someone's
	// sight while they change it offline, handovers the service orders
	// given to another or the queue: the only reasons for a refusal but
	// the won gate's, when approvers' decisions or deal values crossed.
	reassigns, resights, handovers := 0, 0, 0
	steps := rapid.IntRange(5, 40).Draw(t, "steps")
	for range steps {
		d := devs[rapid.IntRange(0, len(devs)-1).Draw(t, "device")]
		leads := d.localIDs(model.TypeLead, true)
		acts := d.localIDs(model.TypeActivity, true)
		tasks := d.localIDs(model.TypeTask, true)
		requests := d.localIDs(model.TypeApproval, true)
		orders := d.localIDs(model.TypeService, true)
		action := rapid.SampledFrom([]string{"create", "set", "set", "delete", "visit", "note", "note", "followup", "done", "reassign", "assign", "assign",
			"request", "service", "sync", "sync", "sync"}).Draw(t, "action")
		switch d.role {
		case server.RoleLeadership:
			// Notes, visits and follow-ups on the leads they see, never a
			// lead; decisions on requests.
			action = rapid.SampledFrom([]string{"visit", "note", "done", "followup", "decide", "decide", "sync"}).Draw(t, d.role+"'s action")
		case server.RoleAftersales:
			// Likewise, and their service orders.
			action = rapid.SampledFrom([]string{"visit", "note", "done", "followup", "service", "service", "sync"}).Draw(t, d.role+"'s action")
		case server.RoleManager:
			if len(helpers) > 0 && rapid.IntRange(0, 2).Draw(t, "assign?") == 0 {
				action = "assign" // often, so that helpers hold leads at many stages
			}
		case server.RoleSupport:
			// Support works on a lead but neither creates nor deletes one.
			action = rapid.SampledFrom([]string{"set", "visit", "note", "done", "followup", "sync"}).Draw(t, "support's action")
		}
		if len(leads) == 0 && d.role != server.RoleRep && d.role != server.RoleManager {
			action = "sync" // any other action would create a lead
		}
		switch {
		case action == "create" || len(leads) == 0 && action != "sync":
			d.addLead(rapid.SampledFrom([]string{"华东电气", "Acme", "北方机械"}).Draw(t, "company"))
		case action == "set":
			id := rapid.SampledFrom(leads).Draw(t, "lead")
			l := d.lead(id)
			switch rapid.IntRange(0, 3).Draw(t, "field") {
			case 0:
				l.City = rapid.SampledFrom([]string{"Hangzhou", "苏州", "Ningbo"}).Draw(t, "city")
			case 1:
				// Below the default approval threshold (a won needs none)
				// or, at times, above it: won only once approved.
				l.Value = model.Money{Amount: rapid.SampledFrom([]int64{rapid.Int64Range(0, 1e6-1).Draw(t, "value"), 1_200_000_00}).Draw(t, "deal"), Currency: "CNY"}
			case 2, 3:
				moveStage(t, &l, d.role == server.RoleSupport)
				resights++
			}
			updateUnlessUnapproved(t, d, &l)
		case action == "delete":
			id := rapid.SampledFrom(leads).Draw(t, "lead")
			d.update(func(tx *store.Tx) error { return tx.DeleteLead(id) })
		case action == "visit":
			d.addVisit(rapid.SampledFrom(leads).Draw(t, "lead"), "拜访纪要 notes")
		case action == "note" && len(acts) > 0:
			id := rapid.SampledFrom(acts).Draw(t, "activity")
			d.update(func(tx *store.Tx) error {
				return tx.AppendNotes(id, rapid.SampledFrom([]string{"", "客户要求报价", "follow up Friday", "多行\n笔记"}).Draw(t, "text"))
			})
		case action == "followup":
			id := rapid.SampledFrom(leads).Draw(t, "lead")
			due := model.Date{Y: 2026, M: time.December, D: rapid.IntRange(1, 28).Draw(t, "day")}
			d.update(func(tx *store.Tx) error { _, err := tx.SetFollowUp(id, due, "回访 call back"); return err })
		case action == "done" && len(tasks) > 0:
			id := rapid.SampledFrom(tasks).Draw(t, "task")
			d.update(func(tx *store.Tx) error { _, err := tx.CompleteTask(id); return err })
		case action == "request" && (d.role == server.RoleRep || d.role == server.RoleManager):
			id := rapid.SampledFrom(leads).Draw(t, "lead")
			// A second request on a lead waiting for a decision is refused
			// by the laptop: nothing to sync.
			_ = d.st.Update(func(tx *store.Tx) error { _, err := tx.RequestApproval(id, "审批 please"); return err })
		case action == "decide" && len(requests) > 0:
			// Offline, so that two approvers decide at once.
			id := rapid.SampledFrom(requests).Draw(t, "request")
			verdict := rapid.SampledFrom(model.Verdicts).Draw(t, "verdict")
			d.update(func(tx *store.Tx) error { _, err := tx.DecideApproval(id, verdict, "意见 note"); return err })
		case action == "service" && len(orders) > 0:
			id := rapid.SampledFrom(orders).Draw(t, "order")
			var lead model.Lead
			var order model.ServiceOrder
			d.update(func(tx *store.Tx) error {
				var err error
				if order, err = tx.Service(id); err == nil {
					lead, err = tx.Lead(order.LeadID)
				}
				return err
			})
			if d.role == server.RoleRep && lead.Owner != d.name {
				break // the lead's owner, managers and after-sales edit orders
			}
			aftersales := helpersOf(devs, server.RoleAftersales)
			give := d.role != server.RoleRep && len(aftersales) > 0 && rapid.Bool().Draw(t, "give?")
			d.update(func(tx *store.Tx) error {
				_, err := tx.EditService(id, func(s *model.ServiceOrder) error {
					if give {
						s.Assignee = rapid.SampledFrom(append(aftersales, "")).Draw(t, "to") // "": the queue
						return nil
					}
					if s.IsOpen() { // done and cancelled are for good
						s.Status = rapid.SampledFrom(model.ServiceStatuses).Draw(t, "status")
					}
					s.Notes = rapid.SampledFrom([]string{"安装完成 installed", "客户签字 signed off", ""}).Draw(t, "notes")
					return nil
				})
				return err
			})
			if give {
				handovers++
			}
		case action == "reassign" && d.role == server.RoleManager && len(reps) > 0:
			id := rapid.SampledFrom(leads).Draw(t, "lead")
			l := d.lead(id)
			l.Owner = rapid.SampledFrom(reps).Draw(t, "to")
			d.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
			reassigns++
		case action == "assign" && d.role == server.RoleManager && len(helpers) > 0:
			// A manager brings support or after-sales on, or takes them off.
			id := rapid.SampledFrom(leads).Draw(t, "lead")
			l := d.lead(id)
			who := rapid.SampledFrom(helpers).Draw(t, "assignee")
			if i := slices.Index(l.Assignees, who); i >= 0 {
				l.Assignees = slices.Delete(l.Assignees, i, i+1)
			} else {
				l.Assignees = append(l.Assignees, who)
			}
			if rapid.Bool().Draw(t, "and move?") {
				moveStage(t, &l, false) // brought on at the stage they work at
				resights++
			}
			updateUnlessUnapproved(t, d, &l)
			reassigns++
		default:
			d.tr.faults = true
			// Small pages at times, so that a lead's full state or removes
			// span pages and the pull goes on inside them.
			limit := rapid.SampledFrom([]int{0, 0, 1, 2, 3}).Draw(t, "pull limit")
			_, _ = remote.SyncWith(context.Background(), d.st, d.c, remote.Options{PullLimit: limit}) // faults make it fail at times
			d.tr.faults = false
		}
	}
	// Everyone comes online: two rounds, so every push reaches every pull.
	for round := range 2 {
		for _, i := range rapid.Permutation(seq(len(devs))).Draw(t, fmt.Sprint("order", round)) {
			devs[i].sync()
		}
	}
	var all []*device
	rejected := 0
	for _, d := range devs {
		all = append(all, d.device)
		for _, r := range d.rejected() {
			if !strings.Contains(r.Reason, "needs approval before it can be won") {
				rejected++
			}
		}
		var waiting int
		_ = d.st.View(func(tx *store.Tx) error { waiting = tx.OutboxLen(); return nil })
		if waiting != 0 {
			t.Fatalf("%s still has %d ops waiting", d.name, waiting)
		}
	}
	if err := h.checkConverged(all, managers); err != nil {
		t.Fatal(err)
	}
	if reassigns == 0 && handovers == 0 && (resights == 0 || len(helpers) == 0) && rejected > 0 {
		t.Fatalf("%d ops rejected though nobody reassigned a lead or an order or moved a lead out of sight", rejected)
	}
	h.checkLog(applied)
}

// updateUnlessUnapproved saves l on d, unless d refuses to move it to
// won because it knows the deal is not approved.
func updateUnlessUnapproved(t *rapid.T, d *simDevice, l *model.Lead) {
	if err := d.st.Update(func(tx *store.Tx) error { return tx.UpdateLead(l) }); err != nil {
		if _, ok := errors.AsType[*model.ApprovalError](err); !ok {
			t.Fatalf("%s: %v", d.name, err)
		}
	}
}

// helpersOf lists the names of the devices of role.
func helpersOf(devs []*simDevice, role string) []string {
	var out []string
	for _, d := range devs {
		if d.role == role {
			out = append(out, d.name)
		}
	}
	return out
}

// moveStage moves l to a random stage, one from the solution stage on
// when support moves it (moving a lead out of one's own sight is refused).
func moveStage(t *rapid.T, l *model.Lead, support bool) {
	stages := []string{"prospect", "qualified", "contacted", "solution", "negotiation", model.StageWon, model.StageWon, model.StageLost}
	if support {
		stages = stages[3:]
	}
	l.Stage = rapid.SampledFrom(stages).Draw(t, "stage")
	if l.Stage == model.StageLost && l.LostReason == "" {
		l.LostReason = "预算取消 budget cut"
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// localIDs lists the ids of live (not deleted) records of a type.
func (d *device) localIDs(typ string, live bool) []string {
	var ids []string
	err := d.st.View(func(tx *store.Tx) error {
		return tx.Records(typ, func(id string, rec *model.Record) error {
			if live && string(rec.Fields["deleted"]) == "true" {
				return nil
			}
			if typ != model.TypeLead {
				// Only records whose lead is here and live.
				var lead string
				_ = json.Unmarshal(rec.Fields["lead_id"], &lead)
				if _, err := tx.Lead(lead); err != nil {
					return nil
				}
			}
			ids = append(ids, id)
			return nil
		})
	})
	if err != nil {
		d.t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// checkLog proves the log lost nothing and doubled nothing: every op the
// server answered "applied" is in it exactly once, seqs rise without gaps
// (but for the slots a grant or revoke keeps free below it), and every
// record equals the merge of its logged ops (nothing applied was wrongly
// overwritten).
func (h *harness) checkLog(applied map[string]bool) {
	h.t.Helper()
	err := h.st.View(context.Background(), func(tx server.Tx) error {
		seen := map[string]bool{}
		replay := map[model.EntityRef]*model.Record{}
		var last uint64
		if err := tx.Scan(0, func(e server.LogEntry) (bool, error) {
			if e.Seq != last+1+e.Slots {
				return false, fmt.Errorf("seq %d (%d slots) follows %d", e.Seq, e.Slots, last)
			}
			last = e.Seq
			op, err := e.DecodeOp()
			if err != nil || op == nil {
				return err == nil, err
			}
			e.Op = op
			if seen[e.Op.ID] {
				return false, fmt.Errorf("op %s is in the log twice", e.Op.ID)
			}
			seen[e.Op.ID] = true
			r := replay[e.Op.Entity]
			if r == nil {
				r = model.NewRecord(e.Op.Entity.Type)
				replay[e.Op.Entity] = r
			}
			r.Apply(*e.Op)
			return true, nil
		}); err != nil {
			return err
		}
		for id := range applied {
			if !seen[id] {
				return fmt.Errorf("op %s was answered applied but is not in the log", id)
			}
		}
		for ref, r := range replay {
			rec, _, err := tx.Record(ref)
			if err != nil {
				return err
			}
			if !rec.Equal(r) {
				return fmt.Errorf("%v on the server differs from the merge of its logged ops:\nstored %s\nreplay %s", ref, dump(rec), dump(r))
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}
