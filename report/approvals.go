package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// ApprovalRow is one person's approval figures. For a rep (the
// requester) it counts the requests they made in the period by where
// they stand now; for an approver, the requests whose decision in force
// is theirs (so Pending is always zero). Hours run from the request to
// the decision in force, over the decided requests only.
type ApprovalRow struct {
	User        string   `json:"user,omitempty"` // empty in the total
	Requests    int      `json:"requests"`
	Approved    int      `json:"approved"`
	Rejected    int      `json:"rejected"`
	Pending     int      `json:"pending"`
	MedianHours *float64 `json:"median_hours,omitempty"`
	P90Hours    *float64 `json:"p90_hours,omitempty"`
}

// Approvals is approval turnaround: the requests made in a period and
// how long their decisions took.
type Approvals struct {
	Period    Period        `json:"period"`
	Reps      []ApprovalRow `json:"reps"`
	Approvers []ApprovalRow `json:"approvers"`
	Total     ApprovalRow   `json:"total"`
	// Revised counts the requests with more than one decision: an
	// approver who changed their mind, or two who decided at once (both
	// are kept; the later stamp is in force).
	Revised int `json:"revised"`
	// OldestPendingHours is how long the oldest request still pending has
	// waited, as of now; nil when none is pending.
	OldestPendingHours *float64 `json:"oldest_pending_hours,omitempty"`
}

// ComputeApprovals counts the requests of scope (its user as the
// requester) made in p, by requester and by the approver whose decision
// is in force, with the median and 90th percentile of the hours each
// decision took. Where a request stands is where it stands now, so a
// request of the period decided after it counts as decided.
func ComputeApprovals(b *Book, p Period, sc Scope) Approvals {
	out := Approvals{Period: p, Reps: []ApprovalRow{}, Approvers: []ApprovalRow{}}
	from, to := p.Bounds(b.Loc)
	type acc struct {
		row   ApprovalRow
		hours []float64
	}
	reps, approvers := map[string]*acc{}, map[string]*acc{}
	get := func(m map[string]*acc, user string) *acc {
		a := m[user]
		if a == nil {
			a = &acc{row: ApprovalRow{User: user}}
			m[user] = a
		}
		return a
	}
	var total acc
	oldest := -1.0
	for i := range b.Approvals {
		ap := &b.Approvals[i]
		if ap.Deleted || !sc.has(ap.RequestedBy) || ap.RequestedAt.Before(from) || !ap.RequestedAt.Before(to) {
			continue
		}
		rep := get(reps, ap.RequestedBy)
		if len(ap.Decisions) > 1 {
			out.Revised++
		}
		d, ok := ap.Decision()
		if !ok {
			for _, a := range []*acc{rep, &total} {
				a.row.Requests++
				a.row.Pending++
			}
			oldest = max(oldest, hoursBetween(ap.RequestedAt, b.Now))
			continue
		}
		h := hoursBetween(ap.RequestedAt, d.At)
		for _, a := range []*acc{rep, get(approvers, d.By), &total} {
			a.row.Requests++
			if d.Verdict == model.Approved {
				a.row.Approved++
			} else {
				a.row.Rejected++
			}
			a.hours = append(a.hours, h)
		}
	}
	finish := func(a *acc) ApprovalRow {
		if len(a.hours) > 0 {
			med, p90 := median(a.hours), percentile(a.hours, 90)
			a.row.MedianHours, a.row.P90Hours = &med, &p90
		}
		return a.row
	}
	for _, a := range reps {
		out.Reps = append(out.Reps, finish(a))
	}
	for _, a := range approvers {
		out.Approvers = append(out.Approvers, finish(a))
	}
	byUser := func(x, y ApprovalRow) int { return strings.Compare(x.User, y.User) }
	slices.SortFunc(out.Reps, byUser)
	slices.SortFunc(out.Approvers, byUser)
	out.Total = finish(&total)
	if oldest >= 0 {
		out.OldestPendingHours = &oldest
	}
	return out
}

