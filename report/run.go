package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Kinds are the reports, in the order the screen's tabs and the CLI list
// them.
var Kinds = []string{"progress", "funnel", "forecast", "channels", "activity", "lost", "commission", "approvals", "service"}

// DefaultPeriod is the period a report shows when none is picked: the
// forecast looks ahead six months from this one, channels take the year,
// activity the month, the others the quarter. `fieldcrm report KIND` and
// the reports screen both start from it.
func DefaultPeriod(kind string, today model.Date) Period {
	switch kind {
	case "forecast":
		p, last := Month(today.Y, today.M), Month(today.Y, today.M+5)
		return Period{From: p.From, To: last.To, Label: p.Label + ".." + last.Label}
	case "channels":
		return Year(today.Y)
	case "activity":
		return Month(today.Y, today.M)
	}
	return Quarter(today.Y, (int(today.M)+2)/3)
}

// Query names one report: which, over what period, whose figures, with
// which commission plan, laid out in which language.
type Query struct {
	Kind   string
	Period Period
	Scope  Scope
	Plan   Plan
	Lang   string
}

// Make reads what the report needs from tx (every card; the activities
// of the period only for the activity report, the approval requests and
// the open service orders only for theirs) and runs it. It is the one
// call behind both `fieldcrm report` and the reports screen, so the two
// cannot show different figures. The book is returned for the screen's
// rep picker.
func Make(tx *store.Tx, q Query) (Result, *Book, error) {
	loc := tx.Rules().Location
	if loc == nil {
		loc = time.Local
	}
	from, to := q.Period.Bounds(loc)
	if q.Kind != "activity" {
		from = to // an empty span: no activities read
	}
	b, err := Load(tx, from, to)
	if err != nil {
		return Result{}, nil, err
	}
	if err := b.loadFor(tx, q.Kind); err != nil {
		return Result{}, nil, err
	}
	res, err := Run(b, q.Kind, q.Period, q.Scope, q.Plan, q.Lang)
	return res, b, err
}

// Result is one computed report in each form it is shown in: the figures
// (for JSON), the text layout and the table (for CSV).
type Result struct {
	Data any
	Doc  Doc
	CSV  *Table
}

// Run computes the report named kind over the book, for period p and
// scope sc, laid out in lang. The CLI and the reports screen both call it,
// so they always show the same figures.
func Run(b *Book, kind string, p Period, sc Scope, plan Plan, lang string) (Result, error) {
	switch kind {
	case "progress":
		r := ComputeProgress(b, p, sc)
		return Result{r, r.Doc(lang, sc), r.CSV()}, nil
	case "funnel":
		r := ComputeFunnel(b, p, sc)
		return Result{r, r.Doc(lang, sc, b.Pipeline), r.CSV()}, nil
	case "forecast":
		r := ComputeForecast(b, p, sc)
		return Result{r, r.Doc(lang, sc), r.CSV()}, nil
	case "channels":
		r := ComputeChannels(b, p, sc)
		return Result{r, r.Doc(lang, sc), r.CSV()}, nil
	case "activity":
		r := ComputeActivity(b, p, sc)
		return Result{r, r.Doc(lang, sc, b.Pipeline), r.CSV()}, nil
	case "lost":
		r := ComputeLost(b, p, sc)
		return Result{r, r.Doc(lang, sc), r.CSV()}, nil
	case "commission":
		r := ComputeCommission(b, p, sc, plan)
		doc := r.Doc(lang, sc)
		if plan.Rate == 0 && len(plan.Tiers) == 0 {
			doc.Parts = append(doc.Parts, Part{Line: L(lang, "no_plan")})
		}
		return Result{r, doc, r.CSV()}, nil
	case "approvals":
		r := ComputeApprovals(b, p, sc)
		return Result{r, r.Doc(lang, sc), r.CSV()}, nil
	case "service":
		r := ComputeService(b, sc)
		return Result{r, r.Doc(lang, sc), r.CSV()}, nil
	}
	return Result{}, fmt.Errorf("%q is not a report; choose one of %s", kind, strings.Join(Kinds, ", "))
}
