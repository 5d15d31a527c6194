package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestWorkReportsThroughTheCLI writes through the store, as ann and as
// wang (leadership) on the same book: ann asks approval of a 2,000,000
// CNY deal 30 days ago, wang approves it six hours later, ann wins it the
// next day (the hand-off: installation and commissioning, due 14 days
// after, so 15 days overdue now) and asks approval of another deal, still
// pending. `report approvals` and `report service` print those figures in
// JSON, CSV and text, in English and Chinese.
func TestWorkReportsThroughTheCLI(t *testing.T) {
	c := newCLI(t)
	writeConfig(t, c, "user = \"ann\"\ntime_zone = \"UTC\"\n")
	now := time.Now().UTC()
	clock := now.Add(-30 * 24 * time.Hour)
	rules := model.DefaultRules()
	rules.Location = time.UTC
	as := func(user string, fn func(tx *store.Tx) error) {
		t.Helper()
		st, err := store.Open(store.Options{Path: c.db, User: user, Rules: &rules, Now: func() time.Time { return clock }})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	big := model.Lead{Company: "Big Deal Co", Stage: "negotiation", Value: model.Money{Amount: 2_000_000_00, Currency: "CNY"}}
	small := model.Lead{Company: "小单公司", Stage: "negotiation", Value: model.Money{Amount: 3_000_000_00, Currency: "CNY"}}
	var request string
	as("ann", func(tx *store.Tx) error {
		if err := tx.AddLead(&big); err != nil {
			return err
		}
		a, err := tx.RequestApproval(big.ID, "please")
		request = a.ID
		return err
	})
	clock = clock.Add(6 * time.Hour)
	as("wang", func(tx *store.Tx) error {
		_, err := tx.DecideApproval(request, model.Approved, "ok")
		return err
	})
	clock = clock.Add(18 * time.Hour)
	as("ann", func(tx *store.Tx) error {
		if _, err := tx.MoveLead(big.ID, store.Move{Stage: model.StageWon}); err != nil {
			return err
		}
		if err := tx.AddLead(&small); err != nil {
			return err
		}
		_, err := tx.RequestApproval(small.ID, "")
		return err
	})
	from, to := model.DateOf(now.AddDate(0, 0, -40)).String(), model.DateOf(now).String()

	var ap struct {
		Total struct {
			Requests, Approved, Rejected, Pending int
			MedianHours                           float64 `json:"median_hours"`
		} `json:"total"`
		Reps      []struct{ User string } `json:"reps"`
		Approvers []struct {
			User     string
			Requests int
		} `json:"approvers"`
		OldestPending float64 `json:"oldest_pending_hours"`
	}
	if err := json.Unmarshal([]byte(c.ok("report", "approvals", "--from", from, "--to", to, "--json")), &ap); err != nil {
		t.Fatal(err)
	}
	if ap.Total.Requests != 2 || ap.Total.Approved != 1 || ap.Total.Pending != 1 || ap.Total.MedianHours != 6 ||
		len(ap.Reps) != 1 || ap.Reps[0].User != "ann" || len(ap.Approvers) != 1 || ap.Approvers[0].User != "wang" ||
		ap.OldestPending < 29*24 || ap.OldestPending > 29*24+1 {
		t.Errorf("approvals %+v", ap)
	}
	csv := c.ok("report", "approvals", "--from", from, "--to", to, "--csv")
	if !strings.HasPrefix(csv, "group,user,requests,") || !strings.Contains(csv, "approver,wang,1,1,0,0,6.00,6.00") {
		t.Errorf("approvals CSV:\n%s", csv)
	}

	var svc struct {
		Accounts []struct {
			Company                 string
			Orders, Overdue, Queued int
			OldestDays              int            `json:"oldest_days"`
			ByKind                  map[string]int `json:"by_kind"`
		} `json:"accounts"`
		Total struct{ Orders int } `json:"total"`
	}
	if err := json.Unmarshal([]byte(c.ok("report", "service", "--json")), &svc); err != nil {
		t.Fatal(err)
	}
	if len(svc.Accounts) != 1 || svc.Accounts[0].Company != "Big Deal Co" || svc.Accounts[0].Orders != 2 || svc.Accounts[0].Overdue != 2 ||
		svc.Accounts[0].Queued != 2 || svc.Accounts[0].OldestDays != 29 || svc.Accounts[0].ByKind["install"] != 1 || svc.Total.Orders != 2 {
		t.Errorf("service %+v", svc)
	}
	for _, lang := range []string{"en", "zh"} {
		for _, kind := range []string{"approvals", "service"} {
			out := c.ok("--lang", lang, "report", kind, "--width", "80")
			for _, line := range strings.Split(out, "\n") {
				if w := ansi.StringWidth(line); w > 80 {
					t.Errorf("%s %s: a line of %d cells: %q", kind, lang, w, line)
				}
			}
		}
	}
	if zh := c.ok("--lang", "zh", "report", "service", "--width", "80"); !strings.Contains(zh, "未完成的售后服务") || !strings.Contains(zh, "Big Deal Co") {
		t.Errorf("Chinese service report:\n%s", zh)
	}
	if none := c.ok("report", "service", "--user", "wang"); !strings.Contains(none, "No open service work.") {
		t.Errorf("wang's service work:\n%s", none)
	}
	if _, _, err := c.run("", "report", "turnaround"); err == nil || !strings.Contains(err.Error(), "approvals, service") {
		t.Errorf("an unknown report: %v", err)
	}
}
