package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/reports"
)

// reportsInput gives typing to the reports screen's custom period while
// it has focus, and to the refused-changes list while it is open, before
// any screen-switching key can take a digit. ctrl+c still quits, and ?
// still shows the full help over the list.
func (m Model) reportsInput(msg tea.Msg) (Model, tea.Cmd, bool) {
	if m.form != nil || !isInput(msg) {
		return m, nil, false
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "ctrl+c" {
		return m, tea.Quit, true
	}
	var cmd tea.Cmd
	switch {
	case m.sync.RejectedOpen():
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.board.Keys().Help) {
			// The list takes every other key; help still lists its keys.
			m.help.ShowAll = !m.help.ShowAll
			return m, m.layout(), true
		}
		m.sync, cmd = m.sync.Update(msg)
	case m.screen == screenReports && m.reports.InputFocused():
		m.reports, cmd = m.reports.Update(msg)
	default:
		return m, nil, false
	}
	return m, cmd, true
}

// handleReports takes the reports screen's replies and its way back.
func (m Model) handleReports(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg.(type) {
	case common.BackMsg:
		if m.screen != screenReports {
			return m, nil, false
		}
		m.screen = screenBoard
		return m, m.layout(), true
	}
	if reports.Owns(msg) {
		var cmd tea.Cmd
		m.reports, cmd = m.reports.Update(msg)
		return m, cmd, true
	}
	return m, nil, false
}

// openReports shows the reports screen and computes its report.
func (m *Model) openReports() tea.Cmd {
	m.screen = screenReports
	return tea.Batch(m.reports.Open(), m.layout())
}
