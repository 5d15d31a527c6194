package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestLoadKeepsEverything(t *testing.T) {
	b := newSmallBook(t).load(t)
	if len(b.Leads) != 8 || len(b.Acts) != 7 || len(b.Targets) != 2 {
		t.Fatalf("loaded %d leads, %d activities, %d targets; want 8, 7, 2", len(b.Leads), len(b.Acts), len(b.Targets))
	}
}

func TestProgressQuarter(t *testing.T) {
	b := newSmallBook(t).load(t)
	p := ComputeProgress(b, Quarter(2027, 1), Scope{})
	// Today 03-15; Q1 ends 04-01: 17 days = 17/7 weeks.
	if !near(p.WeeksLeft, 17.0/7) {
		t.Errorf("weeks left %v, want %v", p.WeeksLeft, 17.0/7)
	}
	if len(p.Rows) != 2 {
		t.Fatalf("rows %+v", p.Rows)
	}
	bob, ann := p.Rows[0], p.Rows[1] // by won value, bob's 3000.00 first
	// bob: won L3 (300000) against his Q1 target 3 / 900000.
	if bob.User != "bob" || bob.WonCount != 1 || bob.WonValue != 300000 || bob.TargetCount != 3 || bob.TargetValue != 900000 ||
		bob.GapCount != 2 || bob.GapValue != 600000 || !near(bob.PaceCount, 2/(17.0/7)) || bob.PaceValue != 247059 {
		t.Errorf("bob %+v", bob)
	}
	// ann: won L1 (contract 200000); her year target 8 / 800000 spread
	// over Q1's 90 of 365 days: 1.97 -> 2 and 197260.27 -> 197260.
	if ann.User != "ann" || ann.WonCount != 1 || ann.WonValue != 200000 || ann.TargetCount != 2 || ann.TargetValue != 197260 ||
		ann.GapCount != 1 || ann.GapValue != 0 || ann.PaceValue != 0 {
		t.Errorf("ann %+v", ann)
	}
	tot := p.Total
	if tot.WonCount != 2 || tot.WonValue != 500000 || tot.TargetCount != 5 || tot.TargetValue != 1097260 || tot.GapValue != 597260 || tot.GapCount != 3 {
		t.Errorf("total %+v", tot)
	}
}

func TestProgressYearAndMonthAndScope(t *testing.T) {
	b := newSmallBook(t).load(t)
	y := ComputeProgress(b, Year(2027), Scope{User: "ann"})
	if len(y.Rows) != 1 || y.Rows[0].TargetCount != 8 || y.Rows[0].TargetValue != 800000 || y.Rows[0].GapValue != 600000 {
		t.Errorf("ann's year: %+v", y.Rows)
	}
	// bob in March: his Q1 target × 31/90 days: 1.03 -> 1, 309999.99 -> 310000.
	m := ComputeProgress(b, Month(2027, 3), Scope{User: "bob"})
	if len(m.Rows) != 1 || m.Rows[0].TargetCount != 1 || m.Rows[0].TargetValue != 310000 || m.Rows[0].WonValue != 300000 {
		t.Errorf("bob's March: %+v", m.Rows)
	}
	// A past period has no weeks left and so no pace.
	past := ComputeProgress(b, Quarter(2026, 4), Scope{})
	if past.WeeksLeft != 0 || past.Total.WonCount != 0 {
		t.Errorf("2026-Q4: %+v", past)
	}
}

