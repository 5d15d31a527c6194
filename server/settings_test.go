package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// parseSettings is the checker cmd/fieldcrm hands the server: the
// laptops' config code.
func parseSettings(text string) (server.ParsedSettings, []server.SettingsProblem, []string) {
	c, ps := config.ParseCompany(text)
	if len(ps) > 0 {
		return server.ParsedSettings{}, ps, nil
	}
	r := c.Rules()
	return server.ParsedSettings{Pipeline: r.Pipeline, Approval: r.Approval, Handoff: r.Handoff}, nil, c.Warnings
}

// companyDoc is a settings document with the given stage keys besides
// won and lost.
func companyDoc(keys ...string) string {
	var b strings.Builder
	b.WriteString("# the company's pipeline\nscreening_threshold = 2\n")
	for _, k := range append(keys, "won", "lost") {
		fmt.Fprintf(&b, "\n[[stages]]\nkey = %q\nlabel_en = %q\nlabel_zh = \"阶段\"\nprobability = 30\n", k, strings.ToUpper(k))
	}
	return b.String()
}

// bookWithStages is a laptop's book whose pipeline is the document's.
func bookWithStages(t *testing.T, dir, url, name, token, doc string) *device {
	t.Helper()
	c, ps := config.ParseCompany(doc)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	rules := c.Rules()
	rules.Location = time.UTC
	st, err := store.Open(store.Options{Path: filepath.Join(dir, name+".db"), User: name, Rules: &rules, KeepOpen: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cl, err := remote.NewClient(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return &device{t: t, name: name, st: st, c: cl}
}

// TestCompanySettings runs a real server (bbolt: the operator's commands
// over its admin socket; PostgreSQL: on the database, as 'fieldcrm admin
// --database' does, beside the running server) and checks the settings'
// whole life: check with line numbers, set, unchanged, show, history,
// audit, pushes checked against the stored stages, the refusal of a
// change that would orphan leads, and the laptop's fetch with its 304.
func TestCompanySettings(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		dir := t.TempDir()
		addr := freeAddr(t)
		url := "http://" + addr
		cfg := server.Config{Dir: filepath.Join(dir, "data"), Addr: addr, ParseSettings: parseSettings}
		ctx := context.Background()
		var adm server.Admin
		if b.pg() {
			cfg.Database = freshDatabase(t)
			startServe(t, cfg)
			a, closeFn, err := server.OpenAdminDatabase(ctx, cfg.Database)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { closeFn() })
			a.(*server.Service).ParseSettings = parseSettings
			adm = a
		} else {
			startServe(t, cfg)
			adm = adminOf(t, cfg.Dir)
			if _, ok := adm.(*server.AdminClient); !ok {
				t.Fatalf("the admin is %T, not the running server's socket", adm)
			}
		}
		ctx = server.WithAuditActor(ctx, server.AuditActor{By: "operator", From: "test"})

		if h, err := adm.SettingsHistory(ctx); err != nil || len(h) != 0 {
			t.Fatalf("history before any: %v %v", h, err)
		}
		if _, err := adm.ShowSettings(ctx, 0); err == nil || !strings.Contains(err.Error(), "no company settings") {
			t.Fatalf("show before any: %v", err)
		}

		// Bad documents: every problem with its line.
		bad := "lang = \"zh\"\n\n[[stages]]\nkey = \"won\"\nlabel_en = \"Won\"\nprobability = 140\n"
		res, err := adm.CheckSettings(ctx, bad)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range res.Problems {
			got = append(got, p.String())
		}
		want := []string{
			"line 1: lang: is a personal setting; each laptop keeps it in its own config file, not in the company's settings",
			"line 3: stages[1]: the pipeline needs a stage with key \"lost\" (rename it with label_en and label_zh; its key stays)",
			"line 6: stages[1].probability: 140 is not a percentage (0 to 100)",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, c := range []struct {
			doc  string
			line int
		}{{"screening_threshold = 2\nreturn_visit_days == 3\n", 2}, {"# days\n\nreturn_visit_days = \"ninety\"\n", 3}} {
			if res, err := adm.SetSettings(ctx, c.doc); err != nil || len(res.Problems) != 1 || res.Problems[0].Line != c.line || res.Version != 0 {
				t.Fatalf("broken TOML %q: %+v %v", c.doc, res, err)
			}
		}

		v1 := companyDoc("prospect", "pilot")
		if res, err := adm.CheckSettings(ctx, v1); err != nil || !res.OK() || res.Version != 0 {
			t.Fatalf("check v1: %+v %v", res, err)
		}
		if h, _ := adm.SettingsHistory(ctx); len(h) != 0 {
			t.Fatalf("check stored something: %+v", h)
		}
		if res, err := adm.SetSettings(ctx, v1); err != nil || res.Version != 1 || res.Unchanged {
			t.Fatalf("set v1: %+v %v", res, err)
		}
		if res, err := adm.SetSettings(ctx, v1); err != nil || res.Version != 1 || !res.Unchanged {
			t.Fatalf("set v1 again: %+v %v", res, err)
		}
		if st, err := adm.ShowSettings(ctx, 0); err != nil || st.Text != v1 || st.Version != 1 || st.By != "operator" {
			t.Fatalf("show: %+v %v", st, err)
		}

		// Pushes are checked against the stored stages: pilot is one,
		// the default pipeline's qualified is not.
		issue := func(name, role string) string {
			is, err := adm.IssueToken(ctx, server.TokenRequest{User: name, Role: role, NewUser: true})
			if err != nil {
				t.Fatal(err)
			}
			return is.Token
		}
		annTok := issue("ann", server.RoleRep)
		ann := bookWithStages(t, dir, url, "ann", annTok, v1)
		var ids []string
		for i := range 25 {
			l := ann.addLead(fmt.Sprintf("Pilot site %02d 试点", i))
			ann.update(func(tx *store.Tx) error { _, err := tx.MoveLead(l.ID, store.Move{Stage: "pilot"}); return err })
			ids = append(ids, l.ID)
		}
		if rep := ann.sync(); rep.Rejected != 0 {
			t.Fatalf("pilot moves refused: %+v %v", rep, ann.rejected())
		}
		bob := bookOn(t, dir, url, "bob", issue("bob", server.RoleRep))
		old := bob.addLead("Old pipeline Ltd")
		bob.update(func(tx *store.Tx) error { _, err := tx.MoveLead(old.ID, store.Move{Stage: "qualified"}); return err })
		if rep := bob.sync(); rep.Rejected != 1 {
			t.Fatalf("a move to a stage the settings lack: %+v", rep)
		}
		if r := bob.rejected(); len(r) != 1 || !strings.Contains(r[0].Reason, "qualified") {
			t.Fatalf("rejected: %+v", r)
		}

		// Renaming pilot away would orphan ann's 25 leads.
		res, err = adm.SetSettings(ctx, companyDoc("prospect", "trial"))
		if err != nil {
			t.Fatal(err)
		}
		if res.OK() || res.Version != 0 || res.OrphanCount != 25 || len(res.Orphans) != server.MaxOrphansShown {
			t.Fatalf("orphaning change: %+v", res)
		}
		for _, o := range res.Orphans {
			if o.Stage != "pilot" || !strings.HasPrefix(o.Company, "Pilot site ") || !contains(ids, o.ID) {
				t.Fatalf("orphan %+v", o)
			}
		}
		if h, _ := adm.SettingsHistory(ctx); len(h) != 1 {
			t.Fatalf("a refused change was stored: %+v", h)
		}

		// A change keeping pilot and adding trial takes effect for the
		// next push, also on a server that did not make it.
		v2 := companyDoc("prospect", "pilot", "trial")
		if res, err := adm.SetSettings(ctx, v2); err != nil || res.Version != 2 {
			t.Fatalf("set v2: %+v %v", res, err)
		}
		ann.sync()
		var cs store.CompanySettings
		ann.st.View(func(tx *store.Tx) error { cs, _, err = tx.CompanySettings(); return err })
		if cs.Version != 2 || cs.Text != v2 || cs.Server != ann.c.Server() {
			t.Fatalf("the book's settings: %+v %v", cs, err)
		}
		// The laptop's next start uses the synced document's stages.
		ann.st.Close()
		ann = bookWithStages(t, dir, url, "ann", annTok, cs.Text)
		ann.update(func(tx *store.Tx) error { _, err := tx.MoveLead(ids[0], store.Move{Stage: "trial"}); return err })
		if rep := ann.sync(); rep.Rejected != 0 || rep.Pushed == 0 {
			t.Fatalf("a move to the new stage: %+v %v", rep, ann.rejected())
		}

		h, err := adm.SettingsHistory(ctx)
		if err != nil || len(h) != 2 || h[1].Version != 2 || strings.Join(h[1].Stages, ",") != "prospect,pilot,trial,won,lost" || h[1].Bytes != len(v2) {
			t.Fatalf("history: %+v %v", h, err)
		}
		if st, err := adm.ShowSettings(ctx, 1); err != nil || st.Text != v1 {
			t.Fatalf("show --version 1: %+v %v", st, err)
		}
		log, err := adm.Audit(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var sets []string
		for _, e := range log {
			if e.Action == "settings set" {
				sets = append(sets, e.By+": "+e.Target+": "+e.Detail)
			}
		}
		wantSets := []string{
			fmt.Sprintf("operator: version 1: %d bytes; stages prospect,pilot,won,lost", len(v1)),
			fmt.Sprintf("operator: version 2: %d bytes; stages prospect,pilot,trial,won,lost; added trial", len(v2)),
		}
		if strings.Join(sets, "\n") != strings.Join(wantSets, "\n") {
			t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(sets, "\n"), strings.Join(wantSets, "\n"))
		}

		// GET /v1/settings: the document with its ETag, then a 304.
		get := func(etag, token string) (*http.Response, string) {
			req, _ := http.NewRequest(http.MethodGet, url+"/v1/settings", nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp, string(body)
		}
		tok := issue("carol", server.RoleManager)
		resp, body := get("", tok)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"2"` || !strings.Contains(body, `"version":2`) {
			t.Fatalf("GET: %d %q %s", resp.StatusCode, resp.Header.Get("ETag"), body)
		}
		if resp, body = get(`"2"`, tok); resp.StatusCode != http.StatusNotModified || body != "" {
			t.Fatalf("GET If-None-Match current: %d %s", resp.StatusCode, body)
		}
		if resp, _ = get(`"1"`, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET If-None-Match old: %d", resp.StatusCode)
		}
		if resp, _ = get(`"2"`, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET without a token: %d", resp.StatusCode)
		}
		// The client: unchanged is a 304, no body, nothing written.
		if _, changed, err := ann.c.Settings(ctx, 2); err != nil || changed {
			t.Fatalf("client with the current version: %v %v", changed, err)
		}
		if doc, changed, err := ann.c.Settings(ctx, 1); err != nil || !changed || doc.Version != 2 {
			t.Fatalf("client with an old version: %+v %v %v", doc, changed, err)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestMigrateKeepsSettings: moving a bbolt server to PostgreSQL keeps
// every version of the company settings.
func TestMigrateKeepsSettings(t *testing.T) {
	needPG(t)
	ctx := server.WithAuditActor(context.Background(), server.AuditActor{By: "root", From: "ops-host"})
	dir := filepath.Join(t.TempDir(), "srv")
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st, ParseSettings: parseSettings}
	for _, doc := range []string{companyDoc("prospect"), companyDoc("prospect", "pilot")} {
		if res, err := svc.SetSettings(ctx, doc); err != nil || !res.OK() {
			t.Fatalf("set: %+v %v", res, err)
		}
	}
	before, _ := svc.SettingsHistory(ctx)
	st.Close()

	pg := &server.Service{Store: migratedToPG(t, dir)}
	after, err := pg.SettingsHistory(ctx)
	if err != nil || fmt.Sprint(after) != fmt.Sprint(before) || len(after) != 2 {
		t.Fatalf("history after the move:\n%v %v\nbefore:\n%v", after, err, before)
	}
	if got, err := pg.ShowSettings(ctx, 0); err != nil || got.Text != companyDoc("prospect", "pilot") || got.By != "root" {
		t.Fatalf("newest after the move: %+v %v", got, err)
	}
}

// TestCheckDataUsesStoredSettings: 'admin check' on a server just started
// (no push has read the settings yet) checks leads against the stored
// stages, not the default pipeline.
func TestCheckDataUsesStoredSettings(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "srv")
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st, ParseSettings: parseSettings}
	if res, err := svc.SetSettings(ctx, companyDoc("prospect", "pilot")); err != nil || !res.OK() {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := svc.AddUser(ctx, "ann", server.RoleRep); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Add(-time.Minute)
	id := model.NewID()
	op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: id}, Kind: model.OpCreate,
		Fields: map[string]json.RawMessage{}, HLC: model.HLC{Wall: now.UnixMilli(), Node: "n"}, Schema: model.CurrentSchema}
	for k, v := range map[string]any{"id": id, "company": "Pilot site", "stage": "pilot", "owner": "ann", "stage_entered_at": now, "created_at": now, "updated_at": now} {
		op.Fields[k], _ = json.Marshal(v)
	}
	data, _ := json.Marshal(op)
	resp, err := svc.Push(ctx, server.User{Name: "ann", Role: server.RoleRep}, []json.RawMessage{data})
	if err != nil || resp.Results[0].Status != "applied" {
		t.Fatalf("push: %+v %v", resp, err)
	}
	st.Close()

	st, err = server.OpenBolt(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := (&server.Service{Store: st}).CheckData(ctx, 0)
	if err != nil || rep.Problems() != 0 {
		t.Fatalf("check after a restart: %+v %v", rep, err)
	}
}

// TestSettingsSetAtOnce: operators storing settings at the same time on
// PostgreSQL (two admin commands, or servers) each get a version of
// their own; none fails. Each round starts its sets together.
func TestSettingsSetAtOnce(t *testing.T) {
	db := freshDatabase(t)
	ctx := context.Background()
	const n, rounds = 4, 5
	svcs := make([]*server.Service, n)
	for i := range svcs {
		st := openPG(t, db)
		defer st.Close()
		svcs[i] = &server.Service{Store: st, ParseSettings: parseSettings}
	}
	for round := range rounds {
		start := make(chan struct{})
		errs := make(chan error, n)
		for i, svc := range svcs {
			go func() {
				<-start
				res, err := svc.SetSettings(ctx, companyDoc(fmt.Sprintf("r%ds%d", round, i)))
				if err == nil && (!res.OK() || res.Version == 0) {
					err = fmt.Errorf("refused: %+v", res)
				}
				errs <- err
			}()
		}
		close(start)
		for range n {
			select {
			case err := <-errs:
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("a set did not finish")
			}
		}
	}
	h, err := svcs[0].SettingsHistory(ctx)
	if err != nil || len(h) != n*rounds || h[len(h)-1].Version != n*rounds {
		t.Fatalf("history: %d versions, %v", len(h), err)
	}
}
