package main

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/reports"
	"github.com/fieldcrm/fieldcrm/ui/styles"
)

// TestReportScreenShowsWhatTheCLIPrints writes a demo book with `fieldcrm
// demo`, prints `fieldcrm report forecast` (and funnel) at 80 columns, opens
// the reports screen over the same book at 80 columns on the same tab, and
// compares the two line by line, in English and Chinese: the same months
// (none already over), the same total (the later leads in it), the same
// median days.
func TestReportScreenShowsWhatTheCLIPrints(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		c := newCLI(t)
		t.Setenv("FIELDCRM_LANG", lang)
		writeConfig(t, c, "user = \"wang\"\ntime_zone = \"UTC\"\n")
		c.ok("demo", "--leads", "300")
		rules := model.DefaultRules()
		rules.Location = time.UTC
		st, err := store.Open(store.Options{Path: c.db, User: "wang", Rules: &rules})
		if err != nil {
			t.Fatal(err)
		}
		cm := &common.Common{Width: 80, Height: 60, Styles: styles.New(true), Cat: i18n.New(lang),
			Rules: rules, Data: st, Now: time.Now}
		m := reports.New(cm, nil, report.Plan{}, ui.NewBook(st))
		m.SetSize(80, 60)
		m, _ = m.Update(m.Open()())
		for tab, kind := range report.Kinds {
			if kind == "forecast" || kind == "funnel" {
				cli := strings.Split(strings.TrimRight(c.ok("report", kind, "--width", "80"), "\n"), "\n")
				screen := strings.Split(ansi.Strip(m.View()), "\n")[3:]
				for i := range screen {
					screen[i] = strings.TrimRight(screen[i], " ")
				}
				if strings.Join(screen, "\n") != strings.Join(cli, "\n") {
					t.Errorf("%s %s: the screen shows\n%s\n\nthe CLI prints\n%s", lang, kind, strings.Join(screen, "\n"), strings.Join(cli, "\n"))
				}
				if kind == "forecast" && !strings.Contains(cli[0], report.DefaultPeriod(kind, model.Today(time.Now(), time.UTC)).Label) {
					t.Errorf("%s: the forecast is not of the next six months: %s", lang, cli[0])
				}
			}
			if tab+1 < len(report.Kinds) {
				var cmd tea.Cmd
				m, cmd = m.Update(tea.KeyPressMsg{Code: tea.KeyTab})
				m, _ = m.Update(cmd())
			}
		}
	}
}
