package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// harness is a real server (bbolt in a temp folder or a PostgreSQL
// database, see backend; HTTP on 127.0.0.1)
// and helpers to make users and clients with their own replica files.
type harness struct {
	t       failer
	dir     string
	closers []func()
	svc     *server.Service
	st      server.Storage
	url     string
	srv     *httptest.Server
	roles   map[string]string // each user's role, for what they may see
	users   map[string]string // token -> user, for what the server was sent
	// transport carries the devices' requests (runConvergenceCase);
	// nil: http.DefaultTransport
	transport http.RoundTripper
}

// roundTripper is the transport a device's requests go through.
func (h *harness) roundTripper() http.RoundTripper {
	if h.transport != nil {
		return h.transport
	}
	return http.DefaultTransport
}

// failer is what the harness needs of a *testing.T or a *rapid.T.
type failer interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func newHarness(t testing.TB, b backend) *harness {
	t.Helper()
	h := startHarness(t, t.TempDir(), b)
	t.Cleanup(h.close)
	return h
}

// startHarness starts a server on backend b, keeping the devices' files
// (and bbolt's data) under dir; close stops it.
func startHarness(t failer, dir string, b backend) *harness {
	t.Helper()
	st := b.open(t, dir)
	svc := &server.Service{Store: st}
	srv := httptest.NewServer(server.Handler(svc, server.Options{Rate: 1e6, Burst: 1e6}))
	h := &harness{t: t, dir: dir, svc: svc, st: st, url: srv.URL, srv: srv}
	h.closers = append(h.closers, func() {
		srv.Close()
		st.Close()
	})
	return h
}

func (h *harness) close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
	h.closers = nil
}

func (h *harness) addUser(name, role string) string {
	h.t.Helper()
	tok, err := h.svc.AddUser(context.Background(), name, role)
	if err != nil {
		h.t.Fatal(err)
	}
	if h.roles == nil {
		h.roles = map[string]string{}
	}
	h.roles[name] = role
	if h.users == nil {
		h.users = map[string]string{}
	}
	h.users[tok] = name
	return tok
}

// device is one user's laptop: a replica file and a client.
type device struct {
	t    failer
	name string
	st   *store.Store
	c    *remote.Client
}

func (h *harness) device(name, role string) *device {
	h.t.Helper()
	return h.deviceWithToken(name, h.addUser(name, role))
}

func (h *harness) deviceWithToken(name, token string) *device {
	h.t.Helper()
	rules := model.DefaultRules()
	rules.Location = time.UTC
	st, err := store.Open(store.Options{Path: filepath.Join(h.dir, "devices", name+".db"), User: name, Rules: &rules, KeepOpen: true, NoSync: true})
	if err != nil {
		h.t.Fatal(err)
	}
	h.closers = append(h.closers, func() { st.Close() })
	c, err := remote.NewClient(h.url, token)
	if err != nil {
		h.t.Fatal(err)
	}
	return &device{t: h.t, name: name, st: st, c: c}
}

func (d *device) sync() remote.Report {
	d.t.Helper()
	rep, err := remote.Sync(context.Background(), d.st, d.c)
	if err != nil {
		d.t.Fatalf("%s: sync: %v", d.name, err)
	}
	return rep
}

func (d *device) update(fn func(tx *store.Tx) error) {
	d.t.Helper()
	if err := d.st.Update(fn); err != nil {
		d.t.Fatalf("%s: %v", d.name, err)
	}
}

func (d *device) addLead(company string) model.Lead {
	d.t.Helper()
	l := model.Lead{Company: company}
	d.update(func(tx *store.Tx) error { return tx.AddLead(&l) })
	return l
}

func (d *device) addVisit(lead, notes string) model.Activity {
	d.t.Helper()
	a := model.Activity{LeadID: lead, Kind: model.KindVisit}
	d.update(func(tx *store.Tx) error { return tx.AddActivity(&a, notes) })
	return a
}

// waiting returns the device's outbox as it would push it: each op's
// JSON, in order.
func (d *device) waiting() []json.RawMessage {
	var raws []json.RawMessage
	d.update(func(tx *store.Tx) error {
		entries, err := tx.OutboxJSONAfter(0, 0)
		for _, e := range entries {
			raws = append(raws, e.Raw)
		}
		return err
	})
	return raws
}

