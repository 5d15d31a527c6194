package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// A manager assigns technical support to a lead with 'lead assign' and
// takes them off with --remove, each taking effect at the support user's
// next sync; a rep's assign is refused by the server and undone on the
// rep's laptop; a bad user name is one sentence and writes nothing.
func TestLeadAssignBringsSupportOnAndOff(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	srv := httptest.NewServer(server.Handler(svc, server.Options{Rate: 1e6, Burst: 1e6}))
	t.Cleanup(func() { srv.Close(); st.Close() })
	clis := map[string]*cli{}
	for name, role := range map[string]string{"ann": server.RoleRep, "max": server.RoleManager, "sue": server.RoleSupport} {
		tok, err := svc.AddUser(context.Background(), name, role)
		if err != nil {
			t.Fatal(err)
		}
		clis[name] = newCLI(t)
		clis[name].ok("login", "--server", srv.URL, "--user", name, "--token", tok)
	}
	ann, max, sue := clis["ann"], clis["max"], clis["sue"]
	var l model.Lead
	if err := json.Unmarshal([]byte(ann.ok("lead", "add", "--company", "Acme 电气", "--stage", "solution", "--json")), &l); err != nil {
		t.Fatal(err)
	}
	ann.ok("sync")
	max.ok("sync")
	if out := max.ok("lead", "assign", "Acme", "sue"); !strings.Contains(out, "assigned sue to") {
		t.Fatalf("assign said: %s", out)
	}
	if out := max.ok("lead", "assign", "Acme", "sue"); !strings.Contains(out, "already assigned") {
		t.Fatalf("a second assign said: %s", out)
	}
	if out := max.ok("lead", "show", "Acme"); !strings.Contains(out, "\nassigned sue\n") {
		t.Fatalf("lead show does not say who is assigned:\n%s", out)
	}
	if got, dir := max.complete("lead", "assign", "Acme", ""); strings.Join(got, ",") != "ann,sue" || dir != noFiles {
		t.Fatalf("user names offered: %v %s, want ann and sue (the book's owner and assignee)", got, dir)
	}
	if got, _ := max.complete("lead", "assign", "Acme", "s"); strings.Join(got, ",") != "sue" {
		t.Fatalf("user names offered for s: %v", got)
	}
	max.ok("sync")
	sue.ok("sync")
	if got := sue.owners(); got["Acme 电气"] != "ann" || len(got) != 1 {
		t.Fatalf("support's leads after the assign: %v", got)
	}

	before := ann.outboxLen()
	if msg := ann.fails("", "lead", "assign", "Acme", "li wei"); !strings.Contains(msg, "may not contain spaces") {
		t.Fatalf("a bad name: %s", msg)
	}
	if ann.outboxLen() != before {
		t.Fatal("a refused name wrote a change")
	}
	ann.ok("lead", "assign", "Acme", "bob")
	ann.ok("sync")
	var shown leadDetail
	if err := json.Unmarshal([]byte(ann.ok("lead", "show", l.ID, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if strings.Join(shown.Lead.Assignees, ",") != "sue" {
		t.Fatalf("after a rep's refused assign the lead's assignees are %v, want the server's [sue]", shown.Lead.Assignees)
	}
	if out := ann.ok("sync", "--rejected"); !strings.Contains(out, "only a manager") {
		t.Fatalf("the rep's refused assign is not listed:\n%s", out)
	}

	if out := max.ok("lead", "assign", "Acme", "sue", "--remove"); !strings.Contains(out, "took sue off") {
		t.Fatalf("remove said: %s", out)
	}
	max.ok("sync")
	sue.ok("sync")
	if got := sue.owners(); len(got) != 0 {
		t.Fatalf("support still holds %v after being taken off", got)
	}
}
