package report

import (
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
)

// ProgressRow is one rep's standing against target in the period.
type ProgressRow struct {
	User        string `json:"user"`
	WonCount    int    `json:"won_count"`
	WonValue    int64  `json:"won_value"`
	HasTarget   bool   `json:"has_target"`
	TargetCount int    `json:"target_count"`
	TargetValue int64  `json:"target_value"`
	GapCount    int    `json:"gap_count"` // what is still to win; 0 when met
	GapValue    int64  `json:"gap_value"`
	// PaceCount and PaceValue are what must be won per remaining week of
	// the period to close the gap (0 when met or when no week is left).
	PaceCount float64 `json:"pace_count_per_week"`
	PaceValue int64   `json:"pace_value_per_week"`
}

// Progress is won count and value against target for a period.
type Progress struct {
	Period    Period        `json:"period"`
	Currency  string        `json:"currency"`
	WeeksLeft float64       `json:"weeks_left"`
	Rows      []ProgressRow `json:"rows"`
	Total     ProgressRow   `json:"total"`
}

// ComputeProgress works out each rep's progress in p. A period's target
// is the sum, over the quarters it touches, of the quarter's target (the
// year's spread over its days when the quarter has none) times the share
// of the quarter's days in the period; a whole year with a yearly target
// takes that target.
func ComputeProgress(b *Book, p Period, sc Scope) Progress {
	out := Progress{Period: p, Currency: b.currency(), Rows: []ProgressRow{}}
	rows := map[string]*ProgressRow{}
	row := func(u string) *ProgressRow {
		r := rows[u]
		if r == nil {
			r = &ProgressRow{User: u}
			rows[u] = r
		}
		return r
	}
	for i := range b.Leads {
		c := &b.Leads[i]
		if c.Stage != model.StageWon || !sc.has(c.Owner) || !p.Has(b.wonDay(c)) {
			continue
		}
		r := row(c.Owner)
		r.WonCount++
		r.WonValue += c.Value
	}
	users := map[string]bool{}
	for _, t := range b.Targets {
		if sc.has(t.User) && t.Year >= p.From.Y && t.Year <= p.To.AddDays(-1).Y {
			users[t.User] = true
		}
	}
	for u := range users {
		r := row(u)
		r.TargetCount, r.TargetValue, r.HasTarget = targetFor(b.Targets, u, p)
	}
	today := b.today()
	start := p.From
	if start.Before(today) {
		start = today
	}
	if start.Before(p.To) {
		out.WeeksLeft = float64(start.DaysUntil(p.To)) / 7
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	slices.SortFunc(out.Rows, func(a, b ProgressRow) int {
		if a.WonValue != b.WonValue {
			if a.WonValue > b.WonValue {
				return -1
			}
			return 1
		}
		if a.User < b.User {
			return -1
		}
		if a.User > b.User {
			return 1
		}
		return 0
	})
	t := &out.Total
	t.User = ""
	for i := range out.Rows {
		r := &out.Rows[i]
		r.gap(out.WeeksLeft)
		t.WonCount += r.WonCount
		t.WonValue += r.WonValue
		t.TargetCount += r.TargetCount
		t.TargetValue += r.TargetValue
		t.HasTarget = t.HasTarget || r.HasTarget
	}
	t.gap(out.WeeksLeft)
	return out
}

func (r *ProgressRow) gap(weeks float64) {
	if !r.HasTarget {
		return
	}
	r.GapCount = max(0, r.TargetCount-r.WonCount)
	r.GapValue = max(0, r.TargetValue-r.WonValue)
	if weeks > 0 {
		r.PaceCount = float64(r.GapCount) / weeks
		r.PaceValue = int64(float64(r.GapValue)/weeks + 0.999999)
	}
}

// targetFor is user's target for period p; ok is false when no target of
// the user covers any of it.
func targetFor(ts []model.Target, user string, p Period) (count int, value int64, ok bool) {
	year := map[int]model.Target{}
	quarter := map[[2]int]model.Target{}
	for _, t := range ts {
		if t.User != user {
			continue
		}
		if t.Quarter == 0 {
			year[t.Year] = t
		} else {
			quarter[[2]int{t.Year, t.Quarter}] = t
		}
	}
	if p.From.M == 1 && p.From.D == 1 && p.To == (model.Date{Y: p.From.Y + 1, M: 1, D: 1}) {
		if t, has := year[p.From.Y]; has {
			return t.WonCount, t.WonValue.Amount, true
		}
	}
	// Sum exact fractions per quarter: count×days/quarterDays, rounded once.
	var countNum, valueNum float64
	for y := p.From.Y; y <= p.To.AddDays(-1).Y; y++ {
		for q := 1; q <= 4; q++ {
			qp := Quarter(y, q)
			share := p.overlap(qp)
			if share == 0 {
				continue
			}
			if t, has := quarter[[2]int{y, q}]; has {
				ok = true
				countNum += float64(t.WonCount) * float64(share) / float64(qp.Days())
				valueNum += float64(t.WonValue.Amount) * float64(share) / float64(qp.Days())
			} else if t, has := year[y]; has {
				ok = true
				countNum += float64(t.WonCount) * float64(share) / float64(Year(y).Days())
				valueNum += float64(t.WonValue.Amount) * float64(share) / float64(Year(y).Days())
			}
		}
	}
	return int(countNum + 0.5), int64(valueNum + 0.5), ok
}
