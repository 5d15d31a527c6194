package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// hostile is text a colleague's laptop, an old version or a damaged sync
// might have put in the book, though validation refuses it on a normal
// write: terminal escapes (a title change, clear screen, an OSC 52
// clipboard write), a lone BEL, the one-byte CSI U+009B and bidi overrides.
var hostile = map[string]string{
	"company": "Acme\x1b]0;pwned\x07 \u202eHbmG",
	"contact": "Wang\x1b[2J\x1b[Hcls",
	"city":    "Koeln\u009b31mred",
	"tag":     "vip\u2066iso\u2069",
	"notes":   "met\x1b]52;c;cGF3bmVk\x07 buyer\nsecond\x1b[1A line",
	"action":  "call\x07 back\u009b2J",
	"reason":  "price\x1b[8m hidden",
	"lost":    "Lost\x1b]0;t2\x07 Co",
}

// placeholder is an innocent stand-in for hostile[key] of the same length
// in bytes, so swapping them in the file keeps binary cards intact.
func placeholder(key string) string {
	p := "Zq" + strings.ToUpper(key[:1]) + key[1:]
	n := len(hostile[key])
	return p + strings.Repeat("x", n-len(p))
}

// plantHostileText swaps every placeholder in the book's records, cards
// and indexes for its hostile text, as a pulled change from a replica
// without today's checks would have left it: in JSON values as JSON
// escapes, elsewhere as the raw bytes.
func plantHostileText(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	planted := 0
	err = db.Update(func(tx *bolt.Tx) error {
		var walk func(b *bolt.Bucket) error
		walk = func(b *bolt.Bucket) error {
			type kv struct{ k, v []byte }
			var puts []kv
			var subs [][]byte
			b.ForEach(func(k, v []byte) error {
				if v == nil {
					subs = append(subs, append([]byte(nil), k...))
					return nil
				}
				nv := append([]byte(nil), v...)
				isJSON := json.Valid(v)
				for key, h := range hostile {
					repl := []byte(h)
					if isJSON {
						q, _ := json.Marshal(h)
						repl = q[1 : len(q)-1]
					}
					nv = bytes.ReplaceAll(nv, []byte(placeholder(key)), repl)
				}
				if !bytes.Equal(nv, v) {
					puts = append(puts, kv{append([]byte(nil), k...), nv})
				}
				return nil
			})
			for _, p := range puts {
				if err := b.Put(p.k, p.v); err != nil {
					return err
				}
				planted++
			}
			for _, s := range subs {
				if err := walk(b.Bucket(s)); err != nil {
					return err
				}
			}
			return nil
		}
		for _, name := range []string{"leads", "activities", "tasks", "complaints", "stamps", "cards", "idx"} {
			if b := tx.Bucket([]byte(name)); b != nil {
				if err := walk(b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if planted == 0 {
		t.Fatal("no placeholder found in the book")
	}
}

// terminalUnsafe names the first byte sequence in s that a terminal would
// act on rather than show: ESC, BEL or another C0 control but newline
// and tab, DEL, a C1 control (U+0080..U+009F, such as U+009B, CSI) or a
// bidi override or isolate.
func terminalUnsafe(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Sprintf("invalid UTF-8 at %d", i)
		case r == '\n' || r == '\t':
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("control %U at %d", r, i)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("bidi control %U at %d", r, i)
		}
	}
	return ""
}

// newHostileBook makes a book whose lead, contact, city, tag, activity
// notes, follow-up and lost reason hold hostile text, and returns the
// lead's id.
func newHostileBook(t *testing.T) (*cli, string) {
	c := newCLI(t)
	out := c.ok("lead", "add", "--company", placeholder("company"), "--contact", placeholder("contact"),
		"--city", placeholder("city"), "--tags", placeholder("tag"), "--json")
	var l model.Lead
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	c.ok("visit", "add", l.ID, "--kind", "visit", "--duration", "30m", "--contact", placeholder("contact"),
		"--notes", placeholder("notes"), "--next", placeholder("action"), "--due", "today")
	out = c.ok("lead", "add", "--company", placeholder("lost"), "--json")
	var lost model.Lead
	if err := json.Unmarshal([]byte(out), &lost); err != nil {
		t.Fatal(err)
	}
	c.ok("lead", "move", lost.ID, "lost", "--reason", placeholder("reason"))
	plantHostileText(t, c.db)
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
				if bad := terminalUnsafe(s); bad != "" {
					t.Errorf("%s holds %s:\n%q", name, bad, s)
				}
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %s:\n%s", tc.want, out)
			}
		})
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
	if d.Lead.Company != hostile["company"] || d.Lead.City != hostile["city"] || len(d.Activities) != 1 ||
		d.Activities[0].Notes() != hostile["notes"] || len(d.FollowUps) != 1 || d.FollowUps[0].Action != hostile["action"] {
		t.Fatalf("--json changed the text: %+v", d)
	}
}
