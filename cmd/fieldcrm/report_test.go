package main

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// reportBook writes a small book straight through the store, with a
// pipeline that has a "pilot" stage the CLI's config does not: ann won
// A on 2027-02-10 (contract 1,000.00), bob lost B on 2027-03-01 (price,
// 500.00), and C sits in "pilot".
func reportBook(t *testing.T, c *cli) {
	t.Helper()
	clock := time.Date(2027, 1, 5, 12, 0, 0, 0, time.UTC)
	r := model.DefaultRules()
	r.Location = time.UTC
	r.Pipeline.Stages = append(r.Pipeline.Stages, model.Stage{Key: "pilot", LabelEN: "Pilot", Probability: 60})
	st, err := store.Open(store.Options{Path: c.db, User: "ann", Rules: &r, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error {
		for _, l := range []*model.Lead{
			{Company: "Alpha", Owner: "ann", Source: "web", CreatedAt: clock, Value: model.Money{Amount: 80000}},
			{Company: "Beta", Owner: "bob", Source: "referral", CreatedAt: clock, Value: model.Money{Amount: 50000}},
			{Company: "Gamma", Owner: "ann", Source: "web", Stage: "pilot", CreatedAt: clock, Value: model.Money{Amount: 30000}},
		} {
			if err := tx.AddLead(l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	st.View(func(tx *store.Tx) error {
		cards, _ := tx.Cards()
		for _, c := range cards {
			ids = append(ids, c.ID)
		}
		return nil
	})
	clock = time.Date(2027, 2, 10, 12, 0, 0, 0, time.UTC)
	err = st.Update(func(tx *store.Tx) error {
		_, err := tx.MoveLead(ids[0], store.Move{Stage: "won", ContractValue: &model.Money{Amount: 100000, Currency: "CNY"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	err = st.Update(func(tx *store.Tx) error {
		_, err := tx.MoveLead(ids[1], store.Move{Stage: "lost", LostReason: "price"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t *testing.T, c *cli, text string) {
	t.Helper()
	if err := os.WriteFile(c.config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTargetsAndProgressThroughTheCLI(t *testing.T) {
	c := newCLI(t)
	writeConfig(t, c, "user = \"ann\"\ntime_zone = \"UTC\"\n")
	reportBook(t, c)
	c.ok("target", "set", "--year", "2027", "--won-count", "4", "--won-value", "4000")
	c.ok("target", "set", "--year", "2027", "--quarter", "1", "--user", "bob", "--won-count", "1", "--won-value", "2000")
	// Setting only the count keeps the value set before.
	c.ok("target", "set", "--year", "2027", "--won-count", "5")
	var ts []model.Target
	if err := json.Unmarshal([]byte(c.ok("target", "list", "--json")), &ts); err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].User != "ann" || ts[0].WonCount != 5 || ts[0].WonValue.Amount != 400000 || ts[1].Quarter != 1 {
		t.Fatalf("targets %+v", ts)
	}
	if _, _, err := c.run("", "target", "set", "--year", "2027", "--quarter", "7", "--won-count", "1"); err == nil {
		t.Error("quarter 7 was accepted")
	}

	var prog struct {
		Rows []struct {
			User        string `json:"user"`
			WonCount    int    `json:"won_count"`
			WonValue    int64  `json:"won_value"`
			TargetCount int    `json:"target_count"`
			TargetValue int64  `json:"target_value"`
			GapValue    int64  `json:"gap_value"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(c.ok("report", "progress", "--period", "2027", "--user", "ann", "--json")), &prog); err != nil {
		t.Fatal(err)
	}
	if len(prog.Rows) != 1 || prog.Rows[0].WonCount != 1 || prog.Rows[0].WonValue != 100000 || prog.Rows[0].TargetCount != 5 ||
		prog.Rows[0].TargetValue != 400000 || prog.Rows[0].GapValue != 300000 {
		t.Errorf("ann's 2027 progress %+v", prog.Rows)
	}
	text := c.ok("report", "progress", "--period", "2027-Q1", "--width", "80")
	if !strings.Contains(text, "bob") || !strings.Contains(text, "ann") || !strings.Contains(text, "Progress against target") {
		t.Errorf("progress text:\n%s", text)
	}
	csv := c.ok("report", "progress", "--from", "2027-01-01", "--to", "2027-03-31", "--csv")
	if !strings.HasPrefix(csv, "user,won_count,won_value,") || !strings.Contains(csv, "ann,1,1000.00,") {
		t.Errorf("progress CSV:\n%s", csv)
	}
}

func TestReportsThroughTheCLI(t *testing.T) {
	c := newCLI(t)
	writeConfig(t, c, "user = \"ann\"\ntime_zone = \"UTC\"\n[commission]\nrate = 2\n")
	reportBook(t, c)

	funnel := c.ok("report", "funnel", "--period", "2027-Q1", "--csv")
	if !strings.Contains(funnel, "unknown_stage,1") || !strings.Contains(funnel, "prospect,2,") || !strings.Contains(funnel, "lost,1") {
		t.Errorf("funnel CSV:\n%s", funnel)
	}
	zh := c.ok("--lang", "zh", "report", "funnel", "--period", "2027-Q1", "--width", "80")
	if !strings.Contains(zh, "销售漏斗") || !strings.Contains(zh, "未知阶段") {
		t.Errorf("Chinese funnel:\n%s", zh)
	}
	for _, kind := range []string{"progress", "funnel", "forecast", "channels", "activity", "lost", "commission"} {
		for _, lang := range []string{"en", "zh"} {
			out := c.ok("--lang", lang, "report", kind, "--period", "2027", "--width", "80")
			for _, line := range strings.Split(out, "\n") {
				if w := ansi.StringWidth(line); w > 80 {
					t.Errorf("%s %s: a line is %d cells wide: %q", kind, lang, w, line)
				}
			}
		}
	}
	var comm struct {
		Rows []struct {
			User       string `json:"user"`
			Commission int64  `json:"commission"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(c.ok("report", "commission", "--period", "2027", "--json")), &comm); err != nil {
		t.Fatal(err)
	}
	if len(comm.Rows) != 1 || comm.Rows[0].User != "ann" || comm.Rows[0].Commission != 2000 {
		t.Errorf("commission %+v", comm.Rows)
	}
	lost := c.ok("report", "lost", "--period", "2027-03", "--csv")
	if !strings.Contains(lost, "price,1,500.00,") {
		t.Errorf("lost CSV:\n%s", lost)
	}
	channels := c.ok("report", "channels", "--period", "2027", "--json")
	if !strings.Contains(channels, `"channel": "web"`) {
		t.Errorf("channels JSON:\n%s", channels)
	}
	for _, bad := range [][]string{
		{"report", "velocity"},
		{"report", "funnel", "--period", "someday"},
		{"report", "funnel", "--from", "2027-01-01"},
		{"report", "funnel", "--json", "--csv"},
	} {
		if _, _, err := c.run("", bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestConfigShowAndCheck(t *testing.T) {
	c := newCLI(t)
	writeConfig(t, c, "user = \"ann\"\ntoken = \"s3cret\"\n\n[[stages]]\nkey = \"new\"\nlabel_en = \"New\"\nlabel_zh = \"新\"\nprobability = 10\n"+
		"[[stages]]\nkey = \"won\"\nlabel_en = \"Won\"\nprobability = 100\n[[stages]]\nkey = \"lost\"\nlabel_en = \"Lost\"\n")
	out := c.ok("config", "show")
	if !strings.Contains(out, `key = "new"`) || strings.Contains(out, "s3cret") || !strings.Contains(out, "[templates]") {
		t.Errorf("config show:\n%s", out)
	}
	var e struct {
		Stages []model.Stage `json:"stages"`
		Token  string        `json:"token"`
	}
	if err := json.Unmarshal([]byte(c.ok("config", "show", "--json")), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Stages) != 3 || e.Stages[0].Key != "new" || e.Token == "s3cret" {
		t.Errorf("config show --json %+v", e)
	}
	if out := c.ok("config", "check"); !strings.Contains(out, "ok") {
		t.Errorf("check of a good file: %s", out)
	}

	bad := c.config + ".bad"
	if err := os.WriteFile(bad, []byte("user = \"ann\"\n\n[[stages]]\nkey = \"won\"\nlabel_en = \"W\"\nprobability = 101\n[[stages]]\nkey = \"lost\"\nlabel_en = \"L\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.run("", "config", "check", bad)
	var ee exitError
	if err == nil || !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "line 6") || !strings.Contains(err.Error(), "probability") {
		t.Errorf("check of a bad file: %v", err)
	}
	// The program still starts on the defaults with the bad file.
	_, errs, err := c.run("", "--config", bad, "config", "show")
	if err != nil || !strings.Contains(errs, "line 6") {
		t.Errorf("start with a bad config: %v, stderr %q", err, errs)
	}
	if _, _, err := c.run("", "config", "check", c.config+".missing"); err == nil {
		t.Error("check of a missing file passed")
	}
}
