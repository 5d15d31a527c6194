package reports

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Update handles a message and returns the screen as changed.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.req != m.req {
			return m, nil // a later request is on its way
		}
		m.loading = false
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.doc, m.has, m.reps = msg.doc, true, msg.reps
		m.scroll = min(m.scroll, m.maxScroll())
		return m, nil
	case tea.KeyPressMsg:
		if m.editing {
			return m.handleFormKey(msg)
		}
		return m.handleKey(msg)
	}
	return m, nil
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		return m, common.Emit(common.BackMsg{})
	case key.Matches(msg, k.Next):
		m.tab, m.scroll = (m.tab+1)%len(Kinds), 0
	case key.Matches(msg, k.Prev):
		m.tab, m.scroll = (m.tab+len(Kinds)-1)%len(Kinds), 0
	case key.Matches(msg, k.Period):
		// Custom joins the cycle once one was typed.
		n := periodCustom
		if m.custom != (report.Period{}) {
			n++
		}
		m.period = (m.period + 1) % n
	case key.Matches(msg, k.Custom):
		return m.openForm()
	case key.Matches(msg, k.Rep):
		m.scope = nextRep(m.reps, m.scope)
	case key.Matches(msg, k.Up):
		m.scroll = max(0, m.scroll-1)
		return m, nil
	case key.Matches(msg, k.Down):
		m.scroll = min(m.scroll+1, m.maxScroll())
		return m, nil
	default:
		return m, nil
	}
	return m, m.Open()
}

// nextRep cycles the whole book, then each rep.
func nextRep(reps []string, cur string) string {
	if cur == "" {
		if len(reps) == 0 {
			return ""
		}
		return reps[0]
	}
	i := slices.Index(reps, cur)
	if i < 0 || i+1 >= len(reps) {
		return ""
	}
	return reps[i+1]
}

func (m Model) openForm() (Model, tea.Cmd) {
	p := m.Period()
	m.editing, m.focus, m.formErr = true, 0, ""
	m.from.SetValue(p.From.String())
	m.to.SetValue(p.To.AddDays(-1).String())
	m.to.Blur()
	return m, m.from.Focus()
}

func (m Model) handleFormKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.editing = false
		return m, nil
	case key.Matches(msg, k.Field):
		return m.focusField(1 - m.focus), nil
	case key.Matches(msg, k.Apply):
		if m.focus == 0 {
			return m.focusField(1), nil
		}
		p, problem := m.parseCustom()
		if problem != "" {
			m.formErr = problem
			return m, nil
		}
		m.custom, m.period, m.editing, m.scroll = p, periodCustom, false, 0
		return m, m.Open()
	}
	var cmd tea.Cmd
	if m.focus == 0 {
		m.from, cmd = m.from.Update(msg)
	} else {
		m.to, cmd = m.to.Update(msg)
	}
	m.formErr = ""
	return m, cmd
}

func (m Model) focusField(i int) Model {
	m.focus = i
	if i == 0 {
		m.to.Blur()
		m.from.Focus()
	} else {
		m.from.Blur()
		m.to.Focus()
	}
	return m
}

// parseCustom reads the two days typed (2026-12-05, 12-05, +3d, 明天...);
// the problem, if any, is a sentence for the form.
func (m Model) parseCustom() (report.Period, string) {
	today := m.c.Today()
	from, err1 := model.ParseDate(m.from.Value(), today)
	to, err2 := model.ParseDate(m.to.Value(), today)
	if err1 != nil || err2 != nil {
		return report.Period{}, m.c.T("reports.bad_date")
	}
	p, err := report.Custom(from, to)
	if err != nil {
		return report.Period{}, m.c.T("reports.bad_range")
	}
	return p, ""
}