func (d *device) has(typ, id string) bool {
	d.t.Helper()
	var ok bool
	if err := d.st.View(func(tx *store.Tx) error {
		var err error
		_, ok, err = tx.Record(typ, id)
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	return ok
}

func (d *device) lead(id string) model.Lead {
	d.t.Helper()
	var l model.Lead
	if err := d.st.View(func(tx *store.Tx) error {
		var err error
		l, err = tx.Lead(id)
		return err
	}); err != nil {
		d.t.Fatalf("%s: %v", d.name, err)
	}
	return l
}

func (d *device) rejected() []store.RejectedOp {
	d.t.Helper()
	var out []store.RejectedOp
	if err := d.st.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.Rejected()
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	return out
}

// replica returns every record the device holds.
func (d *device) replica() map[model.EntityRef]*model.Record {
	d.t.Helper()
	out := map[model.EntityRef]*model.Record{}
	err := d.st.View(func(tx *store.Tx) error {
		for _, typ := range model.EntityTypes {
			if err := tx.Records(typ, func(id string, rec *model.Record) error {
				out[model.EntityRef{Type: typ, ID: id}] = rec
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// serverRecords returns every record on the server, and for each the users
// (besides managers and leadership) who may see it: those its lead names
// whose role sees the lead at its stage, and the support and after-sales
// users its lead's tasks and service orders are given to, by name or by
// their role's queue, likewise. The rule is written out here from
// docs/server.md's Roles, not taken from the server, so that the
// convergence checks test it: support from the pipeline's solution stage
// on (always when it has none), after-sales while the lead is won, and
// anyone else, or a name without an account, at every stage; work
// brings on support and after-sales only, and a queue is every user of
// its role.
func (h *harness) serverRecords() (map[model.EntityRef]*model.Record, map[model.EntityRef][]string) {
	h.t.Helper()
	recs := map[model.EntityRef]*model.Record{}
	who := map[model.EntityRef][]string{}
	err := h.st.View(context.Background(), func(tx server.Tx) error {
		pipeline, err := pipelineIn(tx)
		if err != nil {
			return err
		}
		leadOf := map[model.EntityRef]string{}
		if err := tx.Scan(0, func(e server.LogEntry) (bool, error) {
			if op, err := e.DecodeOp(); err != nil {
				return false, err
			} else if op != nil {
				leadOf[op.Entity] = e.Lead
			}
			return true, nil
		}); err != nil {
			return err
		}
		workers := map[string][]string{} // lead -> the helpers its work is given to
		for ref, lead := range leadOf {
			rec, ok, err := tx.Record(ref)
			if err != nil || !ok {
				return fmt.Errorf("%v in the log has no record (%v)", ref, err)
			}
			recs[ref] = rec
			if ref.Type == model.TypeTask || ref.Type == model.TypeService {
				workers[lead] = append(workers[lead], h.workers(ref.Type, rec)...)
			}
		}
		for ref, lead := range leadOf {
			lrec, _, err := tx.Record(model.EntityRef{Type: model.TypeLead, ID: lead})
			if err != nil {
				return err
			}
			var owner, stage string
			var assignees []string
			_ = json.Unmarshal(lrec.Fields["owner"], &owner)
			_ = json.Unmarshal(lrec.Fields["assignees"], &assignees)
			_ = json.Unmarshal(lrec.Fields["stage"], &stage)
			for _, name := range append(append([]string{owner}, assignees...), workers[lead]...) {
				if name != "" && !slices.Contains(who[ref], name) && h.seesAtStage(name, pipeline, stage) {
					who[ref] = append(who[ref], name)
				}
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return recs, who
}

// workers are the support and after-sales users a task or service order
// is given to: its assignee when they have one of those roles, else
// every user of its queue's role (an order without an assignee is the
// after-sales queue's); none when it is deleted.
func (h *harness) workers(typ string, rec *model.Record) []string {
	var assignee, queue string
	var deleted bool
	_ = json.Unmarshal(rec.Fields["assignee"], &assignee)
	_ = json.Unmarshal(rec.Fields["queue"], &queue)
	_ = json.Unmarshal(rec.Fields["deleted"], &deleted)
	if typ == model.TypeService && assignee == "" {
		queue = model.QueueAftersales
	}
	helper := func(role string) bool { return role == server.RoleSupport || role == server.RoleAftersales }
	switch {
	case deleted:
		return nil
	case assignee != "":
		if helper(h.roles[assignee]) {
			return []string{assignee}
		}
		return nil
	}
	var out []string
	for name, role := range h.roles {
		if queue != "" && role == queue {
			out = append(out, name)
		}
	}
	return out
}

// seesAtStage reports whether the user called name, named on a lead at
// stage, may see it under pipeline p.
func (h *harness) seesAtStage(name string, p model.Pipeline, stage string) bool {
	switch h.roles[name] {
	case server.RoleSupport:
		from := p.Index(server.SolutionStage)
		return from < 0 || p.Index(stage) >= from
	case server.RoleAftersales:
		return stage == model.StageWon
	}
	return true
}

// pipelineIn is the pipeline in force: the newest company settings', or
// the default one before any are stored.
func pipelineIn(tx server.Tx) (model.Pipeline, error) {
	v, err := tx.SettingsVersion()
	if err != nil || v == 0 {
		return model.DefaultPipeline(), err
	}
	st, ok, err := tx.Settings(v)
	if err != nil || !ok || len(st.Stages) == 0 {
		return model.DefaultPipeline(), err
	}
	return model.Pipeline{Stages: st.Stages}, nil
}

// checkConverged fails unless every device holds exactly the server's
// records it may see, in the same state.
func (h *harness) checkConverged(devs []*device, managers map[string]bool) error {
	recs, who := h.serverRecords()
	for _, d := range devs {
		local := d.replica()
		for ref, rec := range recs {
			visible := managers[d.name] || slices.Contains(who[ref], d.name)
			lrec, has := local[ref]
			switch {
			case visible && !has:
				return fmt.Errorf("%s lacks %v", d.name, ref)
			case !visible && has:
				return fmt.Errorf("%s holds %v, which it may not see", d.name, ref)
			case visible && !lrec.Equal(rec):
				return fmt.Errorf("%s's %v differs from the server's:\nlocal  %s\nserver %s", d.name, ref, dump(lrec), dump(rec))
			}
		}
		for ref := range local {
			if _, ok := recs[ref]; !ok {
				return fmt.Errorf("%s holds %v, which the server does not have", d.name, ref)
			}
		}
	}
	return nil
}

func dump(r *model.Record) string {
	data, _ := json.Marshal(struct {
		F map[string]json.RawMessage
		R *model.Record
	}{r.Fields, r})
	return string(data)
}
