package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
)

// TestDraftsListAndDiscard: the drafts the UI offers at start are a CLI
// list too (with --json), named by their lead's company, and one can be
// thrown away by the end of its id.
func TestDraftsListAndDiscard(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Harbor Logistics")
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		t.Fatal(err)
	}
	var form, note store.Draft
	err = st.Update(func(tx *store.Tx) error {
		id, err := tx.ResolveLead("Harbor Logistics")
		if err != nil {
			return err
		}
		form = store.Draft{Kind: "form", Form: "visit", LeadID: id, Text: "Fleet of 12 trucks\nnext line",
			Fields: map[string]string{"notes": "Fleet of 12 trucks\nnext line", "minutes": "45"}}
		note = store.Draft{Kind: "note", Company: "\x1b]0;pwned\x07Tianyu", Text: "first call"}
		empty := store.Draft{Kind: "note", Text: "  "}
		for _, d := range []*store.Draft{&form, &note, &empty} {
			if err := tx.SaveDraft(d); err != nil {
				return err
			}
		}
		return nil
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	var list []draftView
	if err := json.Unmarshal([]byte(c.ok("drafts", "list", "--json")), &list); err != nil || len(list) != 2 {
		t.Fatalf("drafts list --json: %v %+v", err, list)
	}
	byID := map[string]draftView{list[0].ID: list[0], list[1].ID: list[1]}
	if v := byID[form.ID]; v.Company != "Harbor Logistics" || v.Form != "visit" || v.Fields["minutes"] != "45" {
		t.Fatalf("the form's draft in JSON: %+v", v)
	}
	out := c.ok("drafts", "list")
	if !strings.Contains(out, "Harbor Logistics") || !strings.Contains(out, "Fleet of 12 trucks") || strings.Contains(out, "next line") {
		t.Fatalf("drafts list:\n%s", out)
	}
	if strings.Contains(out, "\x1b") {
		t.Fatalf("stored text reached the terminal raw:\n%q", out)
	}
	if out := c.ok("drafts", "discard", store.ShortID(form.ID)); !strings.Contains(out, "Fleet of 12 trucks") {
		t.Fatalf("discard says %q", out)
	}
	if _, _, err := c.run("", "drafts", "discard", "nosuchid"); err == nil || !strings.Contains(err.Error(), "no draft") {
		t.Fatalf("discarding what is not there: %v", err)
	}
	if err := json.Unmarshal([]byte(c.ok("drafts", "list", "--json")), &list); err != nil || len(list) != 1 || list[0].ID != note.ID {
		t.Fatalf("after discard: %v %+v", err, list)
	}
}
