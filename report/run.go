package report

import "fmt"

// Kinds are the reports, in the order the screen's tabs and the CLI list
// them.
var Kinds = []string{"progress", "funnel", "forecast", "channels", "activity", "lost", "commission"}

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
	}
	return Result{}, fmt.Errorf("%q is not a report; choose one of progress, funnel, forecast, channels, activity, lost, commission", kind)
}
