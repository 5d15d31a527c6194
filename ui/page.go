package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/approvals"
	"github.com/fieldcrm/fieldcrm/ui/board"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/lead"
	"github.com/fieldcrm/fieldcrm/ui/reports"
	"github.com/fieldcrm/fieldcrm/ui/today"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// page is a screen the root can show: the board, a lead, today, the visit
// log, the reports, the approvals inbox. Each adapter below holds the screen's own model (whose
// Update returns its concrete type) and is kept by pointer, so the root
// needs no type assertion to use it.
type page interface {
	// Update takes input while the page is on top, and every reply.
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int) tea.Cmd
	KeyMap() help.KeyMap
	// InputFocused says a text field has the keyboard: letters are text.
	InputFocused() bool
	// Ready says the page shows what it was opened on, so keys act on it:
	// keys held for a page being opened wait for it (see hold).
	Ready() bool
	// Reload reads afresh what the page shows.
	Reload() tea.Cmd
	// Lead is the lead the page points at, which a quick note is for; ""
	// when none.
	Lead() (id, company string)
}

// step passes msg to a screen's model, whose Update returns the model
// changed, and keeps that: what every adapter here and in overlay.go does
// with a message it does not handle itself.
func step[M interface{ Update(tea.Msg) (M, tea.Cmd) }](m *M, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*m, cmd = (*m).Update(msg)
	return cmd
}

type screen int

const (
	screenBoard screen = iota
	screenLead
	screenToday
	screenVisits
	screenReports
	screenApprovals
	screenCount
)

type boardPage struct{ m board.Model }

// Update also follows the lead a message names, so the board keeps it
// selected when the user comes back.
func (p *boardPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.OpenLeadMsg:
		p.m.Select(msg.ID)
		return nil
	case common.ChangedMsg:
		if msg.LeadID == "" {
			return p.m.Reload()
		}
		p.m.Select(msg.LeadID)
		return p.m.Refresh(msg.LeadID)
	}
	return step(&p.m, msg)
}
func (p *boardPage) View() string             { return p.m.View() }
func (p *boardPage) SetSize(w, h int) tea.Cmd { p.m.SetSize(w, h); return nil }
func (p *boardPage) KeyMap() help.KeyMap      { return p.m.KeyMap() }
func (p *boardPage) InputFocused() bool       { return p.m.InputFocused() }
func (p *boardPage) Ready() bool              { return true }
func (p *boardPage) Reload() tea.Cmd          { return p.m.Reload() }
func (p *boardPage) Lead() (string, string) {
	if c, ok := p.m.Selected(); ok {
		return c.ID, c.Company
	}
	return "", ""
}

type leadPage struct{ m lead.Model }

func (p *leadPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.OpenLeadMsg:
		return p.m.Open(msg.ID)
	}
	return step(&p.m, msg)
}
func (p *leadPage) View() string             { return p.m.View() }
func (p *leadPage) SetSize(w, h int) tea.Cmd { return p.m.SetSize(w, h) }
func (p *leadPage) KeyMap() help.KeyMap      { return p.m.KeyMap() }
func (p *leadPage) InputFocused() bool       { return false }
func (p *leadPage) Ready() bool              { return p.m.OnScreen() }
func (p *leadPage) Reload() tea.Cmd {
	if p.m.ID() == "" {
		return nil
	}
	return p.m.Open(p.m.ID())
}
func (p *leadPage) Lead() (string, string) { return p.m.ID(), p.m.Company() }

type todayPage struct{ m today.Model }

func (p *todayPage) Update(msg tea.Msg) tea.Cmd {
	return step(&p.m, msg)
}
func (p *todayPage) View() string             { return p.m.View() }
func (p *todayPage) SetSize(w, h int) tea.Cmd { p.m.SetSize(w, h); return nil }
func (p *todayPage) KeyMap() help.KeyMap      { return p.m.KeyMap() }
func (p *todayPage) InputFocused() bool       { return false }
func (p *todayPage) Ready() bool              { return true }
func (p *todayPage) Reload() tea.Cmd          { return p.m.Load() }
func (p *todayPage) Lead() (string, string) {
	if it, ok := p.m.Selected(); ok {
		return it.LeadID, it.Company
	}
	return "", ""
}

type visitsPage struct{ m visits.Model }

func (p *visitsPage) Update(msg tea.Msg) tea.Cmd {
	return step(&p.m, msg)
}
func (p *visitsPage) View() string             { return p.m.View() }
func (p *visitsPage) SetSize(w, h int) tea.Cmd { p.m.SetSize(w, h); return nil }
func (p *visitsPage) KeyMap() help.KeyMap      { return p.m.KeyMap() }
func (p *visitsPage) InputFocused() bool       { return p.m.InputFocused() }
func (p *visitsPage) Ready() bool              { return true }
func (p *visitsPage) Reload() tea.Cmd          { return p.m.Load() }

// Lead is none: a row of the log is an activity, and a note about the
// activity's lead is one keypress away on the lead screen.
func (p *visitsPage) Lead() (string, string) { return "", "" }

type approvalsPage struct{ m approvals.Model }

func (p *approvalsPage) Update(msg tea.Msg) tea.Cmd {
	return step(&p.m, msg)
}
func (p *approvalsPage) View() string             { return p.m.View() }
func (p *approvalsPage) SetSize(w, h int) tea.Cmd { p.m.SetSize(w, h); return nil }
func (p *approvalsPage) KeyMap() help.KeyMap      { return p.m.KeyMap() }
func (p *approvalsPage) InputFocused() bool       { return false }
func (p *approvalsPage) Ready() bool              { return p.m.Loaded() }
func (p *approvalsPage) Reload() tea.Cmd          { return p.m.Load() }

// Lead is the selected request's lead, which a quick note is for.
func (p *approvalsPage) Lead() (string, string) {
	if a, ok := p.m.Selected(); ok {
		return a.LeadID, p.m.Company(&a)
	}
	return "", ""
}

type reportsPage struct{ m reports.Model }

func (p *reportsPage) Update(msg tea.Msg) tea.Cmd {
	return step(&p.m, msg)
}
func (p *reportsPage) View() string             { return p.m.View() }
func (p *reportsPage) SetSize(w, h int) tea.Cmd { p.m.SetSize(w, h); return nil }
func (p *reportsPage) KeyMap() help.KeyMap      { return p.m.KeyMap() }
func (p *reportsPage) InputFocused() bool       { return p.m.InputFocused() }
func (p *reportsPage) Ready() bool              { return true }
func (p *reportsPage) Reload() tea.Cmd          { return p.m.Open() }
func (p *reportsPage) Lead() (string, string)   { return "", "" }
