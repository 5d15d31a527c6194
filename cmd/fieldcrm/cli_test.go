package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// cli runs fieldcrm in-process on a temp database and config.
type cli struct {
	t      *testing.T
	db     string
	config string
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	t.Setenv("FIELDCRM_LANG", "en")
	// Tables are fitted to $COLUMNS: wide enough here that a test reading
	// whole cells finds them uncut. Fitting is tested at 80 and 120 columns
	// in table_test.go.
	t.Setenv("COLUMNS", "300")
	return &cli{t: t, db: filepath.Join(dir, "book.db"), config: filepath.Join(dir, "config.toml")}
}

// run executes one command; stdin is the given text (a pipe, not a terminal).
func (c *cli) run(stdin string, args ...string) (string, string, error) {
	var out, errw bytes.Buffer
	root := newRootCmd(strings.NewReader(stdin), &out, &errw)
	root.SetArgs(append([]string{"--db", c.db, "--config", c.config}, args...))
	err := root.Execute()
	return out.String(), errw.String(), err
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errs, err := c.run("", args...)
	if err != nil {
		c.t.Fatalf("fieldcrm %v: %v\n%s", args, err, errs)
	}
	return out
}

// outboxLen counts ops waiting to sync: it moves with every write and
// with nothing else, so it shows whether a failed command wrote anything.
func (c *cli) outboxLen() int {
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		c.t.Fatal(err)
	}
	n := 0
	st.View(func(tx *store.Tx) error { n = tx.OutboxLen(); return nil })
	return n
}

func TestLeadLifecycleThroughTheCLI(t *testing.T) {
	c := newCLI(t)
	out := c.ok("lead", "add", "--company", "北京😀能源有限公司", "--contact", "王伟", "--phone", "+86 138 0013 8000",
		"--city", "北京", "--source", "trade_show", "--value", "120万", "--json")
	var l model.Lead
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	if l.Company != "北京😀能源有限公司" || l.Value.Amount != 120_0000_00 || l.Stage != "prospect" {
		t.Fatalf("lead = %+v", l)
	}
	c.ok("lead", "move", "北京", "contacted")
	c.ok("visit", "add", store.ShortID(l.ID), "--kind", "call", "--notes", "客户要报价", "--next", "发送报价单", "--due", "+2d")
	c.ok("lead", "edit", l.ID, "--tags", "重点,展会", "--screening", "budget,need")
	var detail leadDetail
	json.Unmarshal([]byte(c.ok("lead", "show", l.ID, "--json")), &detail)
	if detail.Lead.Stage != "contacted" || len(detail.Activities) != 1 || len(detail.FollowUps) != 1 ||
		detail.FollowUps[0].Action != "发送报价单" || len(detail.Lead.Tags) != 2 {
		t.Fatalf("detail = %+v", detail)
	}
	if notes := detail.Activities[0].Notes(); notes != "客户要报价" {
		t.Fatalf("notes = %q", notes)
	}
	list := c.ok("lead", "list")
	if !strings.Contains(list, "北京😀能源有限公司") {
		t.Fatalf("list:\n%s", list)
	}
	c.ok("followup", "done", detail.FollowUps[0].ID, "--next", "签合同", "--due", "fri")
	c.ok("lead", "move", l.ID, "lost", "--reason", "price")
	c.ok("lead", "delete", l.ID, "--yes")
	if _, _, err := c.run("", "lead", "show", l.ID); err == nil {
		t.Fatal("a deleted lead still shows")
	}
}

func TestVisitNotesFromAPipe(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	if _, errs, err := c.run("Met the plant manager.\n第二行\n", "visit", "add", "Acme", "--kind", "visit", "--duration", "45m"); err != nil {
		t.Fatalf("%v %s", err, errs)
	}
	var acts []model.Activity
	json.Unmarshal([]byte(c.ok("visit", "list", "--json")), &acts)
	if len(acts) != 1 || acts[0].Notes() != "Met the plant manager.\n第二行" || acts[0].Duration() != 45*time.Minute {
		t.Fatalf("activities = %+v", acts)
	}
}

