package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// todayItems returns the items of one section of `today --json`.
func (c *cli) todayItems(key string) []store.TodayItem {
	c.t.Helper()
	var rep store.TodayReport
	if err := json.Unmarshal([]byte(c.ok("today", "--json")), &rep); err != nil {
		c.t.Fatal(err)
	}
	for _, s := range rep.Sections {
		if s.Key == key {
			return s.Items
		}
	}
	c.t.Fatalf("today has no section %s", key)
	return nil
}

func (c *cli) services(args ...string) []serviceRow {
	c.t.Helper()
	var rows []serviceRow
	if err := json.Unmarshal([]byte(c.ok(append([]string{"service", "list", "--json"}, args...)...)), &rows); err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// TestApprovalAndHandOffThroughTheServer is the whole flow over a real
// server on 127.0.0.1: a rep's deal above the approval limit cannot be
// won; the rep asks offline and syncs; the rep's own decision is refused
// on the laptop (the role is known from login); leadership sees the
// request in its daily review, approves and syncs; the rep pulls, sees
// the decision, wins the deal, and the hand-off's service orders and
// support task are in the rep's book and reach leadership's by sync;
// after-sales finds the queue's orders in its daily review, does one, and
// the rep's book pulls it.
func TestApprovalAndHandOffThroughTheServer(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	srv := httptest.NewServer(server.Handler(svc, server.Options{Rate: 1e6, Burst: 1e6}))
	t.Cleanup(func() { srv.Close(); st.Close() })
	clis := map[string]*cli{}
	for name, role := range map[string]string{"ann": server.RoleRep, "lei": server.RoleLeadership, "lin": server.RoleAftersales} {
		tok, err := svc.AddUser(context.Background(), name, role)
		if err != nil {
			t.Fatal(err)
		}
		clis[name] = newCLI(t)
		clis[name].ok("lead", "add", "--company", "Warm-up "+name) // a book to keep the role in
		clis[name].ok("login", "--server", srv.URL, "--user", name, "--token", tok)
	}
	ann, lei, lin := clis["ann"], clis["lei"], clis["lin"]

	var l model.Lead
	if err := json.Unmarshal([]byte(ann.ok("lead", "add", "--company", "华东重工", "--value", "300万", "--stage", "negotiation", "--json")), &l); err != nil {
		t.Fatal(err)
	}
	before := ann.outboxLen()
	if msg := ann.fails("", "lead", "move", "华东", "won"); !strings.Contains(msg, "needs approval before it can be won (value)") ||
		!strings.Contains(msg, "fieldcrm approval request "+store.ShortID(l.ID)) {
		t.Fatalf("move to won without approval: %s", msg)
	}
	if ann.outboxLen() != before {
		t.Fatal("the refused move wrote a change")
	}
	if out := ann.ok("approval", "request", "华东", "--note", "三个厂区的框架合同"); !strings.Contains(out, "asked for approval") || !strings.Contains(out, "value") {
		t.Fatalf("request said: %s", out)
	}
	if msg := ann.fails("", "approval", "request", "华东"); !strings.Contains(msg, "already has an approval request waiting") {
		t.Fatalf("a second request: %s", msg)
	}
	before = ann.outboxLen()
	if msg := ann.fails("", "approval", "approve", "华东"); !strings.Contains(msg, "only leadership approve or reject") || !strings.Contains(msg, "your role is rep") {
		t.Fatalf("a rep's decision: %s", msg)
	}
	if ann.outboxLen() != before {
		t.Fatal("the refused decision wrote a change")
	}
	ann.ok("sync")

	lei.ok("sync")
	var pending []approvalRow
	if err := json.Unmarshal([]byte(lei.ok("approval", "list", "--pending", "--json")), &pending); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Company != "华东重工" || pending[0].RequestedBy != "ann" || pending[0].Value.Amount != 300_0000_00 {
		t.Fatalf("leadership's pending requests: %+v", pending)
	}
	if items := lei.todayItems(store.SectionApprovals); len(items) != 1 || items[0].ApprovalID != pending[0].ID {
		t.Fatalf("leadership's approvals to decide: %+v", items)
	}
	if out := lei.ok("approval", "approve", store.ShortID(pending[0].ID), "--note", "同意"); !strings.Contains(out, "approved: request") {
		t.Fatalf("approve said: %s", out)
	}
	lei.ok("sync")
	if out := lei.ok("sync", "--rejected"); strings.Contains(out, pending[0].ID) {
		t.Fatalf("the server refused the decision:\n%s", out)
	}

	ann.ok("sync")
	if items := ann.todayItems(store.SectionDecisions); len(items) != 1 || items[0].Action != model.Approved {
		t.Fatalf("the rep's decisions: %+v", items)
	}
	if out := ann.ok("lead", "move", "华东", "won"); !strings.Contains(out, "to Won") {
		t.Fatalf("move to won said: %s", out)
	}
	orders := ann.services("--lead", "华东")
	if len(orders) != 2 || orders[0].Kind != model.ServiceInstall || orders[1].Kind != model.ServiceCommissioning ||
		orders[0].Assignee != "" || orders[0].Status != model.ServiceOpen {
		t.Fatalf("the hand-off's orders: %+v", orders)
	}
	var shown leadDetail
	if err := json.Unmarshal([]byte(ann.ok("lead", "show", "华东", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown.Approvals) != 1 || len(shown.Services) != 2 || !slices.ContainsFunc(shown.FollowUps, func(tk model.Task) bool { return tk.Queue == model.QueueSupport }) {
		t.Fatalf("lead show: %d approvals, %d orders, follow-ups %+v", len(shown.Approvals), len(shown.Services), shown.FollowUps)
	}
	ann.ok("sync")
	if out := ann.ok("sync", "--rejected"); strings.Contains(out, "service") || strings.Contains(out, "华东") {
		t.Fatalf("the server refused part of the hand-off:\n%s", out)
	}
	ann.ok("service", "schedule", store.ShortID(orders[0].ID), "--due", "2030-01-15")
	ann.ok("sync")

	lei.ok("sync")
	got := lei.services("--lead", "华东") // by due day: the scheduled one last
	if len(got) != 2 || got[1].ID != orders[0].ID || got[1].Status != model.ServiceScheduled || got[1].Due.String() != "2030-01-15" {
		t.Fatalf("leadership's copy of the orders: %+v", got)
	}
	var leis leadDetail
	if err := json.Unmarshal([]byte(lei.ok("lead", "show", "华东", "--json")), &leis); err != nil {
		t.Fatal(err)
	}
	if leis.Lead.Stage != model.StageWon || len(leis.Approvals) != 1 || leis.Approvals[0].Status() != model.Approved {
		t.Fatalf("leadership's copy of the lead: %s, %+v", leis.Lead.Stage, leis.Approvals)
	}

	// After-sales sees the queue's orders in its daily review, does one
	// and signs it off; the rep's book pulls it.
	lin.ok("sync")
	if items := lin.todayItems(store.SectionService); len(items) != 2 || items[0].Company != "华东重工" {
		t.Fatalf("after-sales' service work: %+v", items)
	}
	lin.ok("service", "done", store.ShortID(orders[0].ID), "--notes", "安装完成", "--signed-off-by", "王工")
	lin.ok("sync")
	if out := lin.ok("sync", "--rejected"); strings.Contains(out, orders[0].ID) {
		t.Fatalf("the server refused after-sales' work:\n%s", out)
	}
	ann.ok("sync")
	for _, r := range ann.services("--lead", "华东") {
		if r.ID == orders[0].ID && (r.Status != model.ServiceDone || r.SignedOffBy != "王工" || r.Notes != "安装完成") {
			t.Fatalf("the rep's copy of the done order: %+v", r)
		}
	}
	if open := ann.services("--open"); len(open) != 1 || open[0].ID != orders[1].ID {
		t.Fatalf("the rep's open orders: %+v", open)
	}
}

// TestServiceCommandsThroughTheCLI: the lifecycle of an order, each bad
// input one sentence that writes nothing, lists in text and JSON, and
// the completion of the new arguments.
func TestServiceCommandsThroughTheCLI(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Open Lead Co", "--stage", "negotiation")
	c.ok("lead", "add", "--company", "Won Co", "--value", "5万", "--stage", "negotiation")
	c.ok("lead", "move", "Won Co", "won") // below the limit: no approval, the hand-off's two orders
	before := c.outboxLen()
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"service", "add", "Open Lead", "--kind", "repair"}, "service orders are for won accounts"},
		{[]string{"service", "add", "Won Co", "--kind", "polish"}, `"polish" is not a kind of service`},
		{[]string{"service", "add", "Won Co", "--kind", "repair", "--due", "someday"}, "--due"},
		{[]string{"service", "add", "Won Co", "--kind", "repair", "--assignee", "@aftersales"}, "assignee"},
		{[]string{"service", "schedule", "Won Co", "--due", "fri"}, "2 open service orders"},
		{[]string{"service", "done", "nothing-like-it"}, "no service order matches"},
	} {
		if msg := c.fails("", bad.args...); !strings.Contains(msg, bad.want) || strings.Contains(msg, "\n") {
			t.Errorf("%v: %q, want one line with %q", bad.args, msg, bad.want)
		}
	}
	if c.outboxLen() != before {
		t.Fatal("refused input wrote a change")
	}
	var row serviceRow
	if err := json.Unmarshal([]byte(c.ok("service", "add", "Won Co", "--kind", "Repair", "--due", "2030-02-01", "--assignee", "lin", "--notes", "泵漏水", "--json")), &row); err != nil {
		t.Fatal(err)
	}
	if row.Kind != model.ServiceRepair || row.Assignee != "lin" || row.Due.String() != "2030-02-01" || row.Notes != "泵漏水" || row.Company != "Won Co" {
		t.Fatalf("added: %+v", row)
	}
	id := store.ShortID(row.ID)
	if out := c.ok("service", "schedule", id, "--due", "2030-02-03"); !strings.Contains(out, "scheduled "+id) {
		t.Fatalf("schedule said: %s", out)
	}
	if out := c.ok("service", "done", id, "--notes", "已更换密封圈", "--signed-off-by", "李工"); !strings.Contains(out, "done "+id) {
		t.Fatalf("done said: %s", out)
	}
	if msg := c.fails("", "service", "cancel", id); !strings.Contains(msg, "is done already") {
		t.Fatalf("cancel a done order: %s", msg)
	}
	all := c.services()
	open := c.services("--open")
	if len(all) != 3 || len(open) != 2 || slices.ContainsFunc(open, func(r serviceRow) bool { return r.ID == row.ID }) {
		t.Fatalf("%d orders, %d open: %+v", len(all), len(open), open)
	}
	done := all[slices.IndexFunc(all, func(r serviceRow) bool { return r.ID == row.ID })]
	if done.Status != model.ServiceDone || done.SignedOffBy != "李工" || done.SignedOffAt.IsZero() || done.DoneAt.IsZero() || done.Notes != "已更换密封圈" {
		t.Fatalf("done order: %+v", done)
	}
	text := c.ok("service", "list")
	if !strings.Contains(text, "after-sales queue") || !strings.Contains(text, "repair") || !strings.Contains(text, "done") {
		t.Fatalf("service list:\n%s", text)
	}
	c.ok("service", "cancel", store.ShortID(open[0].ID))
	if got, dir := c.complete("service", "done", ""); len(got) != 1 || got[0] != store.ShortID(open[1].ID) || dir != noFiles {
		t.Fatalf("open orders offered: %v %s", got, dir)
	}
	if got, _ := c.complete("service", "add", "Won Co", "--kind", ""); !slices.Equal(got, model.ServiceKinds) {
		t.Fatalf("kinds offered: %v", got)
	}
	t.Setenv("FIELDCRM_LANG", "zh")
	if text := c.ok("service", "list", "--open"); !strings.Contains(text, "调试") || !strings.Contains(text, "售后队列") {
		t.Fatalf("service list in Chinese:\n%s", text)
	}
}

