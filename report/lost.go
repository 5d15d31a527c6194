package report

import (
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
)

// LostRow is one reason leads were lost for.
type LostRow struct {
	Reason string `json:"reason"`
	Leads  int    `json:"leads"`
	Value  int64  `json:"value"` // the estimated value of the leads lost
}

// Lost is lost reasons ranked for a period.
type Lost struct {
	Period   Period    `json:"period"`
	Currency string    `json:"currency"`
	Rows     []LostRow `json:"rows"`
	Total    LostRow   `json:"total"`
}

// ComputeLost ranks the reasons of the leads of scope lost in p (those
// that sit in "lost" and entered it in p): most leads first, then most
// value. A lost lead without a reason counts as "other".
func ComputeLost(b *Book, p Period, sc Scope) Lost {
	out := Lost{Period: p, Currency: b.currency(), Rows: []LostRow{}}
	rows := map[string]*LostRow{}
	for i := range b.Leads {
		c := &b.Leads[i]
		if c.Stage != model.StageLost || !sc.has(c.Owner) || !p.Has(b.day(c.StageEnteredAt)) {
			continue
		}
		reason := c.LostReason
		if reason == "" {
			reason = "other"
		}
		r := rows[reason]
		if r == nil {
			r = &LostRow{Reason: reason}
			rows[reason] = r
		}
		r.Leads++
		r.Value += c.Value
		out.Total.Leads++
		out.Total.Value += c.Value
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	slices.SortFunc(out.Rows, func(a, b LostRow) int {
		switch {
		case a.Leads != b.Leads:
			return b.Leads - a.Leads
		case a.Value != b.Value:
			if a.Value > b.Value {
				return -1
			}
			return 1
		case a.Reason < b.Reason:
			return -1
		}
		return 1
	})
	return out
}
