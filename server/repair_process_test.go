package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// The repair commands as an operator runs them: the real binary, against
// a running `fieldcrm serve` (bbolt: over its admin socket; PostgreSQL:
// on the database), with laptops syncing through the server process.
func TestAdminRepairCommandsAsProcesses(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		bin := fieldcrmBin(t)
		ctx := context.Background()
		dir := t.TempDir()
		var st server.Storage
		var db string
		if b.pg() {
			db = freshDatabase(t)
			st = openPG(t, db)
		} else {
			var err error
			if st, err = server.OpenBolt(filepath.Join(dir, "data"), false); err != nil {
				t.Fatal(err)
			}
		}
		svc := &server.Service{Store: st}
		if _, err := svc.AddUser(ctx, "bob", server.RoleRep); err != nil {
			t.Fatal(err)
		}
		annTok, err := svc.AddUser(ctx, "ann", server.RoleManager)
		if err != nil {
			t.Fatal(err)
		}
		danTok, err := svc.AddToken(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		leadID := model.NewID()
		ref := model.EntityRef{Type: model.TypeLead, ID: leadID}
		now := time.Now().UTC()
		create := bad("bob", ref, model.OpCreate, map[string]any{"id": leadID, "company": "Acme", "owner": "bob",
			"stage": "prospect", "created_at": now, "updated_at": now})
		data, _ := json.Marshal(create)
		resp, err := svc.Push(ctx, server.User{Name: "bob", Role: server.RoleRep}, []json.RawMessage{data})
		if err != nil || resp.Results[0].Status != "applied" {
			t.Fatalf("push the lead: %+v %v", resp, err)
		}
		escape := bad("bob", ref, model.OpSet, map[string]any{"company": "\x1b[31mEvil\x1b[0m"})
		plant(t, st, escape, leadID)
		st.Close()

		srv := startServer(t, bin, dir, db)
		logPath := filepath.Join(dir, "serve.log")
		waitLog := func(what string) string {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for {
				data, _ := os.ReadFile(logPath)
				if strings.Contains(string(data), what) {
					return string(data)
				}
				if time.Now().After(deadline) {
					t.Fatalf("the server's log never said %q:\n%s", what, data)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		logged := waitLog("fieldcrm admin ops list --bad")
		if !strings.Contains(logged, "quarantine") || !strings.Contains(logged, escape.ID) {
			t.Fatalf("the start-up warning names neither the bad op nor quarantine:\n%s", logged)
		}

		admin := func(args ...string) (string, int) {
			t.Helper()
			where := []string{"--data", filepath.Join(dir, "data")}
			if db != "" {
				where = []string{"--database", db}
			}
			cmd := exec.Command(bin, append(append([]string{"admin"}, where...), args...)...)
			// Wide enough that no column is cut: the columns are what it checks.
			cmd.Env = append(os.Environ(), "FIELDCRM_DATABASE=", "FIELDCRM_CONFIG="+filepath.Join(dir, "none.toml"), "COLUMNS=300")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("run fieldcrm admin %v: %v", args, err)
			}
			return string(out), cmd.ProcessState.ExitCode()
		}

		out, code := admin("check")
		if code == 0 || !strings.Contains(out, "bad op: seq") || !strings.Contains(out, escape.ID) || !strings.Contains(out, "ops list --bad") {
			t.Fatalf("admin check before the quarantine exited %d:\n%s", code, out)
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "Evil") {
			t.Fatalf("admin check printed the op's value:\n%q", out)
		}
		out, code = admin("ops", "list", "--bad")
		if code != 0 || !strings.Contains(out, escape.ID) || !strings.Contains(out, "company") || !strings.Contains(out, "REASON") {
			t.Fatalf("admin ops list --bad exited %d:\n%s", code, out)
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "Evil") || strings.Contains(out, create.ID) {
			t.Fatalf("admin ops list --bad printed a value or a good op:\n%q", out)
		}
		out, code = admin("ops", "list", "--bad", "--json")
		var list server.OpList
		if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list.Ops) != 1 || !strings.Contains(string(list.Ops[0].Op), "Evil") {
			t.Fatalf("admin ops list --bad --json exited %d (%v):\n%s", code, err, out)
		}
		if out, code = admin("ops", "list", "--user", "bob", "--lead", leadID); code != 0 || !strings.Contains(out, create.ID) || !strings.Contains(out, escape.ID) {
			t.Fatalf("admin ops list --user bob --lead exited %d:\n%s", code, out)
		}

		h := &harness{t: t, dir: dir, url: "http://" + srv.addr}
		t.Cleanup(h.close)
		early := h.deviceWithToken("ann", annTok)
		if rep, err := early.trySync(); err == nil && rep.SetAside == 0 {
			t.Fatalf("a manager's sync through the server took the bad op without complaint: %+v", rep)
		}

		out, code = admin("ops", "quarantine", escape.ID, "--reason", "terminal escapes in company")
		if code != 0 || !strings.Contains(out, "quarantined op "+escape.ID) || !strings.Contains(out, "repair op") {
			t.Fatalf("admin ops quarantine exited %d:\n%s", code, out)
		}
		if out, code = admin("ops", "quarantine", escape.ID); code == 0 || !strings.Contains(out, "already quarantined") {
			t.Fatalf("quarantining it again exited %d:\n%s", code, out)
		}
		if out, code = admin("ops", "quarantine", "no-such-op"); code == 0 || !strings.Contains(out, "no op no-such-op") {
			t.Fatalf("quarantining an unknown op exited %d:\n%s", code, out)
		}
		if out, code = admin("check"); code != 0 || !strings.Contains(out, "0 bad op(s), 0 bad record(s)") {
			t.Fatalf("admin check after the quarantine exited %d:\n%s", code, out)
		}
		out, _ = admin("ops", "list", "--json")
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatal(err)
		}
		var q *server.Quarantine
		for _, o := range list.Ops {
			if o.OpID == escape.ID {
				q = o.Quarantined
			}
		}
		if q == nil || q.Reason != "terminal escapes in company" || q.By == "" {
			t.Fatalf("the audit record kept with the mark: %+v", q)
		}
		if !b.pg() {
			// Through the admin socket, the server's own log has it too.
			if logged := waitLog("op quarantined"); !strings.Contains(logged, "terminal escapes in company") {
				t.Fatalf("the server's audit line lacks the reason:\n%s", logged)
			}
		}

		fresh := h.deviceWithToken("dan", danTok)
		if rep := fresh.sync(); rep.SetAside != 0 {
			t.Fatalf("a fresh manager device set %d changes aside", rep.SetAside)
		}
		if got := fresh.lead(leadID); got.Company != "Acme" {
			t.Fatalf("the fresh device's lead is %q", got.Company)
		}
		if _, err := early.trySync(); err != nil {
			t.Fatalf("the early device after the quarantine: %v", err)
		}
		if got := early.lead(leadID); got.Company != "Acme" {
			t.Fatalf("the early device's lead is %q", got.Company)
		}
		srv.stop(t)
	})
}
