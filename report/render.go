package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
)

// Table is a table laid out for the terminal or for CSV: the reports'
// tables and every list the CLI prints are written by its Text.
type Table struct {
	Head  []string
	Rows  [][]string
	Right []bool  // right-align the column (numbers)
	Bars  []int64 // one value per row drawn as a bar after the columns; nil: none
	Max   int64   // the bars' full scale; 0: the largest value
	Cap   []int   // per-column width limit in cells; 0: none
	// Free marks the free-text columns (company, notes) that give way when
	// the table is wider than the terminal, the widest first; nil: the
	// first column. Other columns (ids, dates, amounts) are never cut.
	Free []bool
}

// minFree is the narrowest a free-text column is cut to before columns
// are left out.
const minFree = 4

// Doc is a whole report as text: a title, tables, and lines between them.
type Doc struct {
	Title string
	Parts []Part
}

// Part is a line of text, a table, or both (the line first).
type Part struct {
	Line  string
	Table *Table
}

// Text renders the document for a terminal width cells wide (CJK-aware).
// Its text may hold a company or a user's name, so every line and cell is
// shown through Safe: control characters escaped, never acted on.
func (d Doc) Text(width int) string {
	if width < 20 {
		width = 20
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(Fit(Safe(d.Title), width), " "))
	b.WriteString("\n")
	for _, p := range d.Parts {
		if p.Line != "" {
			b.WriteString(strings.TrimRight(Fit(Safe(p.Line), width), " "))
			b.WriteString("\n")
		}
		if p.Table != nil {
			b.WriteString(p.Table.Text(width))
		}
	}
	return b.String()
}

