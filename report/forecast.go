package report

import "github.com/fieldcrm/fieldcrm/model"

// ForecastMonth is the open pipeline expected to close in one month.
type ForecastMonth struct {
	Month    string `json:"month"` // YYYY-MM
	Leads    int    `json:"leads"`
	Value    int64  `json:"value"`
	Weighted int64  `json:"weighted"` // value × probability
}

// Forecast is the weighted open pipeline by expected close month.
type Forecast struct {
	Period   Period `json:"period"`
	Currency string `json:"currency"`
	// Months are the period's months from the current one on: a month
	// already over has nothing left to forecast.
	Months []ForecastMonth `json:"months"`
	// Total is every open lead of the scope, the rows below included, so
	// it is the same whatever the period.
	Total ForecastMonth `json:"total"`
	// Earlier: open leads expected to close before the first month shown
	// (overdue when that is the current month); NoDate: open leads
	// without an expected close; Later: after the period.
	Earlier ForecastMonth `json:"earlier"`
	NoDate  ForecastMonth `json:"no_date"`
	Later   ForecastMonth `json:"later"`
	// UnknownStage counts open leads in stages the pipeline no longer
	// has; they are included with their own probability or 0.
	UnknownStage int `json:"unknown_stage"`
}

// ComputeForecast sums the open leads of scope by expected close month.
func ComputeForecast(b *Book, p Period, sc Scope) Forecast {
	out := Forecast{Period: p, Currency: b.currency(), Months: []ForecastMonth{}}
	// The months shown: from the current one (or the period's first, if
	// later) to the period's end.
	shown := p
	if this := Month(b.today().Y, b.today().M); shown.From.Before(this.From) {
		shown.From = this.From
	}
	var first model.Date
	for _, m := range shown.months() {
		if !m.From.Before(p.To) {
			break
		}
		if first.IsZero() {
			first = m.From
		}
		out.Months = append(out.Months, ForecastMonth{Month: m.Label})
	}
	for i := range b.Leads {
		c := &b.Leads[i]
		if !sc.has(c.Owner) || !b.isOpen(c) {
			continue
		}
		if !b.stageKnown(c.Stage) {
			out.UnknownStage++
		}
		var m *ForecastMonth
		switch d := c.ExpectedClose; {
		case d.IsZero():
			m = &out.NoDate
		case !d.Before(p.To):
			m = &out.Later
		case len(out.Months) == 0 || d.Before(first):
			m = &out.Earlier
		default:
			m = &out.Months[(d.Y-first.Y)*12+int(d.M)-int(first.M)]
		}
		w := model.Weighted(c.Value, c.EffectiveProbability(b.Pipeline))
		for _, m := range []*ForecastMonth{m, &out.Total} {
			m.Leads++
			m.Value += c.Value
			m.Weighted += w
		}
	}
	return out
}
