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
	Period   Period          `json:"period"`
	Currency string          `json:"currency"`
	Months   []ForecastMonth `json:"months"`
	Total    ForecastMonth   `json:"total"`
	// Earlier: open leads expected to close before the period (overdue
	// when the period starts today or before); NoDate: open leads without
	// an expected close; Later: after the period.
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
	months := p.months()
	for _, m := range months {
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
		case p.Has(d):
			m = &out.Months[(d.Y-p.From.Y)*12+int(d.M)-int(p.From.M)]
		case d.Before(p.From):
			m = &out.Earlier
		default:
			m = &out.Later
		}
		w := model.Weighted(c.Value, c.EffectiveProbability(b.Pipeline))
		m.Leads++
		m.Value += c.Value
		m.Weighted += w
		if m != &out.NoDate && m != &out.Earlier && m != &out.Later {
			out.Total.Leads++
			out.Total.Value += c.Value
			out.Total.Weighted += w
		}
	}
	return out
}
