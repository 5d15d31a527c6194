package reports

import (
	"strings"

	"github.com/fieldcrm/fieldcrm/ui/common"
)

// header is the tabs, the period and the rep: three lines.
func (m Model) header() []string {
	st := m.c.Styles
	var tabs []string
	for i, k := range Kinds {
		label := m.c.T("reports.tab_" + k)
		if i == m.tab {
			tabs = append(tabs, st.Board.HeaderSel.Render("["+label+"]"))
		} else {
			tabs = append(tabs, st.Board.Sum.Render(" "+label+" "))
		}
	}
	p := m.Period()
	who := m.c.T("reports.team")
	if m.scope != "" {
		who = m.scope
	}
	info := m.c.Tf("reports.period_line", m.c.T(periodKeys[m.period]), p.Label)
	if Kinds[m.tab] == "service" {
		info = m.c.T("reports.no_period") // open work is open now, whatever the period
	}
	info += " · " + m.c.Tf("reports.rep_line", who)
	if m.loading {
		info += " · " + m.c.T("reports.loading")
	}
	// On a narrow screen the first tabs make way for the selected one.
	first := 0
	for first < m.tab && common.Width(strings.Join(tabs[first:], "")) > m.width {
		first++
	}
	return []string{common.Cut(strings.Join(tabs[first:], ""), m.width), st.Lead.Label.Render(common.Cut(info, m.width)), ""}
}

// body is the report laid out for the screen's width.
func (m Model) body() []string {
	if !m.has {
		return nil
	}
	text := strings.TrimRight(m.doc.Text(m.width), "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 0 {
		lines[0] = m.c.Styles.App.Title.Render(lines[0])
	}
	return lines
}

func (m Model) maxScroll() int {
	room := m.height - len(m.header())
	return max(0, len(m.body())-room)
}

// View draws the screen.
func (m Model) View() string {
	lines := m.header()
	if m.editing {
		return strings.Join(append(lines, m.formView()...), "\n")
	}
	body := m.body()
	if s := min(m.scroll, len(body)); s > 0 {
		body = body[s:]
	}
	room := max(0, m.height-len(lines))
	if len(body) > room {
		body = body[:room]
	}
	for i, l := range body {
		body[i] = common.Cut(l, m.width)
	}
	return strings.Join(append(lines, body...), "\n")
}

// formView is the custom period form.
func (m Model) formView() []string {
	st := m.c.Styles
	label := func(key string, i int) string {
		g := "  "
		if m.focus == i {
			g = st.Board.Selected.Render("› ")
		}
		return g + common.Fit(m.c.T(key), 20)
	}
	out := []string{
		st.App.Title.Render(m.c.T("reports.custom_title")),
		label("reports.from", 0) + m.from.View(),
		label("reports.to", 1) + m.to.View(),
	}
	if m.formErr != "" {
		out = append(out, st.App.Error.Render(m.formErr))
	}
	return out
}
