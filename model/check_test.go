package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func fields(t *testing.T, kv map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range kv {
		if raw, ok := v.(json.RawMessage); ok {
			out[k] = raw
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = data
	}
	return out
}

// TestCheckFieldsRefusesWhatAReplicaCouldNotUse covers the shapes of
// hostile or broken values a push may carry: each is refused with a
// sentence naming the field.
func TestCheckFieldsRefusesWhatAReplicaCouldNotUse(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	deep := strings.Repeat(`{"a":`, 500) + "1" + strings.Repeat("}", 500)
	tags := make([]string, 5000)
	for i := range tags {
		tags[i] = "t"
	}
	cases := []struct {
		typ, field string
		value      any
		want       string
	}{
		{TypeLead, "created_at", 12345, "created_at: must be a time"},
		{TypeLead, "created_at", "2999-01-01T00:00:00Z", "not a plausible time"},
		{TypeLead, "created_at", "2027-01-01T00:00:00Z", "in the future"},
		{TypeLead, "is_admin", true, "is_admin: is not a field of a lead"},
		{TypeLead, "company", json.RawMessage(deep), "company: must be text"},
		{TypeLead, "custom", json.RawMessage(`{"k":` + deep + `}`), "custom"},
		{TypeLead, "tags", tags, "tags: has 5000 entries"},
		{TypeLead, "company", "Evil\x1b]0;pwned\x07", "company: must be one line"},
		{TypeLead, "company", "Evil\x1b[2J", "company: must be one line"},
		{TypeLead, "company", "Evil\u009b31m", "company: must be one line"},
		{TypeLead, "company", "Evil\u202etxt.exe", "company: must be one line"},
		{TypeLead, "company", "two\nlines", "company: must be one line"},
		{TypeLead, "address", "two\nlines\x1b]52;c;ZXZpbA==\x07", "address: contains control characters"},
		{TypeLead, "value", map[string]any{"amount": -5}, "value: amount -5"},
		{TypeLead, "value", map[string]any{"amount": 1e300}, "value.amount: must be a whole number"},
		{TypeLead, "probability", "high", "probability: must be a whole number"},
		{TypeTarget, "won_count", "ten", "won_count: must be a whole number"},
		{TypeActivity, "revisions", []map[string]any{{"id": "r", "hlc": map[string]any{"wall_ms": now.Add(time.Hour).UnixMilli(), "node": "n"}, "text": "x", "at": "2026-12-04T12:00:00Z"}}, "revisions[0].hlc: hlc"},
		{TypeActivity, "revisions", []map[string]any{{"id": "r", "hlc": map[string]any{"wall_ms": 1, "node": "n"}, "text": "x", "at": "2200-06-01T00:00:00Z"}}, "revisions[0].at"},
		{TypeActivity, "revisions", []map[string]any{{"id": "r", "hlc": map[string]any{"wall_ms": 1, "counter": 1 << 31, "node": "n"}, "text": "x"}}, "counter"},
	}
	for _, c := range cases {
		err := CheckFields(c.typ, fields(t, map[string]any{c.field: c.value}), now)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s = %.80v: got %v, want an error with %q", c.typ, c.field, c.value, err, c.want)
		}
	}
	ok := fields(t, map[string]any{"company": "华北能源 (Beijing)", "address": "朝阳区\n1 号\tB座", "tags": []string{"重点"},
		"custom": map[string]string{"quote": "line1\nline2"}, "created_at": now.Add(-time.Hour), "value": Money{Amount: 100, Currency: "CNY"}})
	if err := CheckFields(TypeLead, ok, now); err != nil {
		t.Errorf("a plain lead is refused: %v", err)
	}
}

func TestCheckRecordRunsTheTypesRules(t *testing.T) {
	p := DefaultPipeline()
	lead := fields(t, map[string]any{"id": "l1", "company": "ACME", "stage": "nowhere"})
	if err := CheckRecord(TypeLead, lead, p, time.Time{}); err == nil || !strings.Contains(err.Error(), "stage") {
		t.Errorf("unknown stage: %v", err)
	}
	lead = fields(t, map[string]any{"id": "l1", "company": "ACME", "stage": "prospect", "probability": 500})
	if err := CheckRecord(TypeLead, lead, p, time.Time{}); err == nil || !strings.Contains(err.Error(), "probability") {
		t.Errorf("probability 500: %v", err)
	}
	tg := fields(t, map[string]any{"id": TargetID(2028, 0, "alice"), "year": 2028, "user": "bob", "won_count": 1})
	if err := CheckRecord(TypeTarget, tg, p, time.Time{}); err == nil || !strings.Contains(err.Error(), "is not the id of bob's target") {
		t.Errorf("a target under another user's id: %v", err)
	}
	tg = fields(t, map[string]any{"id": TargetID(2028, 0, "bob"), "year": 2028, "user": "bob", "won_count": 1})
	if err := CheckRecord(TypeTarget, tg, p, time.Time{}); err != nil {
		t.Errorf("a good target: %v", err)
	}
}

func TestPrintableNeutralisesTerminalControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain 中文":        "plain 中文",
		"a\x1b]0;t\x07b":  `a\x1b]0;t\x07b`,
		"a\u009b2Jb":      `a\x9b2Jb`,
		"x\u202ey":        `x\u202ey`,
		"l1\nl2\tx":       `l1\x0al2\x09x`,
		"bad \xff utf8":   `bad \xff utf8`,
		"keeps \uFFFD ok": "keeps \uFFFD ok",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := PrintableLines("l1\nl2\x1b[2J"); got != `l1`+"\n"+`l2\x1b[2J` {
		t.Errorf("PrintableLines = %q", got)
	}
	if got := PrintableFlat("l1\r\nl2\tx\u2066y\x07"); got != `l1  l2 x\u2066y\x07` {
		t.Errorf("PrintableFlat = %q", got)
	}
}

func TestClockNeverWrapsItsCounter(t *testing.T) {
	at := time.UnixMilli(1_000)
	c := NewClock("n", func() time.Time { return at })
	c.Observe(HLC{Wall: 1_000, Counter: MaxCounter - 1, Node: "x"})
	a, b := c.Now(), c.Now()
	if a.Counter != MaxCounter || b.Compare(a) <= 0 || b.Counter > MaxCounter {
		t.Fatalf("stamps %v then %v", a, b)
	}
	op := Op{ID: "o", Entity: EntityRef{Type: TypeLead, ID: "l"}, Kind: OpDelete, HLC: HLC{Wall: 1, Counter: MaxCounter + 1, Node: "n"}, Schema: 1}
	if err := op.Validate(); err == nil {
		t.Error("an op with a counter past MaxCounter is accepted")
	}
	op.HLC.Counter, op.Entity.ID = 0, "target:alice"
	if err := op.Validate(); err == nil {
		t.Error("a lead id in the server's target namespace is accepted")
	}
}

// TestMergingALongHistoryIsNotQuadratic: a record's state with thousands
// of note revisions (arriving when a lead becomes visible) merges in one
// sort, not one decode of the whole list per entry.
func TestMergingALongHistoryIsNotQuadratic(t *testing.T) {
	var revs []Revision
	for i := range 10_000 {
		revs = append(revs, Revision{ID: NewID(), HLC: HLC{Wall: int64(10_000 - i), Node: "n"}, Text: "x"})
	}
	data, _ := json.Marshal(revs)
	start := time.Now()
	rec := NewRecord(TypeActivity)
	rec.Apply(Op{ID: "o", Entity: EntityRef{Type: TypeActivity, ID: "a"}, Kind: OpCreate, Schema: 1,
		HLC: HLC{Wall: 1, Node: "n"}, Fields: map[string]json.RawMessage{"revisions": data}})
	var got []Revision
	if err := json.Unmarshal(rec.Fields["revisions"], &got); err != nil || len(got) != len(revs) {
		t.Fatalf("%d revisions merged (%v)", len(got), err)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].HLC.Compare(got[i].HLC) > 0 {
			t.Fatalf("revisions out of order at %d", i)
		}
	}
	// Generous: the quadratic merge took over three minutes here.
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("merging 10,000 revisions took %v", d)
	}
}

// FuzzPrintable: whatever the input, the printable forms hold no control
// character (but newline and tab in PrintableLines), no direction
// override and no invalid UTF-8, and text that needs nothing is kept.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"plain 中文", "a\x1b]0;t\x07b", "a\u009b2J", "x\u202ey\u2069", "l1\r\nl2\t", "\xff\xfe", "\uFFFD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name  string
			out   string
			lines bool
		}{{"Printable", Printable(s), false}, {"PrintableFlat", PrintableFlat(s), false}, {"PrintableLines", PrintableLines(s), true}} {
			if !utf8.ValidString(c.out) {
				t.Fatalf("%s(%q) = %q is not UTF-8", c.name, s, c.out)
			}
			for _, r := range c.out {
				if isControl(r) && !(c.lines && (r == '\n' || r == '\t')) || isBidiControl(r) {
					t.Fatalf("%s(%q) = %q holds %U", c.name, s, c.out, r)
				}
			}
		}
		if oneLine(s) && utf8.ValidString(s) && Printable(s) != s {
			t.Fatalf("Printable changed clean text %q", s)
		}
	})
}

// Of several bad fields, an op's check and a record's check name the same
// ones in the same order every time, whatever order the map gives.
func TestBadFieldsAreNamedTheSameEveryTime(t *testing.T) {
	op := Op{ID: "o1", Entity: EntityRef{Type: TypeLead, ID: "L1"}, Kind: OpCreate,
		HLC: HLC{Wall: 1, Node: "n"}, Actor: Actor{User: "ann"}, Schema: 1, Fields: map[string]json.RawMessage{
			"stage_log": json.RawMessage(`[{"id":""}]`), "": json.RawMessage(`null`), "city": json.RawMessage(`{`),
			"company": json.RawMessage(`"ok"`), "zz": json.RawMessage(`[`)}}
	fields := map[string]json.RawMessage{"city": json.RawMessage("\"\xff\""), "company": json.RawMessage("\"\xfe\""),
		"notes": json.RawMessage("\"\xfd\""), "region": json.RawMessage(`"ok"`)}
	var first, firstFields string
	for i := range 50 {
		err := op.Validate()
		ferr := CheckFields(TypeLead, fields, time.Time{})
		if err == nil || ferr == nil {
			t.Fatalf("bad fields pass: %v, %v", err, ferr)
		}
		if i == 0 {
			first, firstFields = err.Error(), ferr.Error()
			continue
		}
		if err.Error() != first || ferr.Error() != firstFields {
			t.Fatalf("run %d names %q and %q, run 0 %q and %q", i, err, ferr, first, firstFields)
		}
	}
}
