package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

const companyTOML = `# the company's settings
screening_threshold = 2

[[stages]]
key = "prospect"
label_en = "Lead"
label_zh = "线索"
probability = 5

[[stages]]
key = "pilot"
label_en = "Pilot"
label_zh = "试点"
probability = 40

[[stages]]
key = "won"
label_en = "Won"
label_zh = "签约"
probability = 100

[[stages]]
key = "lost"
label_en = "Lost"
label_zh = "流失"
`

// TestCompanySettingsThroughTheCLI: the operator checks and sets the
// company settings over the running server's admin socket; a rep's
// laptop, whose own file has another pipeline, syncs and from then on
// uses the server's stages, offline too, while its file keeps its own.
func TestCompanySettingsThroughTheCLI(t *testing.T) {
	dir, url, stop := serveDir(t, parseCompanySettings)

	op := newCLI(t)
	files := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.toml", "screening_threshold = 2\n\n[[stages]]\nkey = \"pilot\"\nprobability = \"high\"\n")
	_, errs, err := op.run("", "admin", "--data", dir, "settings", "check", bad)
	if err == nil || !strings.Contains(err.Error(), "bad.toml line 5: stages.probability:") {
		t.Fatalf("check of a bad file: %v\n%s", err, errs)
	}
	big := write("big.toml", companyTOML+strings.Repeat("# "+strings.Repeat("x", 78)+"\n", 400))
	if _, _, err := op.run("", "admin", "--data", dir, "settings", "set", big); err == nil || !strings.Contains(err.Error(), "company settings may be at most 24576") {
		t.Fatalf("a file too big: %v", err)
	}
	good := write("company.toml", companyTOML)
	if out := op.ok("admin", "--data", dir, "settings", "check", good); out != good+": ok\n" {
		t.Fatalf("check: %q", out)
	}
	if out := op.ok("admin", "--data", dir, "settings", "set", good); !strings.Contains(out, "stored as company settings version 1") {
		t.Fatalf("set: %q", out)
	}
	if out := op.ok("admin", "--data", dir, "settings", "show"); !strings.HasPrefix(out, "# company settings version 1, set by ") || !strings.HasSuffix(out, companyTOML) {
		t.Fatalf("show:\n%s", out)
	}
	var hist []server.SettingsVersion
	if err := json.Unmarshal([]byte(op.ok("admin", "--data", dir, "settings", "history", "--json")), &hist); err != nil || len(hist) != 1 ||
		strings.Join(hist[0].Stages, ",") != "prospect,pilot,won,lost" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	m := tokenRE.FindStringSubmatch(op.ok("admin", "--data", dir, "--url", url, "user", "add", "wang", "--role", "rep"))
	if m == nil {
		t.Fatal("no login line")
	}

	rep := newCLI(t)
	own := "lang = \"en\"\n\n[[stages]]\nkey = \"prospect\"\nlabel_en = \"New\"\n\n[[stages]]\nkey = \"fileonly\"\nlabel_en = \"Mine\"\n\n[[stages]]\nkey = \"won\"\nlabel_en = \"Won\"\n\n[[stages]]\nkey = \"lost\"\nlabel_en = \"Lost\"\n"
	if err := os.WriteFile(rep.config, []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	rep.ok("login", "--server", url, "--user", m[2], "--token", m[3])
	rep.ok("lead", "add", "--company", "Acme")
	if _, _, err := rep.run("", "lead", "move", "Acme", "pilot"); err == nil {
		t.Fatal("a move to the server's stage before the laptop has the settings")
	}
	if out := rep.ok("sync"); !strings.Contains(out, "pushed 1 change") {
		t.Fatalf("sync: %q", out)
	}
	show := rep.ok("config", "show")
	for _, want := range []string{"# stages: server settings version 1\n", "# screening_threshold: server settings version 1\n",
		"# commission: default (the server's settings version 1 set none)\n", `key = "pilot"`} {
		if !strings.Contains(show, want) {
			t.Fatalf("config show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "fileonly") {
		t.Fatalf("config show still has the file's stage:\n%s", show)
	}
	// Tab completes the server's stages (a completion reads the config
	// and the book as the shell's environment names them).
	t.Setenv("FIELDCRM_CONFIG", rep.config)
	t.Setenv("FIELDCRM_DB", rep.db)
	if out, _, _ := rep.run("", "__complete", "lead", "move", "Acme", ""); !strings.Contains(out, "pilot") || strings.Contains(out, "fileonly") {
		t.Fatalf("completion of stages:\n%s", out)
	}

	// Offline: the synced stages hold; the file's are gone while logged in.
	stop()
	if out := rep.ok("lead", "move", "Acme", "pilot"); !strings.Contains(out, "to Pilot") {
		t.Fatalf("offline move: %q", out)
	}
	if _, _, err := rep.run("", "lead", "move", "Acme", "fileonly"); err == nil {
		t.Fatal("a move to the file's own stage while the server's settings are in force")
	}
	data, err := os.ReadFile(rep.config)
	if err != nil || !strings.Contains(string(data), `key = "fileonly"`) || strings.Contains(string(data), "pilot") {
		t.Fatalf("the laptop's file after login:\n%s %v", data, err)
	}
}

// TestSettingsKeepTheApprovalAndHandoffRules: the checker 'fieldcrm
// serve' hands the server fills in the [approval] and [handoff] rules,
// which the server stores with the version; a document without the
// sections means the defaults.
func TestSettingsKeepTheApprovalAndHandoffRules(t *testing.T) {
	const doc = "[approval]\nmin_value = 500000\napprovers = [\"leadership\", \"manager\"]\n\n[handoff]\nservices = [\"install\"]\nservice_assignee = \"lin\"\n"
	p, ps, _ := parseCompanySettings(doc)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	wantA := model.ApprovalRules{MinValue: model.Money{Amount: 500_000_00, Currency: "CNY"}, Approvers: []string{"leadership", "manager"}}
	wantH := model.DefaultHandoff()
	wantH.Services, wantH.ServiceAssignee = []string{"install"}, "lin"
	if !reflect.DeepEqual(p.Approval, wantA) || !reflect.DeepEqual(p.Handoff, wantH) {
		t.Fatalf("parsed %+v %+v, want %+v %+v", p.Approval, p.Handoff, wantA, wantH)
	}
	if d, _, _ := parseCompanySettings("screening_threshold = 2\n"); !reflect.DeepEqual(d.Approval, model.DefaultApprovalRules()) || !reflect.DeepEqual(d.Handoff, model.DefaultHandoff()) {
		t.Fatalf("without the sections: %+v %+v, want the defaults", d.Approval, d.Handoff)
	}
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st, ParseSettings: parseCompanySettings}
	ctx := context.Background()
	if res, err := svc.SetSettings(ctx, doc); err != nil || !res.OK() {
		t.Fatalf("%+v %v", res, err)
	}
	got, err := svc.ShowSettings(ctx, 0)
	if err != nil || got.Approval == nil || got.Handoff == nil || !reflect.DeepEqual(*got.Approval, wantA) || !reflect.DeepEqual(*got.Handoff, wantH) {
		t.Fatalf("stored %+v %v", got, err)
	}
}
