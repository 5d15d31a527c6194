package report

import (
	"strings"
	"testing"
)

// TestTableCutsTheWidestFreeColumnFirst: at 60 columns the notes (the
// widest free text) give way before the company, the id and the date are
// never cut, and no line is wider than asked.
func TestTableCutsTheWidestFreeColumnFirst(t *testing.T) {
	tb := &Table{
		Head: []string{"ID", "COMPANY", "WHEN", "NOTES"},
		Rows: [][]string{{"3f9a1c2b", "华北能源有限公司", "2026-12-04", strings.Repeat("客户要报价，", 10)}},
		Free: []bool{false, true, false, true},
	}
	out := tb.Text(60)
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if w := Width(l); w > 60 {
			t.Errorf("a line of %d columns:\n%s", w, out)
		}
	}
	for _, want := range []string{"3f9a1c2b", "华北能源有限公司", "2026-12-04", "客户要报价，客户", "…"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	// Narrower still, both free columns give way; the id stays whole.
	out = tb.Text(40)
	if !strings.Contains(out, "3f9a1c2b") || strings.Contains(out, "华北能源有限公司") {
		t.Errorf("at 40 columns:\n%s", out)
	}
}