// TestApprovalCommandsWithoutAServer: a book that never synced knows no
// role, so its user's decision is taken (the server decides); show finds
// a lead's newest request once none waits; the lists and the completion
// agree with the store.
func TestApprovalCommandsWithoutAServer(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Solo Co", "--value", "150万", "--stage", "negotiation")
	c.ok("lead", "add", "--company", "Small Co", "--value", "1万", "--stage", "negotiation")
	if msg := c.fails("", "lead", "edit", "Solo", "--stage", "won"); !strings.Contains(msg, "Solo Co needs approval before it can be won (value); ask with: fieldcrm approval request ") {
		t.Fatalf("lead edit to won: %s", msg)
	}
	out := c.ok("approval", "request", "Small Co")
	if !strings.Contains(out, "need no approval") {
		t.Fatalf("a request the rules do not need: %s", out)
	}
	var ap approvalRow
	if err := json.Unmarshal([]byte(c.ok("approval", "request", "Solo", "--json")), &ap); err != nil {
		t.Fatal(err)
	}
	if got, dir := c.complete("approval", "approve", ""); len(got) != 2 || dir != noFiles {
		t.Fatalf("pending requests offered: %v %s", got, dir)
	}
	c.ok("approval", "reject", "Solo", "--note", "价格太低")
	if msg := c.fails("", "approval", "approve", "Solo"); !strings.Contains(msg, "no approval request waiting") {
		t.Fatalf("approve a lead with none waiting: %s", msg)
	}
	c.ok("approval", "approve", store.ShortID(ap.ID))
	show := c.ok("approval", "show", "Solo")
	if !strings.Contains(show, "Status: approved") || !strings.Contains(show, "(overruled)") || !strings.Contains(show, "价格太低") {
		t.Fatalf("show:\n%s", show)
	}
	var rows []approvalRow
	if err := json.Unmarshal([]byte(c.ok("approval", "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != ap.ID || rows[0].Status != model.Approved || len(rows[0].Decisions) != 2 {
		t.Fatalf("list: %+v", rows)
	}
	if out := c.ok("approval", "list", "--pending"); !strings.Contains(out, "Small Co") || strings.Contains(out, "Solo Co") {
		t.Fatalf("pending list:\n%s", out)
	}
	c.ok("lead", "move", "Solo", "won")
	if out := c.ok("lead", "show", "Solo"); !strings.Contains(out, "approvals:") || !strings.Contains(out, "installation") {
		t.Fatalf("lead show:\n%s", out)
	}
}

// Every catalog key the new commands name exists: a missing one would
// print the key itself.
func TestApprovalCommandsKeysExist(t *testing.T) {
	keys := []string{"approval.no_reasons", "approval.reasons", "approvals.empty", "approvals.request_of",
		"approvals.status_line", "approvals.asked", "approval.value", "approval.discount", "approval.channel",
		"approvals.note", "approvals.decisions", "approvals.no_decision", "approvals.overruled", "approvals.in_force",
		"approvals.decision", "approvals.and", "service.queue"}
	for _, r := range []string{model.ReasonValue, model.ReasonDiscount, model.ReasonChannel} {
		keys = append(keys, "approval.reason_short."+r)
	}
	for _, s := range []string{model.Pending, model.Approved, model.Rejected} {
		keys = append(keys, "approval.status."+s)
	}
	for _, k := range model.ServiceKinds {
		keys = append(keys, "service.kind."+k)
	}
	for _, s := range model.ServiceStatuses {
		keys = append(keys, "service.status."+s)
	}
	for _, r := range []string{server.RoleRep, server.RoleManager, server.RoleLeadership, server.RoleSupport, server.RoleAftersales} {
		keys = append(keys, "role."+r)
	}
	for _, s := range store.TodaySections {
		if _, ok := sectionTitles[s]; !ok {
			keys = append(keys, "today.section."+s)
		}
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("catalog key %q is missing", k)
		}
	}
}

// TestOwnRequestIsNotDecidedInATeam: in a book bound to a team's server
// the one who asked is told another approver decides, in their language,
// not that their role may not decide.
func TestOwnRequestIsNotDecidedInATeam(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Own Deal Co", "--value", "200万", "--stage", "negotiation")
	c.ok("approval", "request", "Own Deal Co")
	st, err := store.Open(store.Options{Path: c.db, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error { return tx.Bind("https://crm.example.com", tx.User()) })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if msg := c.fails("", "approval", "approve", "Own Deal Co"); !strings.Contains(msg, "yourself, so another approver decides it") || strings.Contains(msg, "role") {
		t.Fatalf("own request: %q", msg)
	}
	t.Setenv("FIELDCRM_LANG", "zh")
	if msg := c.fails("", "approval", "reject", "Own Deal Co"); !strings.Contains(msg, "须由其他审批人决定") {
		t.Fatalf("own request in Chinese: %q", msg)
	}
}