// hoursBetween is the hours from a to b; a decision stamped before its
// request (a skewed clock) took none.
func hoursBetween(a, b time.Time) float64 { return max(0, b.Sub(a).Hours()) }

// percentile is the nearest-rank percentile q (0..100) of xs: the
// smallest value that at least q per cent of xs are at or below. It
// sorts xs.
func percentile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	n := int(math.Ceil(q / 100 * float64(len(xs))))
	return xs[min(max(n, 1), len(xs))-1]
}

// Doc lays approval turnaround out for the terminal: the requesters,
// then the approvers, then what is still waiting.
func (r Approvals) Doc(lang string, sc Scope) Doc {
	d := Doc{Title: title(lang, "approvals", r.Period, sc)}
	if r.Total.Requests == 0 {
		d.Parts = append(d.Parts, Part{Line: L(lang, "no_requests")})
		return d
	}
	right := []bool{false, true, true, true, true, true, true}
	reps := &Table{Head: []string{L(lang, "requester"), L(lang, "requests"), L(lang, "approved"), L(lang, "rejected"),
		L(lang, "pending"), L(lang, "median_hours"), L(lang, "p90_hours")}, Right: right}
	for _, row := range r.Reps {
		reps.Rows = append(reps.Rows, approvalCells(row, row.User, true))
	}
	if len(r.Reps) != 1 {
		reps.Rows = append(reps.Rows, approvalCells(r.Total, L(lang, "total"), true))
	}
	d.Parts = append(d.Parts, Part{Table: reps})
	if len(r.Approvers) > 0 {
		ap := &Table{Head: []string{L(lang, "approver"), L(lang, "decided"), L(lang, "approved"), L(lang, "rejected"),
			L(lang, "median_hours"), L(lang, "p90_hours")}, Right: right[:6]}
		for _, row := range r.Approvers {
			ap.Rows = append(ap.Rows, approvalCells(row, row.User, false))
		}
		d.Parts = append(d.Parts, Part{Line: " "}, Part{Line: L(lang, "by_approver"), Table: ap})
	}
	if r.OldestPendingHours != nil {
		d.Parts = append(d.Parts, Part{Line: " "}, Part{Line: fmt.Sprintf(L(lang, "oldest_pending"), r.Total.Pending, hours(r.OldestPendingHours))})
	}
	if r.Revised > 0 {
		d.Parts = append(d.Parts, Part{Line: fmt.Sprintf(L(lang, "revised"), r.Revised)})
	}
	return d
}

// approvalCells is a row's cells; an approver's row has no pending column.
func approvalCells(row ApprovalRow, name string, pending bool) []string {
	cells := []string{name, itoa(row.Requests), itoa(row.Approved), itoa(row.Rejected)}
	if pending {
		cells = append(cells, itoa(row.Pending))
	}
	return append(cells, hours(row.MedianHours), hours(row.P90Hours))
}

// hours is a figure of hours to one decimal; nil is blank.
func hours(h *float64) string {
	if h == nil {
		return ""
	}
	return strconv.FormatFloat(*h, 'f', 1, 64)
}

// CSV is approval turnaround as a flat table: a row per requester, per
// approver, and the total, named by group.
func (r Approvals) CSV() *Table {
	t := &Table{Head: []string{"group", "user", "requests", "approved", "rejected", "pending", "median_hours", "p90_hours"}}
	add := func(group string, row ApprovalRow) {
		h := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', 2, 64)
		}
		t.Rows = append(t.Rows, []string{group, row.User, itoa(row.Requests), itoa(row.Approved), itoa(row.Rejected),
			itoa(row.Pending), h(row.MedianHours), h(row.P90Hours)})
	}
	for _, row := range r.Reps {
		add("requester", row)
	}
	for _, row := range r.Approvers {
		add("approver", row)
	}
	add("total", r.Total)
	return t
}
