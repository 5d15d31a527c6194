package report

import (
	"slices"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// StaleDays is how long without a touch makes an open lead stale.
const StaleDays = 30

// ActivityRow is one rep's touches in one week.
type ActivityRow struct {
	Rep      string     `json:"rep"`
	Week     model.Date `json:"week"` // the Monday that starts it
	Visits   int        `json:"visits"`
	Calls    int        `json:"calls"`
	Meetings int        `json:"meetings"`
	Other    int        `json:"other"`
}

// Total is every touch of the row.
func (r ActivityRow) Total() int { return r.Visits + r.Calls + r.Meetings + r.Other }

// StaleLead is an open lead nobody touched in StaleDays days; Days is how
// long it has been idle (model.IdleDays, as the cards say it).
type StaleLead struct {
	ID        string    `json:"id"`
	Company   string    `json:"company"`
	Owner     string    `json:"owner"`
	Stage     string    `json:"stage"`
	LastTouch time.Time `json:"last_touch"`
	Days      int       `json:"days"`
}

// Activity is touches per rep per week in a period, and the open leads
// without a touch in StaleDays days (as of now, whatever the period).
type Activity struct {
	Period Period        `json:"period"`
	Weeks  []model.Date  `json:"weeks"`
	Reps   []string      `json:"reps"`
	Rows   []ActivityRow `json:"rows"` // by rep, then week; weeks with no touch left out
	Totals []ActivityRow `json:"totals"`
	Stale  []StaleLead   `json:"stale"` // longest untouched first
}

// monday is the Monday on or before d.
func monday(d model.Date) model.Date {
	wd := int(d.In(time.UTC).Weekday())
	return d.AddDays(-((wd + 6) % 7))
}

// ComputeActivity counts the book's activities in p by rep (the author)
// and week. Meetings include demos; Other is e-mail, service, complaint
// and notes.
func ComputeActivity(b *Book, p Period, sc Scope) Activity {
	out := Activity{Period: p, Reps: []string{}, Rows: []ActivityRow{}, Totals: []ActivityRow{}, Stale: []StaleLead{}}
	for w := monday(p.From); w.Before(p.To); w = w.AddDays(7) {
		out.Weeks = append(out.Weeks, w)
	}
	// Week boundaries as instants in the book's zone, so an activity
	// finds its week with a binary search and no calendar arithmetic.
	edges := make([]int64, len(out.Weeks)+1)
	for i, w := range out.Weeks {
		edges[i] = w.In(b.Loc).UnixMilli()
	}
	edges[len(out.Weeks)] = out.Weeks[len(out.Weeks)-1].AddDays(7).In(b.Loc).UnixMilli()
	from, to := p.Bounds(b.Loc)
	fromMS, toMS := from.UnixMilli(), to.UnixMilli()
	counts := make([][][4]int, len(b.Reps)) // rep, week, kind
	for i := range b.Acts {
		a := &b.Acts[i]
		if a.At < fromMS || a.At >= toMS || int(a.Rep) >= len(b.Reps) || !sc.has(b.Reps[a.Rep]) {
			continue
		}
		w, _ := slices.BinarySearch(edges, a.At+1)
		w--
		if w < 0 || w >= len(out.Weeks) {
			continue
		}
		if counts[a.Rep] == nil {
			counts[a.Rep] = make([][4]int, len(out.Weeks))
		}
		counts[a.Rep][w][a.Kind]++
	}
	for rep, weeks := range counts {
		if weeks == nil {
			continue
		}
		name := b.Reps[rep]
		tot := ActivityRow{Rep: name}
		for w, c := range weeks {
			r := ActivityRow{Rep: name, Week: out.Weeks[w], Visits: c[actVisit], Calls: c[actCall], Meetings: c[actMeeting], Other: c[actOther]}
			if r.Total() == 0 {
				continue
			}
			out.Rows = append(out.Rows, r)
			tot.Visits += r.Visits
			tot.Calls += r.Calls
			tot.Meetings += r.Meetings
			tot.Other += r.Other
		}
		out.Reps = append(out.Reps, name)
		out.Totals = append(out.Totals, tot)
	}
	slices.SortFunc(out.Rows, func(a, b ActivityRow) int {
		if a.Rep != b.Rep {
			if a.Rep < b.Rep {
				return -1
			}
			return 1
		}
		return a.Week.Compare(b.Week)
	})
	slices.Sort(out.Reps)
	slices.SortFunc(out.Totals, func(a, b ActivityRow) int {
		if a.Rep < b.Rep {
			return -1
		}
		return 1
	})
	limit := b.Now.Add(-StaleDays * 24 * time.Hour)
	for i := range b.Leads {
		c := &b.Leads[i]
		if !b.isOpen(c) || !sc.has(c.Owner) {
			continue
		}
		if lt := c.LastTouch(); lt.Before(limit) {
			out.Stale = append(out.Stale, StaleLead{ID: c.ID, Company: c.Company, Owner: c.Owner, Stage: c.Stage,
				LastTouch: lt, Days: model.IdleDays(lt, b.Now)})
		}
	}
	slices.SortFunc(out.Stale, func(a, b StaleLead) int {
		if c := a.LastTouch.Compare(b.LastTouch); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return out
}

// Series returns rep's weekly totals over the period's weeks (the whole
// team when rep is empty), for a sparkline.
func (a *Activity) Series(rep string) []int64 {
	out := make([]int64, len(a.Weeks))
	for _, r := range a.Rows {
		if rep != "" && r.Rep != rep {
			continue
		}
		if i := a.Weeks[0].DaysUntil(r.Week) / 7; i >= 0 && i < len(out) {
			out[i] += int64(r.Total())
		}
	}
	return out
}