func TestFunnel(t *testing.T) {
	b := newSmallBook(t).load(t)
	f := ComputeFunnel(b, Quarter(2027, 1), Scope{})
	want := []struct {
		key     string
		reached int
		conv    float64 // -1: none
		median  float64 // -1: none
	}{
		{"prospect", 5, 0.8, 19},     // L1 L2 L3 L5 L7; stays 10 4 28 41
		{"qualified", 4, 1, 12},      // L1, L2 and L3 skipped it, L4 passed it on 01-05
		{"contacted", 4, 0.75, 17},   // stays 10 (L1) and 24 (L2)
		{"solution", 3, 2.0 / 3, 10}, // L1 L3 L4
		{"negotiation", 2, 1, 10},    // L1 L3
		{"won", 2, -1, -1},
	}
	if len(f.Stages) != len(want) {
		t.Fatalf("stages %+v", f.Stages)
	}
	for i, w := range want {
		s := f.Stages[i]
		if s.Key != w.key || s.Reached != w.reached {
			t.Errorf("stage %d: %s reached %d, want %s %d", i, s.Key, s.Reached, w.key, w.reached)
		}
		if (w.conv < 0) != (s.Conversion == nil) || (s.Conversion != nil && !near(*s.Conversion, w.conv)) {
			t.Errorf("%s conversion %v, want %v", w.key, s.Conversion, w.conv)
		}
		if (w.median < 0) != (s.MedianDays == nil) || (s.MedianDays != nil && !near(*s.MedianDays, w.median)) {
			t.Errorf("%s median %v, want %v", w.key, s.MedianDays, w.median)
		}
	}
	if f.Lost != 2 || f.Unknown != 1 || f.UnknownValue != 60000 {
		t.Errorf("lost %d unknown %d (%d)", f.Lost, f.Unknown, f.UnknownValue)
	}
	ann := ComputeFunnel(b, Quarter(2027, 1), Scope{User: "ann"})
	if ann.Stages[0].Reached != 4 || ann.Stages[5].Reached != 1 || ann.Unknown != 1 {
		t.Errorf("ann's funnel %+v", ann)
	}
}

func TestForecast(t *testing.T) {
	b := newSmallBook(t).load(t)
	p, err := ParsePeriod("2027-03..2027-05", b.today())
	if err != nil {
		t.Fatal(err)
	}
	f := ComputeForecast(b, p, Scope{})
	want := []ForecastMonth{
		{Month: "2027-03", Leads: 1, Value: 10000, Weighted: 500},   // L5 prospect 5%
		{Month: "2027-04", Leads: 1, Value: 80000, Weighted: 40000}, // L4 solution 50%
		{Month: "2027-05", Leads: 1, Value: 60000, Weighted: 0},     // L8 in the removed stage
	}
	for i, w := range want {
		if f.Months[i] != w {
			t.Errorf("month %d %+v, want %+v", i, f.Months[i], w)
		}
	}
	// The total is every open lead, the one without a date included.
	if f.Total != (ForecastMonth{Leads: 4, Value: 170000, Weighted: 43500}) {
		t.Errorf("total %+v", f.Total)
	}
	if f.NoDate != (ForecastMonth{Leads: 1, Value: 20000, Weighted: 3000}) || f.UnknownStage != 1 || f.Earlier.Leads != 0 || f.Later.Leads != 0 {
		t.Errorf("no date %+v, unknown %d, earlier %+v, later %+v", f.NoDate, f.UnknownStage, f.Earlier, f.Later)
	}
	apr := ComputeForecast(b, Month(2027, 4), Scope{})
	if apr.Earlier.Leads != 1 || apr.Later.Leads != 1 || apr.Total != f.Total {
		t.Errorf("April: %+v", apr)
	}
	// Months already over are not listed: the year starts at March (today
	// is 2027-03-15), and what was due before is Earlier.
	year := ComputeForecast(b, Year(2027), Scope{})
	if len(year.Months) != 10 || year.Months[0].Month != "2027-03" || year.Total != f.Total || year.Months[0] != f.Months[0] {
		t.Errorf("2027: %+v", year)
	}
	past := ComputeForecast(b, Month(2027, 1), Scope{})
	if len(past.Months) != 0 || past.Later.Leads != 3 || past.Total != f.Total {
		t.Errorf("a month over: %+v", past)
	}
}

