package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestVisitNextDefaultsItsDay: visit add --next and visit stop --next
// without --due give the next step the UI's default day, as followup done
// --next does; it becomes the lead's one open follow-up, and --due alone
// is still refused.
func TestVisitNextDefaultsItsDay(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "瑞丰热力")
	today := c.setFollowUp("瑞丰", "today", "Call").Due
	want := model.DefaultNextDue(today)
	if want == today {
		t.Fatalf("DefaultNextDue(%s) is today: the test could not tell a default from none", today)
	}
	nextOf := func(args ...string) model.Activity {
		t.Helper()
		var act model.Activity
		if err := json.Unmarshal([]byte(c.ok(append(args, "--json")...)), &act); err != nil {
			t.Fatal(err)
		}
		return act
	}
	check := func(what string, act model.Activity, action string) {
		t.Helper()
		if act.NextStep != action || act.NextDue != want {
			t.Fatalf("%s: next step %q due %s, want %q due %s", what, act.NextStep, act.NextDue, action, want)
		}
		rows := c.openFollowUps()
		if len(rows) != 1 || rows[0].Due != want || rows[0].Action != action {
			t.Fatalf("%s: open follow-ups %+v, want one %q due %s", what, rows, action, want)
		}
	}

	check("visit add --next", nextOf("visit", "add", "瑞丰", "--notes", "见了厂长", "--next", "发送报价单"), "发送报价单")

	c.ok("visit", "start", "瑞丰")
	check("visit stop --next", nextOf("visit", "stop", "--outcome", "样品通过", "--next", "寄合同"), "寄合同")

	// An explicit --due still wins over the default.
	act := nextOf("visit", "add", "瑞丰", "--notes", "电话", "--next", "回电", "--due", "+2d")
	if act.NextDue != today.AddDays(2) {
		t.Fatalf("visit add --due +2d: due %s, want %s", act.NextDue, today.AddDays(2))
	}
	for _, args := range [][]string{
		{"visit", "add", "瑞丰", "--notes", "x", "--due", "+3d"},
		{"visit", "stop", "--due", "+3d"},
	} {
		if _, _, err := c.run("", args...); err == nil || !strings.Contains(err.Error(), "--next") {
			t.Errorf("%q: %v, want a refusal naming --next", args, err)
		}
	}
}
