package today

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// titleLines is the title and the column heads above the list.
const titleLines = 1

// line is one line of the list: a section header (item < 0) or an item.
type line struct{ sec, item int }

// lineOf returns the list line of item i (0-based across sections).
func (m *Model) lineOf(i int) int {
	n, seen := 0, 0
	for _, s := range m.rep.Sections {
		n++ // header
		if i < seen+len(s.Items) {
			return n + i - seen
		}
		n += len(s.Items)
		seen += len(s.Items)
	}
	return n
}

// lineAt returns what list line n shows, and false past the end.
func (m *Model) lineAt(n int) (line, bool) {
	for si, s := range m.rep.Sections {
		if n == 0 {
			return line{si, -1}, true
		}
		n--
		if n < len(s.Items) {
			return line{si, n}, true
		}
		n -= len(s.Items)
	}
	return line{}, false
}

func (m *Model) rows() int { return max(1, m.height-titleLines) }

// scroll keeps the selected line (and its section header when it fits)
// on screen.
func (m *Model) scroll() {
	if len(m.items) == 0 {
		m.top = 0
		return
	}
	l := m.lineOf(m.sel)
	if l-1 < m.top {
		m.top = max(0, l-1)
	}
	if l >= m.top+m.rows() {
		m.top = l - m.rows() + 1
	}
}

// View draws the title and the visible part of the list: the cost follows
// the screen's height, not the number of items.
func (m Model) View() string {
	st := &m.c.Styles.List
	if !m.loaded {
		return common.Fit(m.c.T("lead.loading"), m.width)
	}
	title := st.Title.Render(m.c.T("today.title")) + "  " + st.Faint.Render(m.rep.Date.String()+" · "+m.c.Tf("today.count", m.rep.Count()))
	out := []string{common.Cut(title, m.width)}
	today := m.c.Today()
	selLine := -1
	if len(m.items) > 0 {
		selLine = m.lineOf(m.sel)
	}
	for n := m.top; n < m.top+m.rows(); n++ {
		ln, ok := m.lineAt(n)
		if !ok {
			break
		}
		sec := &m.rep.Sections[ln.sec]
		if ln.item < 0 {
			out = append(out, common.Cut(st.Section.Render(fmt.Sprintf("%s (%d)", m.c.T("today.section."+sec.Key), len(sec.Items))), m.width))
			continue
		}
		out = append(out, m.itemLine(&sec.Items[ln.item], n == selLine, today))
	}
	if len(m.items) == 0 {
		out = append(out, "", st.Faint.Render(common.Cut(m.c.T("today.empty"), m.width)))
	}
	return strings.Join(out, "\n")
}

// Column widths of an item line, in cells.
const (
	dueWidth   = 12
	stageWidth = 10
	valueWidth = 8
)

func (m Model) itemLine(it *store.TodayItem, sel bool, today model.Date) string {
	st := &m.c.Styles.List
	rest := max(10, m.width-2-dueWidth-stageWidth-valueWidth-3)
	compW := rest * 45 / 100
	actW := rest - compW - 1

	due := shortDate(it.Due, today)
	dueSt := st.Faint
	switch it.Section {
	case store.SectionOverdue:
		due = m.c.Tf("today.overdue_by", shortDate(it.Due, today), it.Days)
		dueSt = st.Overdue
	case store.SectionToday:
		due = m.c.T("board.today")
		dueSt = st.DueToday
	case store.SectionRotting:
		due = m.c.Tf("board.idle", m.idleDays(it))
		dueSt = st.Overdue
	}
	if it.Due.IsZero() && it.Section != store.SectionRotting {
		due = ""
	}
	action := it.Action
	switch {
	case action == "" && it.Section == store.SectionReturnVisit:
		action = m.c.T("today.return_visit")
	case it.Section == store.SectionApprovals && action == "":
		action = m.c.T("today.approval_waiting")
	case it.Section == store.SectionDecisions:
		action = m.c.T("approval.status." + it.Action)
	case it.Section == store.SectionService:
		action = m.c.T("service.kind." + it.Action)
	}
	mark, comp := "  ", st.Faint.Render
	if sel {
		mark, comp = st.Selected.Render("› "), st.Selected.Render
	} else {
		comp = func(s ...string) string { return strings.Join(s, "") }
	}
	value := ""
	if it.Value != 0 {
		value = m.c.Cat.Amount(it.Value)
	}
	s := mark + dueSt.Render(common.Fit(due, dueWidth)) +
		comp(common.Fit(common.OneLine(it.Company), compW)) + " " +
		common.Fit(common.OneLine(action), actW) + " " +
		st.Faint.Render(common.Fit(m.c.StageLabel(it.Stage), stageWidth)) + " " +
		st.Value.Render(fmt.Sprintf("%*s", valueWidth, value))
	return common.Cut(s, m.width)
}

func shortDate(d, today model.Date) string {
	if d.IsZero() {
		return ""
	}
	if d.Y == today.Y {
		return d.String()[5:]
	}
	return d.String()
}

// idleDays is how long a rotting lead has gone untouched, as its card
// says it: the review gives the days past the stage's limit.
func (m Model) idleDays(it *store.TodayItem) int {
	if s, ok := m.c.Rules.Pipeline.Stage(it.Stage); ok {
		return it.Days + s.RottingDays
	}
	return it.Days
}
