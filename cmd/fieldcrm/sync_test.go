package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// pullServer answers whoami and pulls: the first pull gets page, every
// later one nothing new.
func pullServer(t *testing.T, page string, cursor int) *httptest.Server {
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"code":"unauthorized","message":"bad token"}`, http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v1/whoami":
			fmt.Fprint(w, `{"user":"ann","role":"rep"}`)
		case "/v1/pull":
			if r.URL.Query().Get("cursor") == "0" {
				fmt.Fprintf(w, `{"changes":[%s],"cursor":%d,"epoch":"e1","more":false}`, page, cursor)
			} else {
				fmt.Fprintf(w, `{"changes":[],"cursor":%d,"epoch":"e1","more":false}`, cursor)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func pulledOp(seq int, opID, kind, typ, id, fields string) string {
	return fmt.Sprintf(`{"seq":%d,"op":{"op_id":%q,"entity":{"type":%q,"id":%q},"kind":%q,"fields":%s,"hlc":{"wall_ms":1764230400000,"counter":%d,"node":"bobs-laptop"},"actor":{"user":"bob"},"schema":1}}`,
		seq, opID, typ, id, kind, fields, seq)
}

func pulledLead(id, company, extra string) string {
	return fmt.Sprintf(`{"id":%q,"company":%q,"stage":"prospect","owner":"ann","created_at":"2025-11-27T08:00:00Z","stage_entered_at":"2025-11-27T08:00:00Z","updated_at":"2025-11-27T08:00:00Z"%s}`, id, company, extra)
}

// After a sync whose pull held changes this device cannot apply, between
// good ones: the sync succeeds and says so, `sync --status` lists each one
// (control characters from the network made visible), `lead list` and
// `today` work, the next sync succeeds, and one can be dismissed.
func TestSyncSetsAsideBadChangesAndTheBookStillReads(t *testing.T) {
	tags := make([]string, 5000)
	for i := range tags {
		tags[i] = fmt.Sprintf(`"t%d"`, i)
	}
	today := time.Now().Format("2006-01-02")
	page := strings.Join([]string{
		pulledOp(1, "op-good-1", "create", "lead", "L-A", pulledLead("L-A", "Acme 安科", "")),
		pulledOp(2, "op-bad-time", "create", "lead", "L-B", strings.Replace(pulledLead("L-B", "Bad Time", ""), `"created_at":"2025-11-27T08:00:00Z"`, `"created_at":12345`, 1)),
		`{"seq":3,"state":{"entity":{"type":"lead","id":"L-C"},"fields":` + pulledLead("L-C", "Tagged", `,"tags":[`+strings.Join(tags, ",")+`]`) +
			`,"base":{"hlc":{"wall_ms":1764230400000,"counter":0,"node":"bobs-laptop"}}}}`,
		pulledOp(4, "op-bad-id", "create", "lead", "L\u009b2J", pulledLead("L\u009b2J", "Escape", `,"stage":"heaven"`)),
		pulledOp(5, "op-good-2", "create", "task", "T-1", fmt.Sprintf(`{"id":"T-1","lead_id":"L-A","due":%q,"action":"回电话 call back","created_at":"2025-11-27T08:00:00Z"}`, today)),
		pulledOp(6, "op-good-3", "create", "lead", "L-D", pulledLead("L-D", "德明机械", "")),
	}, ",")
	srv := pullServer(t, page, 6)
	c := newCLI(t)
	c.ok("login", "--server", srv.URL, "--user", "ann", "--token", "tok")

	out := c.ok("sync")
	if !strings.Contains(out, "pulled 3") || !strings.Contains(out, "set aside 3 change(s)") {
		t.Fatalf("sync said:\n%s", out)
	}

	status := c.ok("sync", "--status")
	for _, want := range []string{"set aside: 3 change(s)", "op-bad-time", "created_at", "lead L-C", "tags", `L\x9b2J`, "op-bad-id"} {
		if !strings.Contains(status, want) {
			t.Errorf("sync --status lacks %q:\n%s", want, status)
		}
	}
	if strings.ContainsRune(status, '\u009b') {
		t.Errorf("sync --status printed a raw CSI from the network:\n%q", status)
	}
	var v syncStatusView
	if err := json.Unmarshal([]byte(c.ok("sync", "--status", "--json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.SetAside != 3 || len(v.SetAsideChanges) != 3 || v.Cursor != 6 || v.LastError != "" {
		t.Fatalf("status JSON %+v", v)
	}
	for i, want := range []struct {
		seq  uint64
		op   string
		lead string
	}{{2, "op-bad-time", "L-B"}, {3, "", "L-C"}, {4, "op-bad-id", "L\u009b2J"}} {
		g := v.SetAsideChanges[i]
		if g.Seq != want.seq || g.OpID != want.op || g.Entity.ID != want.lead || g.Reason == "" {
			t.Errorf("set aside %d: %+v, want seq %d op %q lead %q", i, g, want.seq, want.op, want.lead)
		}
	}

	list := c.ok("lead", "list")
	if !strings.Contains(list, "Acme 安科") || !strings.Contains(list, "德明机械") || strings.Contains(list, "Tagged") || strings.Contains(list, "Bad Time") {
		t.Errorf("lead list:\n%s", list)
	}
	if day := c.ok("today"); !strings.Contains(day, "回电话 call back") {
		t.Errorf("today lacks the pulled follow-up:\n%s", day)
	}

	if out := c.ok("sync"); strings.Contains(out, "set aside") {
		t.Errorf("the second sync set aside more:\n%s", out)
	}
	c.ok("sync", "--dismiss", "3")
	c.ok("sync", "--dismiss", "op-bad-time")
	if _, _, err := c.run("", "sync", "--dismiss", "op-bad-time"); err == nil {
		t.Error("dismissing twice did not fail")
	}
	json.Unmarshal([]byte(c.ok("sync", "--status", "--json")), &v)
	if v.SetAside != 1 || v.SetAsideChanges[0].OpID != "op-bad-id" {
		t.Errorf("after dismissing two: %+v", v.SetAsideChanges)
	}
}

// The server's words in an error (here a refusal carrying a terminal
// escape) reach the terminal escaped: in the error line and in
// `sync --status`.
func TestServerErrorTextIsEscaped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/whoami" {
			fmt.Fprint(w, `{"user":"ann","role":"rep"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"code":"forbidden","message":"no \u001b[2Jentry\u009b31m here\nsecond line"}`)
	}))
	defer srv.Close()
	c := newCLI(t)
	c.ok("login", "--server", srv.URL, "--user", "ann", "--token", "tok")
	_, _, err := c.run("", "sync")
	if err == nil {
		t.Fatal("sync against a refusing server succeeded")
	}
	line := sentence(err)
	if !strings.Contains(line, `no \x1b[2Jentry\x9b31m here; second line`) || strings.ContainsAny(line, "\x1b\u009b\n") {
		t.Errorf("error line %q", line)
	}
	status := c.ok("sync", "--status")
	if !strings.Contains(status, `\x1b[2J`) || strings.ContainsAny(status, "\x1b\u009b") {
		t.Errorf("sync --status:\n%q", status)
	}
}
