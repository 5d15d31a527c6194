package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestLeadAddWarnsOfALikelyTwin: a second lead with the same company
// (folded as dedupe folds it) or the same phone is added, with a warning
// on stderr naming the first lead and 'fieldcrm dedupe'; --json output is
// the lead alone; a new customer gets no warning.
func TestLeadAddWarnsOfALikelyTwin(t *testing.T) {
	c := newCLI(t)
	// A named user: an unnamed one is told how to set a name on every write.
	if err := os.WriteFile(c.config, []byte("user = \"wang\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var first model.Lead
	out, errs, err := c.run("", "lead", "add", "--company", "华北能源有限公司", "--phone", "13800138000", "--json")
	if err != nil || errs != "" {
		t.Fatalf("first add: %v %q", err, errs)
	}
	if err := json.Unmarshal([]byte(out), &first); err != nil {
		t.Fatal(err)
	}
	short := store.ShortID(first.ID)

	out, errs, err = c.run("", "lead", "add", "--company", "华北能源股份有限公司", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var twin model.Lead
	if err := json.Unmarshal([]byte(out), &twin); err != nil || twin.ID == "" || twin.ID == first.ID {
		t.Fatalf("--json output is not the new lead alone: %v %q", err, out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) > 2 || !strings.Contains(errs, short) || !strings.Contains(errs, "华北能源有限公司") ||
		!strings.Contains(errs, "'fieldcrm dedupe'") || !strings.Contains(errs, "fieldcrm merge "+short+" "+store.ShortID(twin.ID)) {
		t.Errorf("twin by company: warning %q", errs)
	}

	out, errs, err = c.run("", "lead", "add", "--company", "Acme", "--phone", "+86 138 0013 8000")
	if err != nil || !strings.HasPrefix(out, "added ") || !strings.Contains(errs, short) || !strings.Contains(errs, "same phone") {
		t.Errorf("twin by phone: %v out %q warning %q", err, out, errs)
	}

	if _, errs, _ = c.run("", "lead", "add", "--company", "Globex"); errs != "" {
		t.Errorf("a new customer got a warning: %q", errs)
	}
	if n := strings.Count(c.ok("lead", "list"), "\n"); n != 5 {
		t.Errorf("lead list has %d lines, want a header and four leads", n)
	}
}
