package reports

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

var plan = report.Plan{Tiers: []report.Tier{{From: 0, Rate: 1}, {From: 100000000, Rate: 2.5}}}

// screen opens the reports screen over a seeded book with a target.
func screen(t *testing.T, lang string, book []uitest.Lead, w, h int) Model {
	t.Helper()
	st := uitest.Store(t)
	uitest.Seed(t, st, book)
	if err := st.Update(func(tx *store.Tx) error {
		return tx.SetTarget(&model.Target{Year: 2026, Quarter: 4, User: "wang", WonCount: 4, WonValue: model.Money{Amount: 800000000, Currency: "CNY"}})
	}); err != nil {
		t.Fatal(err)
	}
	m := New(uitest.Common(st, lang, w, h), nil, plan, storeBook{st})
	m.SetSize(w, h)
	return run(t, m, m.Open())
}

// run feeds the messages cmd yields back into Update until none is left.
func run(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for i := 0; cmd != nil && i < 20; i++ {
		msg := cmd()
		if _, ok := msg.(loadedMsg); !ok {
			return m // a cursor blink or a message for the root
		}
		m, cmd = m.Update(msg)
	}
	return m
}

func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(uitest.Key(k))
		m = run(t, m, cmd)
	}
	return m
}

func view(t *testing.T, m Model) string {
	t.Helper()
	v := m.View()
	uitest.CheckWidths(t, v, m.width, m.height)
	return uitest.Plain(v)
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		lang string
		book []uitest.Lead
	}{{"en", uitest.English}, {"zh", uitest.Chinese}} {
		t.Run(tc.lang+"_80x24", func(t *testing.T) {
			golden.RequireEqual(t, view(t, screen(t, tc.lang, tc.book, 80, 24)))
		})
		t.Run(tc.lang+"_funnel_80x24", func(t *testing.T) {
			golden.RequireEqual(t, view(t, press(t, screen(t, tc.lang, tc.book, 80, 24), "tab")))
		})
	}
}

// Every report, every period, both languages, narrow and wide: no line
// wider than the screen, the tab's title on screen.
func TestEveryReportFitsTheWidth(t *testing.T) {
	titles := map[string]string{"progress": "progress", "funnel": "funnel", "forecast": "forecast", "channels": "channels",
		"activity": "activity", "lost": "lost", "commission": "commission", "approvals": "approvals", "service": "service"}
	for _, lang := range []string{"en", "zh"} {
		book := uitest.English
		if lang == "zh" {
			book = uitest.Chinese
		}
		for _, w := range []int{60, 80, 160} {
			m := screen(t, lang, book, w, 24)
			for i, kind := range Kinds {
				for p := 0; p < 3; p++ {
					v := view(t, m)
					if m.Tab() != kind || !strings.Contains(v, report.L(lang, titles[kind])) {
						t.Fatalf("%s %d: tab %d is %s, want %s with its title:\n%s", lang, w, i, m.Tab(), kind, v)
					}
					m = press(t, m, "p")
				}
				m = press(t, m, "tab")
			}
		}
	}
}

func TestProgressShowsTheTargetAndTheGap(t *testing.T) {
	v := view(t, screen(t, "en", uitest.English, 80, 24))
	// Evergreen Utilities (1.8M) was won this quarter; the target is 8M.
	for _, want := range []string{"Progress against target · 2026-Q4", "wang", "1.8M", "8.0M", "6.2M", "Period: default (2026-Q4) · Rep: whole team"} {
		if !strings.Contains(v, want) {
			t.Fatalf("progress lacks %q:\n%s", want, v)
		}
	}
}

