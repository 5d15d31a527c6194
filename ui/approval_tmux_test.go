package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// onOff is the real sync server on one 127.0.0.1 address, which can go
// offline and come back on the same address (the laptops keep it in
// their config).
type onOff struct {
	t    *testing.T
	addr string
	h    http.Handler
	hs   *http.Server
}

func (s *onOff) up() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the address may linger a moment after a close
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.hs = &http.Server{Handler: s.h}
	go s.hs.Serve(ln)
}

func (s *onOff) down() {
	if s.hs != nil {
		s.hs.Close()
		s.hs = nil
	}
}

// laptop is one user's book and config, used through the built binary.
type laptop struct {
	t          *testing.T
	tm         *uitest.Terminal
	db, config string
}

func (l *laptop) args(args ...string) []string {
	return append([]string{"--db", l.db, "--config", l.config}, args...)
}

func (l *laptop) ok(args ...string) string {
	l.t.Helper()
	cmd := exec.Command(l.tm.Bin, l.args(args...)...)
	// A sync's compaction in the sync's own process: the test's folder is
	// removed when it ends, and no process of its own may still write there.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + l.tm.Home(), "FIELDCRM_LANG=en", "COLUMNS=200", "FIELDCRM_COMPACT_DETACH=0"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		l.t.Fatalf("fieldcrm %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// ui runs the laptop's terminal UI in the session, at 120x32.
func (l *laptop) ui() {
	l.tm.Start(120, 32, fmt.Sprintf("exec %s %q --db %q --config %q 2>>%q", l.tm.Env(), l.tm.Bin, l.db, l.config,
		filepath.Join(l.tm.Dir, "stderr")))
}

// openByPalette opens a lead by its name from the palette.
func openByPalette(tm *uitest.Terminal, name string) {
	tm.WaitFor("Pipeline")
	tm.Keys(":")
	tm.WaitFor("›")
	tm.Text(name)
	tm.WaitFor("› " + name)
	tm.Keys("Enter")
}

// TestApprovalFlowInRealTerminals is issue 16's flow with the built
// binary in tmux and a real server on 127.0.0.1: a rep asks for approval
// in the UI while the server is offline (W says the deal needs it, a
// asks), then syncs; a leadership user approves in the UI's inbox (5,
// y); the rep's W then wins the deal, and its service orders reach an
// after-sales user's today.
func TestApprovalFlowInRealTerminals(t *testing.T) {
	t.Parallel()
	tm := uitest.NewTerminal(t, "approval")
	bs, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: bs}
	srv := &onOff{t: t, addr: "127.0.0.1:0", h: server.Handler(svc, server.Options{Rate: 1e6, Burst: 1e6})}
	srv.up()
	t.Cleanup(func() { srv.down(); bs.Close() })

	laptops := map[string]*laptop{}
	for name, role := range map[string]string{"ann": server.RoleRep, "lei": server.RoleLeadership, "lin": server.RoleAftersales} {
		tok, err := svc.AddUser(context.Background(), name, role)
		if err != nil {
			t.Fatal(err)
		}
		l := &laptop{t: t, tm: tm, db: filepath.Join(tm.Dir, name+".db"), config: filepath.Join(tm.Dir, name+".toml")}
		if name == "ann" {
			l.ok("lead", "add", "--company", "Tmux Approval Co", "--contact", "Zoe Zhang", "--value", "300万", "--stage", "negotiation")
		} else {
			l.ok("lead", "add", "--company", "Warm-up "+name)
		}
		l.ok("login", "--server", "http://"+srv.addr, "--user", name, "--token", tok)
		l.ok("sync")
		laptops[name] = l
	}
	ann, lei, lin := laptops["ann"], laptops["lei"], laptops["lin"]

	// The rep, offline: W says at once that the deal needs approval, a
	// asks from the won form, and the lead shows the request waiting.
	srv.down()
	ann.ui()
	openByPalette(tm, "Tmux Approval")
	tm.WaitFor("Tmux Approval Co  [Negotiation]")
	tm.Keys("W")
	tm.WaitFor("needs approval before it can be won")
	tm.Keys("a")
	tm.WaitFor("Ask for approval of Tmux Approval Co")
	tm.WaitFor("value of 1,000,000.00 CNY or more")
	tm.Text("Three plants, frame contract")
	tm.Keys("C-s")
	tm.WaitFor("Mark Tmux Approval Co as won") // back on the won form
	tm.Keys("Escape")                          // nothing typed in it: it closes without asking
	tm.WaitFor("Status: waiting")
	tm.Keys("Escape")
	tm.WaitFor("Pipeline")
	tm.Keys("q")
	tm.WaitEnded()
	var pending []struct{ ID, Status string }
	if err := json.Unmarshal([]byte(ann.ok("approval", "list", "--json")), &pending); err != nil || len(pending) != 1 {
		t.Fatalf("the rep's requests: %v %+v", err, pending)
	}
	srv.up()
	ann.ok("sync")

	// Leadership decides in the inbox.
	lei.ok("sync")
	lei.ui()
	tm.WaitFor("Pipeline")
	tm.Keys("5")
	tm.WaitFor("Waiting for a decision (1)")
	tm.WaitFor("Tmux Approval Co")
	tm.Keys("Enter")
	tm.WaitFor("Approval request · Tmux Approval Co")
	tm.WaitFor("Three plants, frame contract")
	tm.Keys("y")
	tm.WaitFor("Approve Tmux Approval Co")
	tm.Text("Go ahead")
	tm.Keys("C-s")
	tm.WaitFor("approved by lei")
	tm.WaitFor("(in force): Go ahead")
	tm.Keys("Escape")
	tm.WaitFor("Waiting for a decision (0)")
	tm.Keys("Escape")
	tm.WaitFor("Pipeline")
	tm.Keys("q")
	tm.WaitEnded()
	lei.ok("sync")
	// (Leadership's warm-up lead, written before login, is refused: only
	// the decision matters here.)
	if out := lei.ok("sync", "--rejected"); strings.Contains(out, "approval") || strings.Contains(out, "decision") {
		t.Fatalf("the server refused leadership's decision:\n%s", out)
	}

	// The rep pulls the decision; W wins the deal now, and the hand-off's
	// service orders show on the lead.
	ann.ok("sync")
	ann.ui()
	openByPalette(tm, "Tmux Approval")
	tm.WaitFor("approved by lei")
	tm.Keys("W")
	tm.WaitFor("Mark Tmux Approval Co as won")
	if strings.Contains(tm.Screen(), "needs approval") {
		t.Fatalf("the approved deal still needs approval:\n%s", tm.Screen())
	}
	tm.Keys("C-s")
	tm.WaitFor("Tmux Approval Co  [Won]")
	tm.Keys("G")
	tm.WaitFor("installation · open · after-sales queue")
	tm.WaitFor("commissioning · open · after-sales queue")
	tm.Keys("Escape")
	tm.WaitFor("Pipeline")
	tm.Keys("q")
	tm.WaitEnded()
	ann.ok("sync")

	// After-sales sees the work in today.
	lin.ok("sync")
	lin.ui()
	tm.WaitFor("Pipeline")
	tm.Keys("2")
	tm.WaitFor("Service work (2)")
	tm.WaitFor("installation")
	tm.Keys("q")
	tm.WaitEnded()
	var l model.Lead
	err = json.Unmarshal([]byte(lin.ok("lead", "show", "Tmux Approval Co", "--json")), &struct{ Lead *model.Lead }{&l})
	if err != nil || l.Stage != model.StageWon {
		t.Fatalf("after-sales' copy of the lead: %v %+v", err, l.Stage)
	}
	if stderr, _ := os.ReadFile(filepath.Join(tm.Dir, "stderr")); len(stderr) > 0 {
		t.Errorf("the UIs wrote to stderr:\n%s", stderr)
	}
}
