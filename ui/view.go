package ui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// View draws what has the keyboard (the help draws what is under it),
// the help line and the status line, every line within the terminal's
// width.
func (m Model) View() tea.View {
	body := m.page().View()
	for i := len(m.stack) - 1; i >= 0; i-- {
		if _, ok := m.stack[i].(*helpOverlay); !ok {
			body = m.stack[i].View()
			break
		}
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

// footer is the help of what has the keyboard (all of it while the help
// is open) and the status line.
func (m Model) footer() string {
	top := m.top()
	if h, ok := top.(*helpOverlay); ok {
		return h.render(m.help.Styles) + "\n" + m.status()
	}
	km := m.page().KeyMap()
	if top != nil {
		km = top.KeyMap()
	}
	return m.help.ShortHelpView(km.ShortHelp()) + "\n" + m.status()
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
	right := m.sync.Line() + " · " + m.c.Tf("status.user", user) + " · " + m.c.Tf("status.leads", strconv.Itoa(m.board.m.Count()))
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
	where := m.c.DBPath
	if m.place != "" {
		where = common.OneLine(m.place)
	}
	db := common.CutLeft(where, max(1, w-rw-2))
	line := st.Status.Render(db + "  " + right)
	return common.Cut(line, w)
}
