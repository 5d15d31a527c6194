package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Period is a span of calendar days: From inclusive, To exclusive.
type Period struct {
	From  model.Date `json:"from"`
	To    model.Date `json:"to"` // exclusive
	Label string     `json:"label"`
}

// ParsePeriod reads a period relative to today: "month", "quarter" and
// "year" (the current one), "last-month", "YYYY", "YYYY-Qn", "YYYY-MM",
// or "YYYY-MM..YYYY-MM" (both months included).
func ParsePeriod(spec string, today model.Date) (Period, error) {
	s := strings.ToLower(strings.TrimSpace(spec))
	switch s {
	case "", "month":
		return Month(today.Y, today.M), nil
	case "last-month":
		return Month(today.Y, today.M-1), nil
	case "quarter":
		return Quarter(today.Y, (int(today.M)+2)/3), nil
	case "year":
		return Year(today.Y), nil
	}
	if from, to, ok := strings.Cut(s, ".."); ok {
		a, err := parseMonth(from)
		if err != nil {
			return Period{}, fmt.Errorf("period %q: %w", spec, err)
		}
		b, err := parseMonth(to)
		if err != nil {
			return Period{}, fmt.Errorf("period %q: %w", spec, err)
		}
		if b.From.Before(a.From) {
			return Period{}, fmt.Errorf("period %q ends before it starts", spec)
		}
		return Period{From: a.From, To: b.To, Label: a.Label + ".." + b.Label}, nil
	}
	if y, q, ok := strings.Cut(s, "-q"); ok {
		yy, err1 := strconv.Atoi(y)
		qq, err2 := strconv.Atoi(q)
		if err1 != nil || err2 != nil || qq < 1 || qq > 4 || yy < 1900 || yy > 9999 {
			return Period{}, fmt.Errorf("period %q: write a quarter as 2027-Q1", spec)
		}
		return Quarter(yy, qq), nil
	}
	if len(s) == 4 {
		if y, err := strconv.Atoi(s); err == nil && y >= 1900 {
			return Year(y), nil
		}
	}
	if p, err := parseMonth(s); err == nil {
		return p, nil
	}
	return Period{}, fmt.Errorf("period %q: use month, quarter, year, last-month, 2027, 2027-Q1, 2027-03 or 2027-01..2027-03", spec)
}

func parseMonth(s string) (Period, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return Period{}, fmt.Errorf("%q is not a month like 2027-03", s)
	}
	return Month(t.Year(), t.Month()), nil
}

// Month is the calendar month m of year y (m may be out of range: 0 is the
// December before).
func Month(y int, m time.Month) Period {
	from := model.DateOf(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC))
	to := model.DateOf(time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC))
	return Period{From: from, To: to, Label: fmt.Sprintf("%04d-%02d", from.Y, int(from.M))}
}

// Quarter is quarter q (1..4) of year y.
func Quarter(y, q int) Period {
	from := model.Date{Y: y, M: time.Month(3*q - 2), D: 1}
	to := model.DateOf(time.Date(y, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC))
	return Period{From: from, To: to, Label: fmt.Sprintf("%d-Q%d", y, q)}
}

// Year is the calendar year y.
func Year(y int) Period {
	return Period{From: model.Date{Y: y, M: 1, D: 1}, To: model.Date{Y: y + 1, M: 1, D: 1}, Label: strconv.Itoa(y)}
}

// Custom is the span from..to, both days included.
func Custom(from, to model.Date) (Period, error) {
	if to.Before(from) {
		return Period{}, fmt.Errorf("the period ends (%s) before it starts (%s)", to, from)
	}
	return Period{From: from, To: to.AddDays(1), Label: from.String() + ".." + to.String()}, nil
}

// Has reports whether day d is in the period.
func (p Period) Has(d model.Date) bool { return !d.Before(p.From) && d.Before(p.To) }

// Days is the number of days in the period.
func (p Period) Days() int { return p.From.DaysUntil(p.To) }

// Bounds returns the period's first instant and the instant after its
// last day, in loc.
func (p Period) Bounds(loc *time.Location) (time.Time, time.Time) {
	return p.From.In(loc), p.To.In(loc)
}

// overlap is the number of days p and q share.
func (p Period) overlap(q Period) int {
	from, to := p.From, p.To
	if from.Before(q.From) {
		from = q.From
	}
	if q.To.Before(to) {
		to = q.To
	}
	if !from.Before(to) {
		return 0
	}
	return from.DaysUntil(to)
}

// months lists the calendar months the period touches.
func (p Period) months() []Period {
	var out []Period
	for m := Month(p.From.Y, p.From.M); m.From.Before(p.To); m = Month(m.From.Y, m.From.M+1) {
		out = append(out, m)
		if len(out) > 1200 {
			break
		}
	}
	return out
}
