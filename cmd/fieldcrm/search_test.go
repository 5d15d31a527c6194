package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSearchListsLeadsAndNotesRanked(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Harbor Logistics", "--contact", "Grace Lin", "--phone", "+86 138 0013 8000", "--city", "Ningbo")
	c.ok("lead", "add", "--company", "金桥化工有限公司", "--contact", "马丽", "--tags", "harbor")
	c.ok("visit", "add", "金桥", "--kind", "visit", "--notes", "客户拜访：谈了 Harbor 的报价")
	c.ok("visit", "add", "Harbor Logistics", "--kind", "call", "--notes", "No answer")

	out := c.ok("search", "harb")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "Harbor Logistics") || !strings.Contains(lines[1], "company") ||
		!strings.Contains(lines[2], "金桥化工有限公司") || !strings.Contains(lines[3], "客户拜访") {
		t.Fatalf("search harb: company, then tag, then notes:\n%s", out)
	}
	var rows []searchRow
	if err := json.Unmarshal([]byte(c.ok("search", "拜访", "harbor", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Type != "activity" || rows[0].Company != "金桥化工有限公司" || rows[0].Kind != "visit" {
		t.Fatalf("search 拜访 harbor --json: %+v", rows)
	}
	if out := c.ok("search", "13800138000"); !strings.Contains(out, "Harbor Logistics") || !strings.Contains(out, "contacts") {
		t.Fatalf("search by phone digits:\n%s", out)
	}
	if out := c.ok("search", "harbor", "--limit", "1"); !strings.Contains(out, "2 more of 3") {
		t.Fatalf("--limit 1 does not say how many more:\n%s", out)
	}
	if out := c.ok("search", "nothing-here"); !strings.Contains(out, `Nothing holds "nothing-here".`) {
		t.Fatalf("no match:\n%s", out)
	}
	if errs := c.fails("", "search", "..."); !strings.Contains(errs, "nothing to search for") {
		t.Fatalf("punctuation only: %q", errs)
	}
	// visit list --search reads the same index.
	if out := c.ok("visit", "list", "--search", "拜访"); !strings.Contains(out, "客户拜访") || strings.Contains(out, "No answer") {
		t.Fatalf("visit list --search:\n%s", out)
	}
}