// TestBadInputGetsASentenceAndWritesNothing: every kind of bad input fails
// with a one-line message naming the problem, and the book is unchanged.
func TestBadInputGetsASentenceAndWritesNothing(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	before := c.outboxLen()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"lead", "add", "--company", "X", "--value", "-5"}, "negative"},
		{[]string{"lead", "add", "--company", "X", "--stage", "heaven"}, "not a stage"},
		{[]string{"lead", "add", "--company", "X", "--expected-close", "2026-13-40"}, "not a date"},
		{[]string{"lead", "add", "--company", "X", "--source", "tv"}, "not a source"},
		{[]string{"lead", "add", "--company", "  "}, "company is required"},
		{[]string{"lead", "add", "--company", "X", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"lead", "move", "Acme", "lost"}, "--reason"},
		{[]string{"lead", "move", "Acme", "nowhere"}, "not a stage"},
		{[]string{"lead", "move", "Nobody Inc", "won"}, "no lead matches"},
		{[]string{"visit", "add", "Acme", "--notes", "x", "--next", "call", "--due", "someday"}, "not a date"},
		{[]string{"visit", "add", "Acme", "--notes", "x", "--kind", "party"}, "not a kind"},
		{[]string{"visit", "add", "Acme", "--notes", strings.Repeat("长", model.MaxNotesLen/3+1)}, "at most"},
		{[]string{"visit", "add", "Acme", "--notes", "bad \xff"}, "UTF-8"},
		{[]string{"followup", "snooze", "zzzzzzzz"}, "no follow-up matches"},
		{[]string{"lead", "edit", "Acme"}, "nothing to change"},
	}
	for _, tc := range cases {
		_, _, err := c.run("", tc.args...)
		if err == nil {
			t.Errorf("fieldcrm %v succeeded", tc.args)
			continue
		}
		msg := sentence(err)
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("fieldcrm %v: message %q, want one line containing %q", tc.args, msg, tc.want)
		}
	}
	if after := c.outboxLen(); after != before {
		t.Fatalf("failed commands wrote %d ops", after-before)
	}
	// A note of a megabyte is fine.
	big := strings.Repeat("笔记", 1_000_000/6)
	if _, errs, err := c.run("", "visit", "add", "Acme", "--notes", big); err != nil {
		t.Fatalf("1 MB note refused: %v %s", err, errs)
	}
}

func TestTodayJSONMatchesTheStore(t *testing.T) {
	c := newCLI(t)
	c.ok("demo", "--leads", "60")
	var rep store.TodayReport
	if err := json.Unmarshal([]byte(c.ok("today", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sections) != len(store.TodaySections) || rep.Count() == 0 {
		t.Fatalf("today = %+v", rep)
	}
	text := c.ok("today")
	for _, sec := range rep.Sections {
		for _, it := range sec.Items {
			if !strings.Contains(text, it.Company) {
				t.Fatalf("today text lacks %s", it.Company)
			}
		}
	}
	if _, _, err := c.run("", "demo"); err == nil || !strings.Contains(err.Error(), "already has leads") {
		t.Fatalf("demo on a full book: %v", err)
	}
}

func TestBackupIsAnOpenableCopy(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	dst := filepath.Join(t.TempDir(), "b.db")
	c.ok("backup", dst)
	if _, _, err := c.run("", "backup", dst); err == nil {
		t.Fatal("backup overwrote a file without --force")
	}
	copyCLI := &cli{t: t, db: dst, config: c.config}
	if !strings.Contains(copyCLI.ok("lead", "list"), "Acme") {
		t.Fatal("backup lacks the lead")
	}
}

// TestExitStatusAndOneLineError runs the real binary: a failing command
// exits non-zero with one line on stderr.
func TestExitStatusAndOneLineError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "fieldcrm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "--db", filepath.Join(dir, "x.db"), "lead", "add", "--company", "X", "--value", "-1")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() == 0 {
		t.Fatalf("exit = %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "fieldcrm: ") {
		t.Fatalf("stderr = %q", stderr.String())
	}
}

// A command on a file another handle holds waits about a second, then
// says so in a sentence; the store is checked by the command's first
// transaction, so this covers that path. (The holder's pid, named when
// it is another process, is tested with real processes in store.)
func TestLockedDatabaseNamesTheHolder(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "锁定测试")
	holder, err := store.Open(store.Options{Path: c.db, KeepOpen: true, LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	start := time.Now()
	_, _, err = c.run("", "lead", "list")
	if err == nil {
		t.Fatal("lead list succeeded while another handle held the file")
	}
	if !strings.Contains(err.Error(), "another fieldcrm process") || !strings.Contains(err.Error(), "has "+c.db+" open") {
		t.Errorf("error = %q, want a sentence naming the file and its holder", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v, want about a second", d)
	}
}