func TestPeriodRepAndTabKeys(t *testing.T) {
	m := screen(t, "en", uitest.English, 80, 24)
	// The report's own period first, then month, quarter and year, and
	// round again (no custom period yet).
	for i, want := range []string{"this month (2026-11)", "this quarter (2026-Q4)", "this year (2026)", "default (2026-Q4)"} {
		m = press(t, m, "p")
		if v := view(t, m); !strings.Contains(v, want) {
			t.Fatalf("p %d times: want %q:\n%s", i+1, want, v)
		}
	}
	m = press(t, m, "r")
	if v := view(t, m); !strings.Contains(v, "Rep: wang") || !strings.Contains(v, "· wang") {
		t.Fatalf("r did not pick the rep:\n%s", v)
	}
	m = press(t, m, "r")
	if v := view(t, m); !strings.Contains(v, "Rep: whole team") {
		t.Fatalf("r r did not go back to the team:\n%s", v)
	}
	m = press(t, m, "shift+tab")
	if m.Tab() != "service" || !strings.Contains(view(t, m), "Open service work · as of 2026-11-") {
		t.Fatalf("shift+tab from the first report shows %s", m.Tab())
	}
	_, cmd := m.Update(uitest.Key("esc"))
	if cmd == nil {
		t.Fatal("esc sent nothing")
	}
	if _, ok := cmd().(common.BackMsg); !ok {
		t.Fatal("esc did not ask to go back")
	}
}

func TestCustomPeriod(t *testing.T) {
	m := screen(t, "en", uitest.English, 80, 24)
	m = press(t, m, "P")
	if !m.InputFocused() || !strings.Contains(view(t, m), "Custom period") {
		t.Fatalf("P did not open the form:\n%s", view(t, m))
	}
	// A wrong day is refused with a sentence, and nothing changes.
	m.from.SetValue("")
	m = press(t, m, "n", "o", "enter")
	m.to.SetValue("2026-11-30")
	m = press(t, m, "enter")
	if v := view(t, m); !strings.Contains(v, "Not a date") || !m.InputFocused() {
		t.Fatalf("a bad day was taken:\n%s", v)
	}
	m.from.SetValue("2026-11-01")
	m = press(t, m, "enter")
	if m.InputFocused() {
		t.Fatalf("the form stayed open:\n%s", view(t, m))
	}
	if p := m.Period(); p.Label != "2026-11-01..2026-11-30" || !strings.Contains(view(t, m), "custom (2026-11-01..2026-11-30)") {
		t.Fatalf("custom period %+v", p)
	}
	// The end before the start is refused.
	m = press(t, m, "P")
	m.to.SetValue("2026-10-01")
	m = press(t, m, "enter", "enter")
	if v := view(t, m); !strings.Contains(v, "before the first") {
		t.Fatalf("a reversed period was taken:\n%s", v)
	}
	m = press(t, m, "esc")
	if m.InputFocused() || m.Period().Label != "2026-11-01..2026-11-30" {
		t.Fatal("esc did not keep the period before")
	}
}

func TestStaleReplyIsDropped(t *testing.T) {
	m := screen(t, "en", uitest.English, 80, 24)
	old := m.Open()
	m, cmd := m.Update(uitest.Key("tab"))
	m = run(t, m, cmd)
	m, _ = m.Update(old())
	if m.Tab() != "funnel" || !strings.Contains(view(t, m), "Funnel ·") {
		t.Fatalf("a late reply replaced the funnel:\n%s", view(t, m))
	}
}

// TestForecastLooksAhead: the forecast tab starts on the period `fieldcrm
// report forecast` shows, this month and the five after it, with no month
// already over, and its total is every open lead.
func TestForecastLooksAhead(t *testing.T) {
	m := press(t, screen(t, "en", uitest.English, 80, 40), "tab", "tab")
	v := view(t, m)
	if m.Tab() != "forecast" || !strings.Contains(v, "Period: default (2026-11..2027-04)") {
		t.Fatalf("the forecast is not of the next six months:\n%s", v)
	}
	if strings.Contains(v, "2026-10") || !strings.Contains(v, "2026-11") || !strings.Contains(v, "2027-04") {
		t.Fatalf("the forecast's months are not this one to April:\n%s", v)
	}
	// Seven open leads (Acme to Northwind); the seeded book has no close
	// dates, so all are without one and the total counts them.
	var total string
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, "Total") {
			total = l
		}
	}
	if f := strings.Fields(total); len(f) < 2 || f[1] != "7" {
		t.Fatalf("the total is not the seven open leads: %q\n%s", total, v)
	}
}
