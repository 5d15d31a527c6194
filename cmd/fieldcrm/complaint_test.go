package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

func (c *cli) complaints(args ...string) []complaintRow {
	c.t.Helper()
	var rows []complaintRow
	if err := json.Unmarshal([]byte(c.ok(append([]string{"complaint", "list", "--json"}, args...)...)), &rows); err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// A lead added won is won now: a big deal is refused at once with the
// approval sentence and nothing written; a small one is handed on.
func TestLeadAddedWonIsGatedAndHandedOn(t *testing.T) {
	c := newCLI(t)
	before := c.outboxLen()
	msg := c.fails("", "lead", "add", "--company", "Big Won Co", "--value", "300万", "--stage", "won")
	if !strings.Contains(msg, "Big Won Co needs approval before it can be won (value): add it at an earlier stage") || strings.Contains(msg, "\n") {
		t.Fatalf("big deal added won: %q", msg)
	}
	if c.outboxLen() != before {
		t.Fatal("the refused lead was written")
	}
	out := c.ok("lead", "add", "--company", "Small Won Co", "--value", "5万", "--stage", "won")
	if !strings.Contains(out, "handed on to after-sales: 2 service orders") {
		t.Fatalf("small deal added won:\n%s", out)
	}
	if rows := c.services("--lead", "Small Won"); len(rows) != 2 || rows[0].Assignee != "" {
		t.Fatalf("hand-off orders: %+v", rows)
	}
	t.Setenv("FIELDCRM_LANG", "zh")
	if msg := c.fails("", "lead", "add", "--company", "大单", "--value", "300万", "--stage", "won"); !strings.Contains(msg, "需审批通过后才能赢单") {
		t.Fatalf("in Chinese: %q", msg)
	}
}

func TestComplaintCommandsLinkAServiceOrder(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Pump Co", "--value", "5万", "--stage", "won")
	c.ok("lead", "add", "--company", "Other Co", "--value", "6万", "--stage", "won")
	c.ok("lead", "add", "--company", "Open Co", "--stage", "negotiation")
	orders := c.services("--lead", "Pump Co")
	others := c.services("--lead", "Other Co")
	if len(orders) != 2 || len(others) != 2 {
		t.Fatalf("orders: %d and %d", len(orders), len(others))
	}
	before := c.outboxLen()
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"complaint", "add", "Pump Co"}, "--description: is required"},
		{[]string{"complaint", "add", "Pump Co", "--description", "x", "--severity", "dire"}, `"dire" is not a severity`},
		{[]string{"complaint", "add", "Open Co", "--description", "x"}, "complaints are for won accounts"},
		{[]string{"complaint", "add", "Pump Co", "--description", "x", "--service", store.ShortID(others[0].ID)}, "is not one of Pump Co's"},
		{[]string{"complaint", "add", "Pump Co", "--description", "x", "--service", "zzzzzzzz"}, "no service order of Pump Co matches"},
	} {
		if msg := c.fails("", bad.args...); !strings.Contains(msg, bad.want) || strings.Contains(msg, "\n") {
			t.Errorf("%v: %q, want one line with %q", bad.args, msg, bad.want)
		}
	}
	if c.outboxLen() != before {
		t.Fatal("refused input wrote a change")
	}

	svc := store.ShortID(orders[0].ID)
	out := c.ok("complaint", "add", "Pump Co", "--severity", "HIGH", "--description", "安装后漏液\n第二行", "--service", svc)
	if !strings.Contains(out, "on Pump Co: high, open; about service order "+svc+" (installation)") {
		t.Fatalf("add said: %s", out)
	}
	c.ok("complaint", "add", "Other Co", "--description", "late")
	rows := c.complaints()
	if len(rows) != 2 || rows[0].ServiceID != orders[0].ID || rows[0].ServiceKind != model.ServiceInstall || rows[0].Company != "Pump Co" ||
		rows[0].Severity != "high" || rows[1].ServiceID != "" || rows[1].Severity != "medium" {
		t.Fatalf("list: %+v", rows)
	}
	// Resolved ones leave --open; a lead in the trash takes its own away.
	err := c.update(func(tx *store.Tx) error {
		_, err := tx.SetComplaintStatus(rows[1].ID, model.ComplaintResolved, "sent")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if open := c.complaints("--open"); len(open) != 1 || open[0].ID != rows[0].ID {
		t.Fatalf("open: %+v", open)
	}
	text := c.ok("complaint", "list")
	if !strings.Contains(text, svc+" installation") || !strings.Contains(text, "安装后漏液") || strings.Contains(text, "第二行") {
		t.Fatalf("complaint list:\n%s", text)
	}
	show := c.ok("lead", "show", "Pump Co")
	if i := strings.Index(show, "complaints:"); i < 0 || !strings.Contains(show[i:], svc+" installation") {
		t.Fatalf("lead show:\n%s", show)
	}
	c.ok("lead", "delete", "Other Co", "--yes")
	if all := c.complaints(); len(all) != 1 {
		t.Fatalf("with a lead in the trash: %+v", all)
	}
	t.Setenv("FIELDCRM_LANG", "zh")
	if text := c.ok("complaint", "list"); !strings.Contains(text, "严重程度") || !strings.Contains(text, "安装") || !strings.Contains(text, "高") {
		t.Fatalf("in Chinese:\n%s", text)
	}
}

// update runs fn in a write transaction on the test's book.
func (c *cli) update(fn func(tx *store.Tx) error) error {
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Update(fn)
}

// A merge that would leave behind the approval the merged deal needs is
// refused with a sentence saying to merge the other way round, which
// works; the export of the book carries the requests and orders to
// another book.
func TestMergeAndExportKeepApprovals(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Twin Energy", "--value", "200万", "--stage", "negotiation")
	c.ok("lead", "add", "--company", "Twin Energy Ltd", "--value", "200万", "--stage", "negotiation", "--phone", "13800138000")
	c.ok("approval", "request", "Twin Energy Ltd")
	var leads []model.Lead
	if err := json.Unmarshal([]byte(c.ok("lead", "list", "--json")), &leads); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, l := range leads {
		ids[l.Company] = store.ShortID(l.ID)
	}
	keep, drop := ids["Twin Energy"], ids["Twin Energy Ltd"]
	before := c.outboxLen()
	msg := c.fails("", "merge", keep, drop)
	if want := "waiting for a decision, which the merged deal needs, and a request stays on its lead: merge the other way round (fieldcrm merge " + drop + " " + keep + ")"; !strings.Contains(msg, want) {
		t.Fatalf("merge: %q\nwant %q", msg, want)
	}
	if c.outboxLen() != before {
		t.Fatal("the refused merge wrote a change")
	}
	c.ok("approval", "approve", "Twin Energy Ltd")
	if msg := c.fails("", "merge", keep, drop); !strings.Contains(msg, "approved, which the merged deal needs") {
		t.Fatalf("merge leaving the approval: %q", msg)
	}
	t.Setenv("FIELDCRM_LANG", "zh")
	if msg := c.fails("", "merge", keep, drop); !strings.Contains(msg, "请反向合并（fieldcrm merge "+drop+" "+keep+"）") {
		t.Fatalf("in Chinese: %q", msg)
	}
	t.Setenv("FIELDCRM_LANG", "en")
	out := c.ok("merge", drop, keep)
	if !strings.Contains(out, "Merged "+keep+" into "+drop+" Twin Energy Ltd") {
		t.Fatalf("merge the other way:\n%s", out)
	}
	c.ok("lead", "move", "Twin Energy Ltd", "won")

	dir := t.TempDir()
	file := filepath.Join(dir, "book.json")
	c.ok("export", "--format", "json", "-o", file)
	other := newCLI(t)
	out = other.ok("import", file)
	if !strings.Contains(out, "and 1 approval requests, 2 service orders.") || strings.Contains(out, "no service order") {
		t.Fatalf("import said:\n%s", out)
	}
	if show := other.ok("lead", "show", "Twin Energy Ltd"); !strings.Contains(show, "approved") || !strings.Contains(show, "installation") {
		t.Fatalf("lead show after the import:\n%s", show)
	}
	// A spreadsheet's won rows come in as history: the summary says so.
	csv := filepath.Join(dir, "won.csv")
	if err := os.WriteFile(csv, []byte("Company,Stage,Value\nOld Account,won,3000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rep exchange.Report
	if err := json.Unmarshal([]byte(other.ok("import", csv, "--dry-run", "--json")), &rep); err != nil || rep.WonNoHandoff != 1 || rep.Warned != 1 {
		t.Fatalf("import --json: %+v, %v", rep, err)
	}
	if out := other.ok("import", csv); !strings.Contains(out, "no service order or support task was made") {
		t.Fatalf("import of won rows said:\n%s", out)
	}
}

// Every catalog key these commands name exists in both languages: a
// missing one would print the key itself.
func TestComplaintAndMergeKeysExist(t *testing.T) {
	keys := []string{"cli.complaint.added", "cli.complaint.about", "cli.complaint.head", "cli.complaint.none",
		"cli.lead.complaints", "cli.lead.handed_off", "cli.approval.needed_new", "cli.merge.done", "cli.merge.newer",
		"cli.merge.end", "cli.merge.approvals_left", "cli.merge.refused_pending", "cli.merge.refused_approved",
		"cli.import.children", "cli.import.won_no_handoff", "cli.export.approvals"}
	for _, s := range model.Severities {
		keys = append(keys, "severity."+s)
	}
	for _, s := range []string{model.ComplaintOpen, model.ComplaintInProgress, model.ComplaintResolved} {
		keys = append(keys, "complaint."+s)
	}
	for _, k := range keys {
		for _, lang := range []string{"en", "zh"} {
			if i18n.T(lang, k) == k {
				t.Errorf("%s has no %s text", k, lang)
			}
		}
	}
}

// A rep's lead added won syncs with its hand-off over a real server on
// 127.0.0.1: nothing refused, after-sales finds the queued orders, and a
// complaint about one of them reaches after-sales with its link.
func TestLeadAddedWonSyncsItsHandOff(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	srv := httptest.NewServer(server.Handler(svc, server.Options{Rate: 1e6, Burst: 1e6}))
	t.Cleanup(func() { srv.Close(); st.Close() })
	clis := map[string]*cli{}
	for name, role := range map[string]string{"ann": server.RoleRep, "lin": server.RoleAftersales} {
		tok, err := svc.AddUser(context.Background(), name, role)
		if err != nil {
			t.Fatal(err)
		}
		clis[name] = newCLI(t)
		clis[name].ok("lead", "add", "--company", "Warm-up "+name)
		clis[name].ok("login", "--server", srv.URL, "--user", name, "--token", tok)
	}
	ann, lin := clis["ann"], clis["lin"]
	ann.ok("lead", "add", "--company", "即签即装", "--value", "8万", "--stage", "won")
	orders := ann.services("--lead", "即签即装")
	if len(orders) != 2 {
		t.Fatalf("hand-off: %+v", orders)
	}
	ann.ok("complaint", "add", "即签即装", "--description", "交付延迟", "--service", store.ShortID(orders[1].ID))
	ann.ok("sync")
	if out := ann.ok("sync", "--rejected"); strings.Contains(out, "即签即装") || strings.Contains(out, orders[0].ID) {
		t.Fatalf("the server refused part of it:\n%s", out)
	}
	lin.ok("sync")
	if items := lin.todayItems(store.SectionService); len(items) != 2 || items[0].Company != "即签即装" {
		t.Fatalf("after-sales' service work: %+v", items)
	}
	if rows := lin.complaints(); len(rows) != 1 || rows[0].ServiceID != orders[1].ID || rows[0].ServiceKind != model.ServiceCommissioning {
		t.Fatalf("after-sales' complaints: %+v", rows)
	}
}

// TestComplaintMovesForwardOnly: complaint progress and resolve move a
// complaint on, named by the end of its id, with how it was resolved;
// never back, and nothing is written by a refusal.
func TestComplaintMovesForwardOnly(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Valve Co", "--value", "5万", "--stage", "won")
	c.ok("complaint", "add", "Valve Co", "--description", "阀门漏气")
	id := store.ShortID(c.complaints()[0].ID)
	if out := c.ok("complaint", "progress", id); !strings.Contains(out, "in progress") {
		t.Fatalf("progress: %q", out)
	}
	c.ok("complaint", "resolve", id, "--resolution", "换了密封圈 new seal")
	rows := c.complaints()
	if len(rows) != 1 || rows[0].Status != model.ComplaintResolved || rows[0].Resolution != "换了密封圈 new seal" {
		t.Fatalf("resolved: %+v", rows)
	}
	before := c.outboxLen()
	if msg := c.fails("", "complaint", "progress", id); !strings.Contains(msg, "cannot go from resolved back to in_progress") {
		t.Fatalf("moving back: %q", msg)
	}
	if c.outboxLen() != before || len(c.complaints("--open")) != 0 {
		t.Fatal("a refused move wrote something")
	}
	if msg := c.fails("", "complaint", "resolve", "zzzz"); !strings.Contains(msg, "no complaint matches") {
		t.Fatalf("unknown complaint: %q", msg)
	}
}
