package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
)

// Tier is one band of a tiered commission plan.
type Tier struct {
	From int64   `json:"from"` // won value (minor units) where the band starts
	Rate float64 `json:"rate"` // percent
}

// Plan is how commission is paid on won value: a flat percentage, or
// marginal tiers (each tier's rate applies to the part of the won value
// from its From up to the next tier's From; value below the first tier
// earns nothing). Tiers, when set, replace the flat rate.
type Plan struct {
	Rate  float64 `json:"rate,omitempty"`
	Tiers []Tier  `json:"tiers,omitempty"`
}

// basisPoints converts a percentage to hundredths of a percent, so money
// is computed in integers.
func basisPoints(rate float64) int64 { return int64(math.Round(rate * 100)) }

// part is amount × rate%, rounded half up to the minor unit.
func part(amount int64, rate float64) int64 {
	return (amount*basisPoints(rate) + 5000) / 10000
}

// Commission is the commission on won value.
func (p Plan) Commission(won int64) int64 {
	if won <= 0 {
		return 0
	}
	if len(p.Tiers) == 0 {
		return part(won, p.Rate)
	}
	tiers := slices.Clone(p.Tiers)
	slices.SortFunc(tiers, func(a, b Tier) int {
		switch {
		case a.From < b.From:
			return -1
		case a.From > b.From:
			return 1
		}
		return 0
	})
	var total int64
	for i, t := range tiers {
		if won <= t.From {
			break
		}
		top := won
		if i+1 < len(tiers) && tiers[i+1].From < top {
			top = tiers[i+1].From
		}
		total += part(top-t.From, t.Rate)
	}
	return total
}

// Text describes the plan in one line, its thresholds as a reader of lang
// counts them: "2.5%" or "0% ≥ 0, 3% ≥ 100.0k, 5% ≥ 500.0k".
func (p Plan) Text(lang string) string {
	if len(p.Tiers) == 0 {
		return trimRate(p.Rate) + "%"
	}
	var parts []string
	for _, t := range p.Tiers {
		parts = append(parts, fmt.Sprintf("%s%% ≥ %s", trimRate(t.Rate), i18n.Amount(lang, t.From)))
	}
	return strings.Join(parts, ", ")
}

func trimRate(r float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", r), "0"), ".")
}

// CommissionRow is one rep's estimate.
type CommissionRow struct {
	User       string `json:"user"`
	WonCount   int    `json:"won_count"`
	WonValue   int64  `json:"won_value"`
	Commission int64  `json:"commission"`
}

// Commissions is every rep's estimate for a period.
type Commissions struct {
	Period   Period          `json:"period"`
	Currency string          `json:"currency"`
	Plan     Plan            `json:"plan"`
	Rows     []CommissionRow `json:"rows"`
	Total    CommissionRow   `json:"total"`
}

// ComputeCommission estimates each rep's commission on the value they won
// in p. The plan applies to each rep's total for the period.
func ComputeCommission(b *Book, p Period, sc Scope, plan Plan) Commissions {
	prog := ComputeProgress(b, p, sc)
	out := Commissions{Period: p, Currency: prog.Currency, Plan: plan, Rows: []CommissionRow{}}
	for _, r := range prog.Rows {
		if r.WonCount == 0 && r.WonValue == 0 {
			continue
		}
		row := CommissionRow{User: r.User, WonCount: r.WonCount, WonValue: r.WonValue, Commission: plan.Commission(r.WonValue)}
		out.Rows = append(out.Rows, row)
		out.Total.WonCount += row.WonCount
		out.Total.WonValue += row.WonValue
		out.Total.Commission += row.Commission
	}
	return out
}