func TestChannels(t *testing.T) {
	b := newSmallBook(t).load(t)
	c := ComputeChannels(b, Quarter(2027, 1), Scope{})
	want := []ChannelRow{
		{Key: "trade_show", Leads: 1, Won: 1, WonValue: 200000, Conversion: 1},
		{Key: "web", Leads: 2, Won: 1, WonValue: 300000, Conversion: 0.5},
		{Key: "referral", Leads: 1},
		{Key: "cold_call", Leads: 1},
		{Key: "other", Leads: 1},
	}
	if len(c.Rows) != len(want) {
		t.Fatalf("rows %+v", c.Rows)
	}
	for i, w := range want {
		if c.Rows[i] != w {
			t.Errorf("row %d %+v, want %+v", i, c.Rows[i], w)
		}
	}
	if c.Total.Leads != 6 || c.Total.Won != 2 || c.Total.WonValue != 500000 || !near(c.Total.Conversion, 2.0/6) {
		t.Errorf("total %+v", c.Total)
	}
}

func TestActivity(t *testing.T) {
	b := newSmallBook(t).load(t)
	a := ComputeActivity(b, Month(2027, 3), Scope{})
	mon := func(d int) model.Date { return model.Date{Y: 2027, M: 3, D: d} }
	if len(a.Weeks) != 5 || a.Weeks[0] != mon(1) || a.Weeks[4] != mon(29) {
		t.Errorf("weeks %v", a.Weeks)
	}
	want := []ActivityRow{
		{Rep: "ann", Week: mon(1), Visits: 1, Calls: 1},
		{Rep: "ann", Week: mon(8), Meetings: 1},
		{Rep: "ann", Week: mon(15), Other: 1},
		{Rep: "bob", Week: mon(8), Calls: 1, Meetings: 1}, // the demo counts as a meeting; his February e-mail is outside
	}
	if len(a.Rows) != len(want) {
		t.Fatalf("rows %+v", a.Rows)
	}
	for i, w := range want {
		if a.Rows[i] != w {
			t.Errorf("row %d %+v, want %+v", i, a.Rows[i], w)
		}
	}
	if got := a.Series("ann"); !equal(got, []int64{2, 1, 1, 0, 0}) {
		t.Errorf("ann's series %v", got)
	}
	if got := a.Series(""); !equal(got, []int64{2, 3, 1, 0, 0}) {
		t.Errorf("team series %v", got)
	}
	// Only L6 (bob's, untouched since 2026-10-01) is stale: L4 had an
	// e-mail on 02-25.
	if len(a.Stale) != 1 || a.Stale[0].Company != "Co L6" || a.Stale[0].Days != 165 {
		t.Errorf("stale %+v", a.Stale)
	}
	ann := ComputeActivity(b, Month(2027, 3), Scope{User: "ann"})
	if len(ann.Rows) != 3 || len(ann.Stale) != 0 || len(ann.Reps) != 1 {
		t.Errorf("ann's activity %+v", ann)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLost(t *testing.T) {
	b := newSmallBook(t).load(t)
	l := ComputeLost(b, Quarter(2027, 1), Scope{})
	// One lead each: the larger value ranks first.
	if len(l.Rows) != 2 || l.Rows[0] != (LostRow{Reason: "competitor", Leads: 1, Value: 70000}) || l.Rows[1] != (LostRow{Reason: "price", Leads: 1, Value: 50000}) {
		t.Errorf("rows %+v", l.Rows)
	}
	if l.Total.Leads != 2 || l.Total.Value != 120000 {
		t.Errorf("total %+v", l.Total)
	}
	if feb := ComputeLost(b, Month(2027, 2), Scope{}); len(feb.Rows) != 1 || feb.Rows[0].Reason != "competitor" {
		t.Errorf("February %+v", feb.Rows)
	}
}

func TestCommission(t *testing.T) {
	b := newSmallBook(t).load(t)
	tiers := Plan{Tiers: []Tier{{From: 250000, Rate: 3}, {From: 0, Rate: 1}}}
	c := ComputeCommission(b, Quarter(2027, 1), Scope{}, tiers)
	// bob: 250000×1% + 50000×3% = 2500 + 1500; ann: 200000×1%.
	if len(c.Rows) != 2 || c.Rows[0] != (CommissionRow{User: "bob", WonCount: 1, WonValue: 300000, Commission: 4000}) ||
		c.Rows[1] != (CommissionRow{User: "ann", WonCount: 1, WonValue: 200000, Commission: 2000}) || c.Total.Commission != 6000 {
		t.Errorf("tiered %+v total %+v", c.Rows, c.Total)
	}
	flat := ComputeCommission(b, Quarter(2027, 1), Scope{User: "ann"}, Plan{Rate: 2.5})
	if len(flat.Rows) != 1 || flat.Rows[0].Commission != 5000 {
		t.Errorf("flat %+v", flat.Rows)
	}
}

func TestPlanArithmetic(t *testing.T) {
	cases := []struct {
		plan Plan
		won  int64
		want int64
	}{
		{Plan{Rate: 2.5}, 12345, 309}, // 308.625 rounds half up
		{Plan{Rate: 0}, 100000, 0},
		{Plan{Rate: 5}, 0, 0},
		{Plan{Tiers: []Tier{{0, 1}, {100000, 2}, {500000, 4}}}, 100000, 1000},
		{Plan{Tiers: []Tier{{0, 1}, {100000, 2}, {500000, 4}}}, 600000, 1000 + 8000 + 4000},
		{Plan{Tiers: []Tier{{100000, 10}}}, 150000, 5000}, // nothing below the first tier
		{Plan{Tiers: []Tier{{100000, 10}}}, 90000, 0},
	}
	for _, c := range cases {
		if got := c.plan.Commission(c.won); got != c.want {
			t.Errorf("%v on %d: %d, want %d", c.plan, c.won, got, c.want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	today := model.Date{Y: 2027, M: 3, D: 15}
	cases := map[string][2]model.Date{
		"month":            {{Y: 2027, M: 3, D: 1}, {Y: 2027, M: 4, D: 1}},
		"quarter":          {{Y: 2027, M: 1, D: 1}, {Y: 2027, M: 4, D: 1}},
		"year":             {{Y: 2027, M: 1, D: 1}, {Y: 2028, M: 1, D: 1}},
		"last-month":       {{Y: 2027, M: 2, D: 1}, {Y: 2027, M: 3, D: 1}},
		"2026-Q4":          {{Y: 2026, M: 10, D: 1}, {Y: 2027, M: 1, D: 1}},
		"2027-12":          {{Y: 2027, M: 12, D: 1}, {Y: 2028, M: 1, D: 1}},
		"2026-11..2027-02": {{Y: 2026, M: 11, D: 1}, {Y: 2027, M: 3, D: 1}},
		"2025":             {{Y: 2025, M: 1, D: 1}, {Y: 2026, M: 1, D: 1}},
	}
	for spec, w := range cases {
		p, err := ParsePeriod(spec, today)
		if err != nil || p.From != w[0] || p.To != w[1] {
			t.Errorf("%s: %+v %v, want %v", spec, p, err, w)
		}
	}
	for _, bad := range []string{"2027-13", "2027-Q5", "soon", "2027-05..2027-01"} {
		if _, err := ParsePeriod(bad, today); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if _, err := Custom(model.Date{Y: 2027, M: 3, D: 2}, model.Date{Y: 2027, M: 3, D: 1}); err == nil {
		t.Error("a custom period ending before it starts was accepted")
	}
	c, _ := Custom(model.Date{Y: 2027, M: 3, D: 1}, model.Date{Y: 2027, M: 3, D: 1})
	if c.Days() != 1 {
		t.Errorf("a one-day custom period has %d days", c.Days())
	}
}

func TestTextFitsAndSpeaksBothLanguages(t *testing.T) {
	b := newSmallBook(t).load(t)
	q := Quarter(2027, 1)
	docs := func(lang string) []Doc {
		return []Doc{
			ComputeProgress(b, q, Scope{}).Doc(lang, Scope{}),
			ComputeFunnel(b, q, Scope{}).Doc(lang, Scope{}, b.Pipeline),
			ComputeForecast(b, q, Scope{}).Doc(lang, Scope{}),
			ComputeChannels(b, q, Scope{}).Doc(lang, Scope{}),
			ComputeActivity(b, q, Scope{}).Doc(lang, Scope{}, b.Pipeline),
			ComputeLost(b, q, Scope{}).Doc(lang, Scope{}),
			ComputeCommission(b, q, Scope{}, Plan{Rate: 2}).Doc(lang, Scope{}),
		}
	}
	for _, lang := range []string{"en", "zh"} {
		for _, width := range []int{80, 50} {
			for _, d := range docs(lang) {
				text := d.Text(width)
				for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
					if w := Width(line); w > width {
						t.Errorf("%s at %d: line %d cells wide: %q", lang, width, w, line)
					}
				}
			}
		}
	}
	zh := ComputeFunnel(b, q, Scope{}).Doc("zh", Scope{}, b.Pipeline).Text(80)
	for _, want := range []string{"销售漏斗", "潜在客户", "未知阶段", "80%"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese funnel lacks %q:\n%s", want, zh)
		}
	}
	en := ComputeLost(b, q, Scope{}).Doc("en", Scope{}).Text(80)
	if !strings.Contains(en, "Competitor") || !strings.Contains(en, "█") {
		t.Errorf("English lost reasons:\n%s", en)
	}
}

func TestLabelsInBothLanguages(t *testing.T) {
	for k, l := range labels {
		if l[0] == "" || l[1] == "" || l[0] == l[1] {
			t.Errorf("label %q: %q / %q", k, l[0], l[1])
		}
	}
}

func TestCharts(t *testing.T) {
	cases := []struct {
		v, max int64
		w      int
		want   string
	}{
		{10, 10, 4, "████"},
		{5, 10, 4, "██  "},
		{1, 16, 2, "▏ "}, // one sixteenth of two cells is one eighth of a cell
		{0, 10, 3, "   "},
		{20, 10, 3, "███"},
		{1, 1000, 3, "▏  "}, // something is never drawn as nothing
	}
	for _, c := range cases {
		if got := Bar(c.v, c.max, c.w); got != c.want || Width(got) != c.w {
			t.Errorf("Bar(%d, %d, %d) = %q, want %q", c.v, c.max, c.w, got, c.want)
		}
	}
	if got := Sparkline([]int64{0, 1, 4, 8}, 6); got != " ▁▄█  " {
		t.Errorf("sparkline %q", got)
	}
	if got := Sparkline([]int64{1, 2, 3, 4}, 2); got != "▆█" {
		t.Errorf("cut sparkline %q", got)
	}
	if got := Fit("潜在客户公司", 7); got != "潜在客…" || Width(got) != 7 {
		t.Errorf("Fit CJK %q (%d cells)", got, Width(got))
	}
	if got := FitRight("12", 4); got != "  12" {
		t.Errorf("FitRight %q", got)
	}
	_ = time.Now
}

// TestIdleIsOneWord: the activity report's stale leads, the cards, the
// lead screen and the daily review say "idle" for the same figure (days
// since the last touch, model.IdleDays), with the same word in Chinese.
func TestIdleIsOneWord(t *testing.T) {
	for lang, word := range map[string]string{"en": "idle", "zh": "未跟进"} {
		for _, s := range []string{L(lang, "idle"), i18n.T(lang, "board.idle")} {
			if !strings.Contains(strings.ToLower(s), word) {
				t.Errorf("%s: %q does not say %q", lang, s, word)
			}
		}
		b := newSmallBook(t).load(t)
		text := ComputeActivity(b, Month(2027, 3), Scope{}).Doc(lang, Scope{}, b.Pipeline).Text(80)
		if !strings.Contains(text, L(lang, "idle")) || !strings.Contains(text, "165") {
			t.Errorf("%s: the stale leads are not listed with their idle days:\n%s", lang, text)
		}
	}
	now := time.Date(2027, 3, 15, 12, 0, 0, 0, time.UTC)
	if got := model.IdleDays(now.Add(-40*24*time.Hour-time.Hour), now); got != 40 {
		t.Errorf("IdleDays = %d, want 40", got)
	}
}
