package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCompanyRefusesPersonalSettings(t *testing.T) {
	src := "# company\nreturn_visit_days = 30\ntime_zone = \"Asia/Shanghai\"\n\n[keys]\nmove = [\"m\"]\n"
	_, ps := ParseCompany(src)
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := "line 3: time_zone: is a personal setting; each laptop keeps it in its own config file, not in the company's settings\n" +
		"line 5: keys: is a personal setting; each laptop keeps it in its own config file, not in the company's settings"
	if strings.Join(got, "\n") != want {
		t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
	}
	c, ps := ParseCompany("return_visit_days = 30\n[approval]\nabove = 1000000\n")
	if len(ps) > 0 || c.ReturnVisitDays != 30 || !strings.Contains(strings.Join(c.Warnings, "\n"), "line 3: approval.above: is not a setting") {
		t.Fatalf("a section of a later version is a warning, not a problem: %+v %v", c, ps)
	}
}

// TestWithCompany: the company's document replaces every company
// section (one it leaves out takes the default, not the file's), the
// sources say so, and saving the config writes the file's own sections
// back, never the company's.
func TestWithCompany(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	own := "user = \"wang\"\nreturn_visit_days = 45\n\n[[stages]]\nkey = \"mine\"\nlabel_en = \"Mine\"\n\n[[stages]]\nkey = \"won\"\nlabel_en = \"Won\"\n\n[[stages]]\nkey = \"lost\"\nlabel_en = \"Lost\"\n"
	if err := os.WriteFile(path, []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := file.Sources(); s["stages"] != FromFile || s["commission"] != FromDefault {
		t.Fatalf("sources of the file alone: %v", s)
	}
	doc, ps := ParseCompany("screening_threshold = 1\n[commission]\nrate = 2.5\n")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	c := file.WithCompany(doc, 7)
	r := c.Rules()
	if got := strings.Join(r.Pipeline.Keys(), ","); got != "prospect,qualified,contacted,solution,negotiation,won,lost" || r.ReturnVisitDays != 90 || r.ScreeningThreshold != 1 || c.Commission.Rate != 2.5 {
		t.Fatalf("rules under the company's settings: %s %+v", got, r)
	}
	s := c.Sources()
	if s["commission"] != "server settings version 7" || s["stages"] != "default (the server's settings version 7 set none)" {
		t.Fatalf("sources: %v", s)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "this file's stages, return_visit_days are not used while logged in") {
		t.Fatalf("warnings: %v", c.Warnings)
	}
	c.Token = "fcrm_x"
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	saved, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Token != "fcrm_x" || saved.ReturnVisitDays != 45 || saved.Commission.Rate != 0 || len(saved.Stages) != 3 || saved.Stages[0].Key != "mine" {
		t.Fatalf("saved: %+v", saved)
	}
}

func TestApprovalAndHandoffSections(t *testing.T) {
	c, ps := ParseCompany("[approval]\nmin_value = 500000\nmax_discount_pct = 12\napprovers = [\"leadership\", \"manager\"]\n\n[handoff]\nservices = [\"install\"]\nsupport_task = false\n")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	r := c.Rules()
	if r.Approval.MinValue.Amount != 500000_00 || r.Approval.MaxDiscountPct != 12 || !r.Approval.MayDecide("manager") {
		t.Fatalf("approval rules: %+v", r.Approval)
	}
	if len(r.Handoff.Services) != 1 || r.Handoff.SupportTask || r.Handoff.ServiceDueDays != 14 {
		t.Fatalf("hand-off rules: %+v", r.Handoff)
	}
	def := (&Config{}).Rules()
	if def.Approval.MinValue.Amount != 1_000_000_00 || def.Approval.MayDecide("manager") || len(def.Handoff.Services) != 2 {
		t.Fatalf("defaults: %+v %+v", def.Approval, def.Handoff)
	}
	_, ps = ParseCompany("\n[approval]\napprovers = [\"rep\"]\nchannels = [\"carrier pigeon\"]\n[handoff]\nservices = [\"polish\"]\n")
	if len(ps) != 3 || ps[0].Line != 3 || ps[2].Line != 6 {
		t.Fatalf("problems: %+v", ps)
	}
}
