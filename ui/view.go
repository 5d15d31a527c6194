package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// View draws the active screen (or the open form), the help line and the
// status line, every line within the terminal's width.
func (m Model) View() tea.View {
	var body string
	switch {
	case m.form != nil:
		body = m.form.View()
	case m.sync.RejectedOpen():
		body = m.sync.View(m.c.Width, m.c.Height-lineCount(m.footer()))
	case m.dailyScreen():
		body = m.dailyView()
	case m.screen == screenReports:
		body = m.reports.View()
	case m.screen == screenLead:
		body = m.lead.View()
	default:
		body = m.board.View()
	}
	// The status line matters most, then the help, then the screen.
	footer := strings.Split(m.footer(), "\n")
	if len(footer) > m.c.Height {
		footer = footer[len(footer)-max(0, m.c.Height):]
	}
	lines := append(frame(body, m.c.Width, m.c.Height-len(footer)), frame(strings.Join(footer, "\n"), m.c.Width, len(footer))...)
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	v.WindowTitle = "fieldcrm"
	return v
}

// frame cuts body to w columns and pads or cuts it to h lines.
func frame(body string, w, h int) []string {
	if h <= 0 {
		return nil
	}
	lines := strings.Split(body, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if common.Width(l) > w {
			lines[i] = common.Cut(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

func (m Model) footer() string {
	var km help.KeyMap
	switch {
	case m.form != nil:
		km = m.form.KeyMap()
	case m.sync.RejectedOpen():
		km = m.sync.KeyMap()
	case m.dailyScreen():
		km = m.dailyKeyMap()
	case m.screen == screenReports:
		km = m.reports.KeyMap()
	case m.screen == screenLead:
		km = m.lead.KeyMap()
	default:
		km = m.board.KeyMap()
	}
	km = withRootKeys{km, m.rootKeys}
	if m.form == nil {
		km = withDailyKeys{km, m.d.keys, m.c.T("key.screens")}
	}
	return m.help.View(km) + "\n" + m.status()
}

// status is the always-visible line: the error or notice, the database,
// the user and the number of leads.
func (m Model) status() string {
	st := m.c.Styles.App
	w := m.c.Width
	user := common.OneLine(m.c.User)
	if user == "" {
		user = "—"
	}
	right := m.sync.Line() + " · " + m.c.Tf("status.user", user) + " · " + m.c.Tf("status.leads", strconv.Itoa(m.board.Count()))
	msg := ""
	switch {
	case m.err != "":
		msg = st.Error.Render(m.err)
	case m.notice != "":
		// A notice may name a company, stored text: shown escaped.
		msg = st.Notice.Render(common.OneLine(m.notice))
	}
	if msg != "" {
		right = m.sync.Line() // the sentence needs the room more than the counts
	}
	rw := common.Width(right)
	if msg != "" {
		return common.Cut(msg, max(1, w-rw-2)) + "  " + st.Status.Render(common.Cut(right, w))
	}
	db := common.CutLeft(m.c.DBPath, max(1, w-rw-2))
	line := st.Status.Render(db + "  " + right)
	return common.Cut(line, w)
}
