// Package reports is the reports screen (key 4): progress against target,
// funnel, forecast, channel yield, activity, lost reasons, commission and
// approval turnaround for a period (this month, quarter, year or any two
// days), and the service work open today, for the whole book or one rep. The figures are the report package's, computed
// in a command; the screen only lays them out.
package reports

import (
	"slices"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Kinds are the reports, in tab order.
var Kinds = report.Kinds

// Period choices of the picker. The first is each report's own default
// (report.DefaultPeriod), the period `fieldcrm report KIND` shows.
const (
	periodDefault = iota
	periodMonth
	periodQuarter
	periodYear
	periodCustom
)

var periodKeys = []string{"reports.period_default", "reports.period_month", "reports.period_quarter", "reports.period_year", "reports.period_custom"}

// Book is what the screen reads: one report, computed in one read
// transaction (report.Make, the call `fieldcrm report` makes), with the
// book it was computed over, whose reps fill the rep picker.
type Book interface {
	Report(q report.Query) (report.Result, *report.Book, error)
}

// Model is the reports screen.
type Model struct {
	c    *common.Common
	keys KeyMap
	plan report.Plan
	book Book

	tab    int
	period int
	custom report.Period // set once the user typed one
	scope  string        // "": the whole book; else one rep
	reps   []string      // the reps the book holds, for the picker

	req     int
	loading bool
	doc     report.Doc
	has     bool // a doc arrived
	scroll  int

	// The custom period form, when open.
	editing  bool
	from, to textinput.Model
	focus    int
	formErr  string

	width, height int
}

// loadedMsg carries a computed report.
type loadedMsg struct {
	req  int
	doc  report.Doc
	reps []string
	err  error
}

// New returns the reports screen over book; plan is the config's
// commission plan.
func New(c *common.Common, remap map[string][]string, plan report.Plan, book Book) Model {
	m := Model{c: c, keys: NewKeyMap(c.T, remap), plan: plan, book: book, period: periodDefault}
	m.from, m.to = textinput.New(), textinput.New()
	m.from.Prompt, m.to.Prompt = "", ""
	m.from.Placeholder, m.to.Placeholder = "2026-10-01", "2026-12-31"
	m.from.CharLimit, m.to.CharLimit = 20, 20
	return m
}

// Open (re)computes the report shown; the root calls it when the screen
// is entered and when the book changed.
func (m *Model) Open() tea.Cmd {
	m.req++
	m.loading = true
	req, bk := m.req, m.book
	// The same query as `fieldcrm report`, so both show the same figures.
	q := report.Query{Kind: Kinds[m.tab], Period: m.Period(), Scope: report.Scope{User: m.scope}, Plan: m.plan, Lang: m.c.Lang()}
	return func() tea.Msg {
		res, book, err := bk.Report(q)
		if err != nil {
			return loadedMsg{req: req, err: err}
		}
		return loadedMsg{req: req, doc: res.Doc, reps: repsOf(book)}
	}
}

// repsOf lists the owners of the book's leads and the authors of its
// activities: one on a rep's device, the team on a manager's.
func repsOf(b *report.Book) []string {
	var reps []string
	for i := range b.Leads {
		if o := b.Leads[i].Owner; o != "" && !slices.Contains(reps, o) {
			reps = append(reps, o)
		}
	}
	for _, r := range b.Reps {
		if r != "" && !slices.Contains(reps, r) {
			reps = append(reps, r)
		}
	}
	slices.Sort(reps)
	return reps
}

// Period is the period picked.
func (m Model) Period() report.Period {
	today := m.c.Today()
	switch m.period {
	case periodDefault:
		return report.DefaultPeriod(Kinds[m.tab], today)
	case periodMonth:
		return report.Month(today.Y, today.M)
	case periodYear:
		return report.Year(today.Y)
	case periodCustom:
		return m.custom
	}
	return report.Quarter(today.Y, (int(today.M)+2)/3)
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.from.SetWidth(max(1, w-24))
	m.to.SetWidth(max(1, w-24))
}

// KeyMap returns the keys the help line shows now.
func (m Model) KeyMap() help.KeyMap {
	if m.editing {
		return customKeys{m.keys}
	}
	return m.keys
}

// InputFocused reports whether typed letters belong to a text field.
func (m Model) InputFocused() bool { return m.editing }

// Tab returns the report shown, one of Kinds.
func (m Model) Tab() string { return Kinds[m.tab] }

// Owns reports whether msg is one of this screen's replies, which the root
// hands to Update whatever screen is active.
func Owns(msg tea.Msg) bool {
	_, ok := msg.(loadedMsg)
	return ok
}