// Text renders the table at most width cells wide (CJK-aware). When it
// does not fit, the widest free-text column is cut first (with "…") until
// all of them are down to minFree cells; then columns are left out from
// the right. Bars take the room that is left.
func (t *Table) Text(width int) string {
	n := len(t.Head)
	head := safeRow(t.Head)
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = safeRow(r)
	}
	ws := make([]int, n)
	for i, h := range head {
		ws[i] = Width(h)
	}
	for _, r := range rows {
		for i := 0; i < n && i < len(r); i++ {
			ws[i] = max(ws[i], Width(r[i]))
		}
	}
	for i := range ws {
		if i < len(t.Cap) && t.Cap[i] > 0 {
			ws[i] = min(ws[i], t.Cap[i])
		}
	}
	total := 2 * (n - 1)
	for _, w := range ws {
		total += w
	}
	for total > width {
		// The widest free column gives a cell; ties go to the rightmost,
		// so a note is cut before the company.
		widest := -1
		for i := range ws {
			if t.free(i) && ws[i] > minFree && (widest < 0 || ws[i] >= ws[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		ws[widest]--
		total--
	}
	// Still too wide: leave out columns from the right.
	for total > width && n > 1 {
		n--
		total -= ws[n] + 2
	}
	barW := 0
	if t.Bars != nil {
		barW = min(width-total-2, 40)
		if barW < 6 {
			barW = 0
		}
	}
	top := t.Max
	if top == 0 {
		for _, v := range t.Bars {
			top = max(top, v)
		}
	}
	var b strings.Builder
	line := func(cells []string, bar string) {
		var l strings.Builder
		for i := 0; i < n; i++ {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			if i > 0 {
				l.WriteString("  ")
			}
			if i < len(t.Right) && t.Right[i] {
				l.WriteString(FitRight(c, ws[i]))
			} else {
				l.WriteString(Fit(c, ws[i]))
			}
		}
		if bar != "" {
			l.WriteString("  ")
			l.WriteString(bar)
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteString("\n")
	}
	line(head, "")
	for i, r := range rows {
		bar := ""
		if barW > 0 && i < len(t.Bars) {
			bar = Bar(t.Bars[i], top, barW)
		}
		line(r, bar)
	}
	return b.String()
}

// free reports whether column i is free text that may be cut to fit.
func (t *Table) free(i int) bool {
	if t.Free == nil {
		return i == 0
	}
	return i < len(t.Free) && t.Free[i]
}

// Safe is s as a terminal may show it on one line: model.PrintableFlat.
func Safe(s string) string { return model.PrintableFlat(s) }

// safeRow is cells through Safe; a row that needs nothing is not copied.
func safeRow(cells []string) []string {
	var out []string
	for i, c := range cells {
		if s := Safe(c); s != c {
			if out == nil {
				out = append([]string(nil), cells...)
			}
			out[i] = s
		}
	}
	if out == nil {
		return cells
	}
	return out
}

// WriteCSV writes the table as CSV: the header row, then every row.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Head); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// short formats money compactly for the terminal as a reader of lang
// counts: 1.2M and 350.0k, or 120万 and 35万.
func short(lang string, v int64) string { return i18n.Amount(lang, v) }

// decimal formats minor units as a plain number for CSV: 12500.50.
func decimal(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%d.%02d", v/100, v%100)
	if neg {
		s = "-" + s
	}
	return s
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" }

func itoa(n int) string { return strconv.Itoa(n) }

func userLabel(u, lang string) string {
	if u == "" {
		return L(lang, "team")
	}
	return u
}

func title(lang, key string, p Period, sc Scope) string {
	s := L(lang, key) + " · " + p.Label
	if sc.User != "" {
		s += " · " + sc.User
	}
	return s
}

// --- progress

// Doc lays the progress out for the terminal.
func (r Progress) Doc(lang string, sc Scope) Doc {
	t := &Table{Head: []string{L(lang, "rep"), L(lang, "won"), L(lang, "target"), L(lang, "won_value"), L(lang, "target_val"), L(lang, "gap"), L(lang, "per_week")},
		Right: []bool{false, true, true, true, true, true, true}}
	add := func(row ProgressRow, name string) {
		tc, tv, gap, pace := "-", "-", "-", "-"
		if row.HasTarget {
			tc, tv, gap = itoa(row.TargetCount), short(lang, row.TargetValue), short(lang, row.GapValue)
			switch {
			case r.WeeksLeft <= 0 || (row.GapCount == 0 && row.GapValue == 0):
			case row.GapValue == 0:
				pace = fmt.Sprintf("%.1f", row.PaceCount)
			case row.GapCount == 0:
				pace = short(lang, row.PaceValue)
			default:
				pace = fmt.Sprintf("%.1f · %s", row.PaceCount, short(lang, row.PaceValue))
			}
		}
		t.Rows = append(t.Rows, []string{name, itoa(row.WonCount), tc, short(lang, row.WonValue), tv, gap, pace})
		// The bar is the share of the value target met.
		if row.HasTarget && row.TargetValue > 0 {
			t.Bars = append(t.Bars, min(row.WonValue*1000/row.TargetValue, 1000))
		} else {
			t.Bars = append(t.Bars, 0)
		}
	}
	for _, row := range r.Rows {
		add(row, row.User)
	}
	if len(r.Rows) > 1 || sc.User == "" {
		add(r.Total, L(lang, "total"))
	}
	t.Max = 1000
	d := Doc{Title: title(lang, "progress", r.Period, sc) + " · " + r.Currency}
	if r.WeeksLeft > 0 {
		d.Parts = append(d.Parts, Part{Line: fmt.Sprintf(L(lang, "weeks_left"), r.WeeksLeft)})
	}
	d.Parts = append(d.Parts, Part{Table: t})
	return d
}

// CSV is the progress as a flat table with exact amounts.
func (r Progress) CSV() *Table {
	t := &Table{Head: []string{"user", "won_count", "won_value", "target_count", "target_value", "gap_count", "gap_value", "pace_count_per_week", "pace_value_per_week", "currency"}}
	for _, row := range append(append([]ProgressRow(nil), r.Rows...), r.Total) {
		user := row.User
		if user == "" {
			user = "total"
		}
		t.Rows = append(t.Rows, []string{user, itoa(row.WonCount), decimal(row.WonValue), itoa(row.TargetCount), decimal(row.TargetValue),
			itoa(row.GapCount), decimal(row.GapValue), strconv.FormatFloat(row.PaceCount, 'f', 2, 64), decimal(row.PaceValue), r.Currency})
	}
	return t
}

// --- funnel

// Doc lays the funnel out for the terminal.
func (r Funnel) Doc(lang string, sc Scope, p model.Pipeline) Doc {
	t := &Table{Head: []string{L(lang, "stage"), L(lang, "reached"), L(lang, "to_next"), L(lang, "median_days")},
		Right: []bool{false, true, true, true}}
	for _, s := range r.Stages {
		conv, med := "", ""
		if s.Conversion != nil {
			conv = pct(*s.Conversion)
		}
		if s.MedianDays != nil {
			med = strconv.FormatFloat(*s.MedianDays, 'f', 1, 64)
		}
		t.Rows = append(t.Rows, []string{StageLabel(p, s.Key, lang), itoa(s.Reached), conv, med})
		t.Bars = append(t.Bars, int64(s.Reached))
	}
	d := Doc{Title: title(lang, "funnel", r.Period, sc), Parts: []Part{{Table: t}, {Line: fmt.Sprintf(L(lang, "lost_count"), r.Lost)}}}
	if r.Unknown > 0 {
		d.Parts = append(d.Parts, Part{Line: fmt.Sprintf(L(lang, "unknown_n"), r.Unknown, short(lang, r.UnknownValue))})
	}
	return d
}

// CSV is the funnel as a flat table.
func (r Funnel) CSV() *Table {
	t := &Table{Head: []string{"stage", "reached", "conversion_to_next", "median_days", "stays"}}
	for _, s := range r.Stages {
		conv, med := "", ""
		if s.Conversion != nil {
			conv = strconv.FormatFloat(*s.Conversion, 'f', 4, 64)
		}
		if s.MedianDays != nil {
			med = strconv.FormatFloat(*s.MedianDays, 'f', 2, 64)
		}
		t.Rows = append(t.Rows, []string{s.Key, itoa(s.Reached), conv, med, itoa(s.Stays)})
	}
	t.Rows = append(t.Rows, []string{model.StageLost, itoa(r.Lost), "", "", ""}, []string{"unknown_stage", itoa(r.Unknown), "", "", ""})
	return t
}

// --- forecast

// Doc lays the forecast out for the terminal.
func (r Forecast) Doc(lang string, sc Scope) Doc {
	t := &Table{Head: []string{L(lang, "month"), L(lang, "leads"), L(lang, "value"), L(lang, "weighted")}, Right: []bool{false, true, true, true}}
	add := func(name string, m ForecastMonth, bar bool) {
		t.Rows = append(t.Rows, []string{name, itoa(m.Leads), short(lang, m.Value), short(lang, m.Weighted)})
		if bar {
			t.Bars = append(t.Bars, m.Weighted)
		} else {
			t.Bars = append(t.Bars, 0)
		}
	}
	if r.Earlier.Leads > 0 {
		add(L(lang, "earlier"), r.Earlier, false)
	}
	for _, m := range r.Months {
		add(m.Month, m, true)
	}
	if r.Later.Leads > 0 {
		add(L(lang, "later"), r.Later, false)
	}
	if r.NoDate.Leads > 0 {
		add(L(lang, "no_date"), r.NoDate, false)
	}
	add(L(lang, "total"), r.Total, false)
	d := Doc{Title: title(lang, "forecast", r.Period, sc) + " · " + r.Currency, Parts: []Part{{Table: t}}}
	if r.UnknownStage > 0 {
		d.Parts = append(d.Parts, Part{Line: L(lang, "unknown") + ": " + itoa(r.UnknownStage)})
	}
	return d
}

// CSV is the forecast as a flat table.
func (r Forecast) CSV() *Table {
	t := &Table{Head: []string{"month", "leads", "value", "weighted", "currency"}}
	row := func(name string, m ForecastMonth) {
		t.Rows = append(t.Rows, []string{name, itoa(m.Leads), decimal(m.Value), decimal(m.Weighted), r.Currency})
	}
	row("earlier", r.Earlier)
	for _, m := range r.Months {
		row(m.Month, m)
	}
	row("later", r.Later)
	row("no_date", r.NoDate)
	row("total", r.Total)
	return t
}

// --- channels

// Doc lays channel yield out for the terminal.
func (r Channels) Doc(lang string, sc Scope) Doc {
	t := &Table{Head: []string{L(lang, "channel"), L(lang, "leads"), L(lang, "won"), L(lang, "won_value"), L(lang, "conversion")},
		Right: []bool{false, true, true, true, true}}
	for _, c := range r.Rows {
		t.Rows = append(t.Rows, []string{ChannelLabel(c.Key, lang), itoa(c.Leads), itoa(c.Won), short(lang, c.WonValue), pct(c.Conversion)})
		t.Bars = append(t.Bars, c.WonValue)
	}
	t.Rows = append(t.Rows, []string{L(lang, "total"), itoa(r.Total.Leads), itoa(r.Total.Won), short(lang, r.Total.WonValue), pct(r.Total.Conversion)})
	t.Bars = append(t.Bars, 0)
	return Doc{Title: title(lang, "channels", r.Period, sc) + " · " + r.Currency, Parts: []Part{{Table: t}}}
}

// CSV is channel yield as a flat table.
func (r Channels) CSV() *Table {
	t := &Table{Head: []string{"channel", "leads", "won", "won_value", "conversion", "currency"}}
	for _, c := range append(append([]ChannelRow(nil), r.Rows...), r.Total) {
		key := c.Key
		if key == "" {
			key = "total"
		}
		t.Rows = append(t.Rows, []string{key, itoa(c.Leads), itoa(c.Won), decimal(c.WonValue), strconv.FormatFloat(c.Conversion, 'f', 4, 64), r.Currency})
	}
	return t
}

// --- activity

// MaxStaleShown is how many stale leads the text report lists.
const MaxStaleShown = 15

// Doc lays activity out for the terminal: each rep's totals with a
// sparkline of their weeks, then the stale leads.
func (r Activity) Doc(lang string, sc Scope, p model.Pipeline) Doc {
	spark := min(len(r.Weeks), 26)
	t := &Table{Head: []string{L(lang, "rep"), L(lang, "visits"), L(lang, "calls"), L(lang, "meetings"), L(lang, "other"), L(lang, "trend")},
		Right: []bool{false, true, true, true, true, false}}
	for _, tot := range r.Totals {
		t.Rows = append(t.Rows, []string{tot.Rep, itoa(tot.Visits), itoa(tot.Calls), itoa(tot.Meetings), itoa(tot.Other), Sparkline(r.Series(tot.Rep), spark)})
	}
	d := Doc{Title: title(lang, "activity", r.Period, sc)}
	if len(r.Totals) == 0 {
		d.Parts = append(d.Parts, Part{Line: L(lang, "none")})
	} else {
		d.Parts = append(d.Parts, Part{Table: t})
	}
	d.Parts = append(d.Parts, Part{Line: " "}, Part{Line: fmt.Sprintf(L(lang, "stale"), len(r.Stale))})
	if len(r.Stale) > 0 {
		st := &Table{Head: []string{L(lang, "company"), L(lang, "rep"), L(lang, "stage"), L(lang, "idle")}, Right: []bool{false, false, false, true}}
		for i, s := range r.Stale {
			if i == MaxStaleShown {
				break
			}
			st.Rows = append(st.Rows, []string{s.Company, s.Owner, StageLabel(p, s.Stage, lang), itoa(s.Days)})
		}
		d.Parts = append(d.Parts, Part{Table: st})
		if len(r.Stale) > MaxStaleShown {
			d.Parts = append(d.Parts, Part{Line: fmt.Sprintf(L(lang, "more"), len(r.Stale)-MaxStaleShown)})
		}
	}
	return d
}

// CSV is activity per rep and week (stale leads are in the JSON).
func (r Activity) CSV() *Table {
	t := &Table{Head: []string{"rep", "week", "visits", "calls", "meetings", "other", "total"}}
	for _, a := range r.Rows {
		t.Rows = append(t.Rows, []string{a.Rep, a.Week.String(), itoa(a.Visits), itoa(a.Calls), itoa(a.Meetings), itoa(a.Other), itoa(a.Total())})
	}
	return t
}

// --- lost

// Doc lays lost reasons out for the terminal.
func (r Lost) Doc(lang string, sc Scope) Doc {
	t := &Table{Head: []string{L(lang, "reason"), L(lang, "leads"), L(lang, "value_lost")}, Right: []bool{false, true, true}}
	for _, row := range r.Rows {
		t.Rows = append(t.Rows, []string{ReasonLabel(row.Reason, lang), itoa(row.Leads), short(lang, row.Value)})
		t.Bars = append(t.Bars, int64(row.Leads))
	}
	t.Rows = append(t.Rows, []string{L(lang, "total"), itoa(r.Total.Leads), short(lang, r.Total.Value)})
	t.Bars = append(t.Bars, 0)
	return Doc{Title: title(lang, "lost", r.Period, sc) + " · " + r.Currency, Parts: []Part{{Table: t}}}
}

// CSV is lost reasons as a flat table.
func (r Lost) CSV() *Table {
	t := &Table{Head: []string{"reason", "leads", "value", "currency"}}
	for _, row := range append(append([]LostRow(nil), r.Rows...), LostRow{Reason: "total", Leads: r.Total.Leads, Value: r.Total.Value}) {
		t.Rows = append(t.Rows, []string{row.Reason, itoa(row.Leads), decimal(row.Value), r.Currency})
	}
	return t
}

// --- commission

// Doc lays commission estimates out for the terminal.
func (r Commissions) Doc(lang string, sc Scope) Doc {
	t := &Table{Head: []string{L(lang, "rep"), L(lang, "won"), L(lang, "won_value"), L(lang, "commission_")}, Right: []bool{false, true, true, true}}
	for _, row := range r.Rows {
		t.Rows = append(t.Rows, []string{row.User, itoa(row.WonCount), model.FormatAmount(row.WonValue), model.FormatAmount(row.Commission)})
		t.Bars = append(t.Bars, row.Commission)
	}
	if len(r.Rows) != 1 {
		t.Rows = append(t.Rows, []string{L(lang, "total"), itoa(r.Total.WonCount), model.FormatAmount(r.Total.WonValue), model.FormatAmount(r.Total.Commission)})
		t.Bars = append(t.Bars, 0)
	}
	return Doc{Title: title(lang, "commission", r.Period, sc) + " · " + r.Currency,
		Parts: []Part{{Line: fmt.Sprintf(L(lang, "plan"), r.Plan.Text(lang))}, {Table: t}}}
}

// CSV is commission estimates as a flat table.
func (r Commissions) CSV() *Table {
	t := &Table{Head: []string{"user", "won_count", "won_value", "commission", "currency"}}
	for _, row := range append(append([]CommissionRow(nil), r.Rows...), CommissionRow{User: "total", WonCount: r.Total.WonCount, WonValue: r.Total.WonValue, Commission: r.Total.Commission}) {
		t.Rows = append(t.Rows, []string{row.User, itoa(row.WonCount), decimal(row.WonValue), decimal(row.Commission), r.Currency})
	}
	return t
}
