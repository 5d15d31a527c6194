package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) { root.AddCommand(a.reportCmd()) })
}

// reportKinds are the reports, in the order the help lists them, with
// the period each shows when none is given.
var reportKinds = []struct{ name, short, period string }{
	{"progress", "won count and value against target, the gap and the pace needed per week", "quarter"},
	{"funnel", "leads that reached each stage, conversion to the next, median days in each stage", "quarter"},
	{"forecast", "open pipeline weighted by probability, by expected close month", "next 6 months"},
	{"channels", "leads, won, won value and conversion per source channel", "year"},
	{"activity", "visits, calls and meetings per rep and week; leads without a touch in 30 days", "month"},
	{"lost", "lost reasons ranked, with value lost", "quarter"},
	{"commission", "won value per rep times the commission plan of the config", "quarter"},
	{"approvals", "approval requests by requester and approver: approved, rejected, pending, median and p90 hours to the decision", "quarter"},
	{"service", "open service orders per account and kind, overdue ones and the oldest's age in days (--user: owner or assignee)", "none, open today"},
}

type reportFlags struct {
	asJSON, asCSV bool
	period        string
	from, to      string
	user          string
	width         int
}

func (a *app) reportCmd() *cobra.Command {
	var f reportFlags
	var names []string
	long := "Reports over the local book (your leads, or the whole team's on a manager's device).\n\nReports:\n"
	for _, k := range reportKinds {
		names = append(names, k.name)
		long += fmt.Sprintf("  %-11s %s (default period: %s)\n", k.name, k.short, k.period)
	}
	long += `
Periods: month, quarter, year (the current ones), last-month, 2027, 2027-Q1,
2027-03, 2027-01..2027-06, or --from/--to with any two days.`
	cmd := &cobra.Command{
		Use:       "report KIND",
		Short:     "Sales, approval and service reports as text, JSON or CSV",
		Long:      long,
		Args:      cobra.ExactArgs(1),
		ValidArgs: names,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runReport(args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.asJSON, "json", false, "print as JSON (exact amounts in minor units)")
	fl.BoolVar(&f.asCSV, "csv", false, "print as CSV (amounts as decimals)")
	fl.StringVar(&f.period, "period", "", "month, quarter, year, last-month, YYYY, YYYY-Qn, YYYY-MM or YYYY-MM..YYYY-MM")
	fl.StringVar(&f.from, "from", "", "first day of a custom period (with --to)")
	fl.StringVar(&f.to, "to", "", "last day of a custom period (with --from)")
	fl.StringVar(&f.user, "user", "", "one rep's figures (\"me\": yours); default: everyone in the book")
	fl.IntVar(&f.width, "width", 0, "text width in columns (default: the terminal's, or 80)")
	return cmd
}

// reportPeriod works out the period from the flags.
func (a *app) reportPeriod(kind string, f reportFlags, today model.Date) (report.Period, error) {
	if f.from != "" || f.to != "" {
		if f.from == "" || f.to == "" || f.period != "" {
			return report.Period{}, fmt.Errorf("give --from and --to together, without --period")
		}
		from, err := model.ParseDate(f.from, today)
		if err != nil {
			return report.Period{}, fmt.Errorf("--from: %w", err)
		}
		to, err := model.ParseDate(f.to, today)
		if err != nil {
			return report.Period{}, fmt.Errorf("--to: %w", err)
		}
		return report.Custom(from, to)
	}
	if f.period == "" {
		return report.DefaultPeriod(kind, today), nil
	}
	return report.ParsePeriod(f.period, today)
}

func (a *app) runReport(kind string, f reportFlags) error {
	known := false
	for _, k := range reportKinds {
		known = known || k.name == kind
	}
	if !known {
		return fmt.Errorf("%q is not a report; choose one of %s", kind, strings.Join(report.Kinds, ", "))
	}
	if f.asJSON && f.asCSV {
		return fmt.Errorf("choose --json or --csv, not both")
	}
	rules := a.rules()
	today := model.Today(a.now(), rules.Location)
	p, err := a.reportPeriod(kind, f, today)
	if err != nil {
		return err
	}
	sc := report.Scope{User: f.user}
	if f.user == "me" {
		st, err := a.store()
		if err != nil {
			return err
		}
		sc.User = st.User()
	}
	// The reports screen makes the same call.
	q := report.Query{Kind: kind, Period: p, Scope: sc, Plan: a.commissionPlan(), Lang: a.language()}
	var res report.Result
	err = a.view(func(tx *store.Tx) (err error) {
		res, _, err = report.Make(tx, q)
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case f.asJSON:
		return printJSON(a.out, res.Data)
	case f.asCSV:
		// A cell may hold a lost reason in someone's words: guarded
		// against running as a formula, as the export does.
		for _, row := range append([][]string{res.CSV.Head}, res.CSV.Rows...) {
			for i, c := range row {
				row[i] = exchange.CSVSafe(c)
			}
		}
		return res.CSV.WriteCSV(a.out)
	}
	_, err = io.WriteString(a.out, res.Doc.Text(a.textWidth(f.width)))
	return err
}

// commissionPlan is the config's commission plan for the reports.
func (a *app) commissionPlan() report.Plan {
	plan := report.Plan{Rate: a.cfg.Commission.Rate}
	for _, t := range a.cfg.Commission.MinorTiers() {
		plan.Tiers = append(plan.Tiers, report.Tier{From: t.From, Rate: t.Rate})
	}
	return plan
}

// textWidth is the width to lay text out in: the flag, else $COLUMNS,
// the terminal's, or 80 (outputWidth).
func (a *app) textWidth(flag int) int {
	if flag > 0 {
		return flag
	}
	return outputWidth(a.out)
}
