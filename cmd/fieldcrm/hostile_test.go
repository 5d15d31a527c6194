package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store/storetest"
)

// newHostileBook makes a book whose lead, contact, city, tag, activity
// notes, follow-up and lost reason hold hostile text, and returns the
// lead's id.
func newHostileBook(t *testing.T) (*cli, string) {
	c := newCLI(t)
	out := c.ok("lead", "add", "--company", storetest.Placeholder("company"), "--contact", storetest.Placeholder("contact"),
		"--city", storetest.Placeholder("city"), "--tags", storetest.Placeholder("tag"), "--json")
	var l model.Lead
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	c.ok("visit", "add", l.ID, "--kind", "visit", "--duration", "30m", "--contact", storetest.Placeholder("contact"),
		"--notes", storetest.Placeholder("notes"), "--next", storetest.Placeholder("action"), "--due", "today")
	out = c.ok("lead", "add", "--company", storetest.Placeholder("lost"), "--json")
	var lost model.Lead
	if err := json.Unmarshal([]byte(out), &lost); err != nil {
		t.Fatal(err)
	}
	c.ok("lead", "move", lost.ID, "lost", "--reason", storetest.Placeholder("reason"))
	storetest.Plant(t, c.db)
	return c, l.ID
}

func TestHostileTextIsShownEscapedByEveryCommand(t *testing.T) {
	c, id := newHostileBook(t)
	for _, tc := range []struct {
		args []string
		want string // the escaped form that shows the text is still there
	}{
		{[]string{"lead", "list"}, `Acme\x1b]0;pwned\x07`},
		{[]string{"lead", "list", "--stage", "lost"}, `Lost\x1b]0;t2\x07 Co`},
		{[]string{"lead", "show", id}, `\u202eHbmG`},
		{[]string{"lead", "show", id}, `Wang\x1b[2J\x1b[Hcls`},
		{[]string{"lead", "show", id}, `Koeln\x9b31mred`},
		{[]string{"lead", "show", id}, `vip\u2066iso\u2069`},
		{[]string{"lead", "show", id}, `met\x1b]52;c;cGF3bmVk\x07 buyer`},
		{[]string{"lead", "show", id}, `call\x07 back\x9b2J`},
		{[]string{"today"}, `Acme\x1b]0;pwned\x07`},
		{[]string{"today"}, `call\x07 back\x9b2J`},
		{[]string{"visit", "list"}, `met\x1b]52;c;cGF3bmVk\x07 buyer`},
		{[]string{"visit", "list"}, `Acme\x1b]0;pwned\x07`},
		{[]string{"followup", "list"}, `call\x07 back\x9b2J`},
		{[]string{"report", "lost", "--width", "200"}, `price\x1b[8m hidden`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errs, err := c.run("", tc.args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errs)
			}
			for name, s := range map[string]string{"output": out, "errors": errs} {
				if bad := storetest.Unsafe(s); bad != "" {
					t.Errorf("%s holds %s:\n%q", name, bad, s)
				}
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %s:\n%s", tc.want, out)
			}
		})
	}
}

// TestEscapedTextKeepsColumnsAligned: widths are measured on the text as
// printed (an escaped ESC, \x1b, is four cells; a Chinese character two),
// so the columns after a hostile or a Chinese company still line up.
func TestEscapedTextKeepsColumnsAligned(t *testing.T) {
	c, _ := newHostileBook(t)
	c.ok("lead", "add", "--company", "北京能源有限公司", "--contact", "王伟", "--city", "北京")
	out := c.ok("lead", "list")
	if !strings.Contains(out, `Acme\x1b]0;pwned\x07`) {
		t.Fatalf("no escaped company in\n%s", out)
	}
	col := -1
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		i := strings.Index(line, "STAGE")
		for _, stage := range []string{"Prospect", "Lost"} {
			if j := strings.Index(line, "  "+stage+"  "); i < 0 && j >= 0 {
				i = j + 2
			}
		}
		if i < 0 {
			t.Fatalf("no stage in %q", line)
		}
		if w := ansi.StringWidth(line[:i]); col < 0 {
			col = w
		} else if w != col {
			t.Errorf("the stage column starts at cell %d here, %d above:\n%s", w, col, out)
		}
	}
}

// TestJSONOutputKeepsHostileTextExact: --json is for programs, which get
// the stored text exactly (JSON escapes ESC; the reader decodes it).
func TestJSONOutputKeepsHostileTextExact(t *testing.T) {
	c, id := newHostileBook(t)
	var d leadDetail
	if err := json.Unmarshal([]byte(c.ok("lead", "show", id, "--json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.Lead.Company != storetest.Hostile["company"] || d.Lead.City != storetest.Hostile["city"] || len(d.Activities) != 1 ||
		d.Activities[0].Notes() != storetest.Hostile["notes"] || len(d.FollowUps) != 1 || d.FollowUps[0].Action != storetest.Hostile["action"] {
		t.Fatalf("--json changed the text: %+v", d)
	}
}

// TestReportCSVGuardsFormulas: a lost reason in someone's words that
// begins like a formula is guarded in report --csv.
func TestReportCSVGuardsFormulas(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Formula Co", "--value", "1000")
	c.ok("lead", "move", "Formula Co", "lost", "--reason", `=HYPERLINK("http://evil.example","x")`)
	out := c.ok("report", "lost", "--csv")
	if !strings.Contains(out, `'=HYPERLINK(`) {
		t.Errorf("report lost --csv does not guard the reason:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "=") || strings.Contains(line, ",=") || strings.Contains(line, `,"=`) || strings.HasPrefix(line, `"=`) {
			t.Errorf("a cell runs as a formula: %s", line)
		}
	}
}

// TestExportOfHostileText: an export to a file or a pipe keeps the text
// exactly (a re-import gives it back); on a terminal it is shown escaped.
func TestExportOfHostileText(t *testing.T) {
	c, _ := newHostileBook(t)
	for _, format := range []string{"csv", "json", "ics"} {
		out := c.ok("export", "--format", format)
		if !strings.Contains(out, storetest.Hostile["action"]) && !strings.Contains(out, `call\u0007 back`) {
			t.Errorf("export --format %s to a pipe changed the text:\n%q", format, out)
		}
	}
	path := filepath.Join(t.TempDir(), "book.csv")
	_, errs, err := c.run("", "export", "-o", path)
	if err != nil || storetest.Unsafe(errs) != "" {
		t.Fatalf("export -o: %v %q", err, errs)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), storetest.Hostile["company"]) {
		t.Errorf("the exported file does not hold the company exactly (%v):\n%q", err, data)
	}

	outIsTerminal = func(*app) bool { return true }
	t.Cleanup(func() { outIsTerminal = func(a *app) bool { return isTerminal(a.out) } })
	for _, format := range []string{"csv", "json", "ics"} {
		out := c.ok("export", "--format", format)
		if bad := storetest.Unsafe(out); bad != "" {
			t.Errorf("export --format %s to a terminal holds %s:\n%q", format, bad, out)
		}
		if !strings.Contains(out, "call") {
			t.Errorf("export --format %s to a terminal lost the follow-up:\n%s", format, out)
		}
	}
	if _, _, err := c.run("", "export", "--format", "xlsx"); err == nil {
		t.Error("an xlsx export went to a terminal")
	}
}
