package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

func TestVisitStartAndStopThroughTheCLI(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "瑞丰热力", "--contact", "刘强")
	var act model.Activity
	if err := json.Unmarshal([]byte(c.ok("visit", "start", "瑞丰", "--json")), &act); err != nil {
		t.Fatal(err)
	}
	if !act.Open() || act.Contact != "刘强" {
		t.Fatalf("started visit %+v", act)
	}
	out := c.ok("visit", "stop", "--outcome", "样品通过", "--feedback", "价格可以", "--next", "寄合同", "--due", "+3d", "--notes", "## 纪要\n\n- 样品通过", "--json")
	if err := json.Unmarshal([]byte(out), &act); err != nil {
		t.Fatal(err)
	}
	if act.Open() || act.Outcome != "样品通过" || act.Feedback != "价格可以" || act.NextStep != "寄合同" || act.Notes() != "## 纪要\n\n- 样品通过" {
		t.Fatalf("stopped visit %+v", act)
	}
	var detail leadDetail
	json.Unmarshal([]byte(c.ok("lead", "show", "瑞丰", "--json")), &detail)
	if len(detail.FollowUps) != 1 || detail.FollowUps[0].Action != "寄合同" {
		t.Fatalf("follow-ups after stop: %+v", detail.FollowUps)
	}
	if _, _, err := c.run("", "visit", "stop"); err == nil || !strings.Contains(err.Error(), "no open visit") {
		t.Fatalf("stop with no open visit: %v", err)
	}
	if _, _, err := c.run("", "visit", "stop", act.ID); err == nil || !strings.Contains(err.Error(), "not an open visit") {
		t.Fatalf("stopping a closed visit: %v", err)
	}
}

// TestVisitAddLogsAFinishedVisit: visit add without --duration must not
// leave an open visit behind, which the UI would resume in visit mode and
// type into; with --duration it lasts that long; only visit start opens one.
func TestVisitAddLogsAFinishedVisit(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "瑞丰热力")
	var act model.Activity
	if err := json.Unmarshal([]byte(c.ok("visit", "add", "瑞丰", "--notes", "见了厂长", "--json")), &act); err != nil {
		t.Fatal(err)
	}
	if act.Open() || act.EndedAt.IsZero() || !act.EndedAt.Equal(act.StartedAt) {
		t.Fatalf("visit add without --duration: started %v ended %v open %v", act.StartedAt, act.EndedAt, act.Open())
	}
	if _, _, err := c.run("", "visit", "stop"); err == nil || !strings.Contains(err.Error(), "no open visit") {
		t.Fatalf("visit stop after visit add: %v", err)
	}
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		t.Fatal(err)
	}
	var open []model.Activity
	st.View(func(tx *store.Tx) (err error) { open, err = tx.OpenVisits(); return err })
	st.Close()
	if len(open) != 0 {
		t.Fatalf("open visits after visit add: %+v", open)
	}
	if out := c.ok("visit", "list"); strings.Contains(out, "open") {
		t.Fatalf("visit list shows an open visit:\n%s", out)
	}
	c.ok("visit", "start", "瑞丰")
	st, err = store.Open(store.Options{Path: c.db})
	if err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *store.Tx) (err error) { open, err = tx.OpenVisits(); return err })
	st.Close()
	if len(open) != 1 {
		t.Fatalf("open visits after visit start: %d, want 1", len(open))
	}
}
