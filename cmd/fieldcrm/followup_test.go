package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// setFollowUp runs followup set with --json and returns the new follow-up.
func (c *cli) setFollowUp(lead, due, action string) model.Task {
	c.t.Helper()
	var tk model.Task
	if err := json.Unmarshal([]byte(c.ok("followup", "set", lead, due, action, "--json")), &tk); err != nil {
		c.t.Fatal(err)
	}
	return tk
}

// openFollowUps returns every open follow-up of the book.
func (c *cli) openFollowUps() []followupRow {
	c.t.Helper()
	var rows []followupRow
	if err := json.Unmarshal([]byte(c.ok("followup", "list", "--days", "-1", "--json")), &rows); err != nil {
		c.t.Fatal(err)
	}
	return rows
}

func TestFollowUpSnoozeNeverMovesEarlier(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	today := c.setFollowUp("Acme", "today", "Call").Due
	tk := c.setFollowUp("Acme", "+2d", "Call about the budget")

	// The default moves it one day on from its own day, not to tomorrow,
	// which would be before it.
	out := c.ok("followup", "snooze", store.ShortID(tk.ID))
	if want := today.AddDays(3).String(); !strings.Contains(out, "until "+want) {
		t.Fatalf("snooze of a follow-up due %s: %q, want until %s", tk.Due, out, want)
	}
	rows := c.openFollowUps()
	if len(rows) != 1 || rows[0].EffectiveDue() != today.AddDays(3) {
		t.Fatalf("after snooze: %+v", rows)
	}

	// A day not after the follow-up's is refused and changes nothing.
	before := c.outboxLen()
	_, _, err := c.run("", "followup", "snooze", tk.ID, "--until", "+1d")
	if err == nil || !strings.Contains(sentence(err), "only moves it later") {
		t.Fatalf("snooze to an earlier day: %v", err)
	}
	if c.outboxLen() != before {
		t.Fatal("a refused snooze wrote to the book")
	}

	// A follow-up whose day has passed moves to tomorrow.
	c.setFollowUp("Acme", today.AddDays(-3).String(), "Overdue call")
	if out := c.ok("followup", "snooze", "Acme"); !strings.Contains(out, "until "+today.AddDays(1).String()) {
		t.Fatalf("snooze of an overdue follow-up: %q, want until %s", out, today.AddDays(1))
	}
}

func TestFollowUpNamedByItsLead(t *testing.T) {
	c := newCLI(t)
	var l model.Lead
	json.Unmarshal([]byte(c.ok("lead", "add", "--company", "北京能源有限公司", "--json")), &l)
	c.ok("lead", "add", "--company", "Acme")
	tk := c.setFollowUp("北京能源", "+2d", "发送报价单")
	c.setFollowUp("Acme", "+1d", "Call")

	// By part of the company name.
	if out := c.ok("followup", "done", "北京"); !strings.Contains(out, store.ShortID(tk.ID)) {
		t.Fatalf("done by company: %q", out)
	}
	// By the lead's short id.
	tk = c.setFollowUp(l.ID, "+2d", "签合同")
	if out := c.ok("followup", "snooze", store.ShortID(l.ID)); !strings.Contains(out, store.ShortID(tk.ID)) {
		t.Fatalf("snooze by the lead's short id: %q", out)
	}
	c.ok("followup", "done", store.ShortID(l.ID))

	// No open follow-up: the sentence says so.
	if _, _, err := c.run("", "followup", "done", "北京"); err == nil || !strings.Contains(err.Error(), "北京能源有限公司 has no open follow-up") {
		t.Fatalf("done on a lead without open follow-ups: %v", err)
	}

	// Several open follow-ups (made by a colleague, or two offline edits
	// merged): the sentence lists them and nothing is done.
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = st.Update(func(tx *store.Tx) error {
		for _, action := range []string{"寄样品", "约技术交流"} {
			tk := model.Task{LeadID: l.ID, Due: model.Today(tx.Now(), st.Rules().Location).AddDays(3), Action: action}
			if err := tx.AddTask(&tk); err != nil {
				return err
			}
			ids = append(ids, tk.ID)
		}
		return nil
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.run("", "followup", "done", "北京")
	if err == nil {
		t.Fatal("done by a lead with two open follow-ups succeeded")
	}
	msg := sentence(err)
	for _, want := range []string{"2 open follow-ups", store.ShortID(ids[0]), store.ShortID(ids[1]), "寄样品", "约技术交流"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ambiguous done: %q lacks %q", msg, want)
		}
	}
	if n := len(c.openFollowUps()); n != 3 {
		t.Fatalf("open follow-ups after the refused done: %d, want 3", n)
	}
}

func TestFollowUpSetSaysWhatItReplaces(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	first := c.setFollowUp("Acme", "+2d", "Send the quote")
	out := c.ok("followup", "set", "Acme", "+5d", "Call about the quote")
	want := "replaces " + store.ShortID(first.ID) + " due " + first.Due.String() + ": Send the quote"
	if !strings.Contains(out, want) {
		t.Fatalf("set over an open follow-up:\n%s\nwant %q", out, want)
	}
	if rows := c.openFollowUps(); len(rows) != 1 || rows[0].Action != "Call about the quote" {
		t.Fatalf("open follow-ups: %+v", rows)
	}
	// Nothing open: nothing to say.
	c.ok("followup", "done", "Acme")
	if out := c.ok("followup", "set", "Acme", "+5d", "Visit"); strings.Contains(out, "replaces") {
		t.Fatalf("set with nothing open: %q", out)
	}
}

func TestFollowUpDoneNextDefaultsItsDay(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	today := c.setFollowUp("Acme", "today", "Call").Due
	out := c.ok("followup", "done", "Acme", "--next", "Send the contract")
	want := model.DefaultNextDue(today)
	if want != today.AddDays(7) || !strings.Contains(out, "due "+want.String()+": Send the contract") {
		t.Fatalf("done --next without --due: %q, want due %s", out, want)
	}
	rows := c.openFollowUps()
	if len(rows) != 1 || rows[0].Due != want || rows[0].Action != "Send the contract" {
		t.Fatalf("open follow-ups: %+v", rows)
	}
	if _, _, err := c.run("", "followup", "done", "Acme", "--due", "+3d"); err == nil || !strings.Contains(sentence(err), "--due needs --next") {
		t.Fatalf("--due without --next: %v", err)
	}
}
