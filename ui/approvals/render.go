package approvals

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// head is the lines above the list: the title, and for a user who may
// not decide the line saying who does.
func (m *Model) head() []string {
	st := &m.c.Styles.List
	title := st.Title.Render(m.c.T("approvals.title")) + "  " + st.Faint.Render(m.c.Tf("approvals.count", len(m.pending)))
	out := []string{common.Cut(title, m.width)}
	if !m.MayDecide() {
		out = append(out, st.Faint.Render(common.Cut(m.whoDecides(), m.width)))
	}
	return out
}

func (m *Model) rows() int { return max(1, m.height-len(m.head())) }

// lineOf is the list line of row i: the two section headers count.
func (m *Model) lineOf(i int) int {
	if i < len(m.pending) {
		return 1 + i
	}
	return 2 + i
}

func (m *Model) scroll() {
	if m.count() == 0 {
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

// View draws the list, or the request opened.
func (m Model) View() string {
	if !m.loaded {
		return common.Fit(m.c.T("lead.loading"), m.width)
	}
	if a, ok := m.Selected(); ok && m.open != "" {
		return m.detailView(&a)
	}
	st := &m.c.Styles.List
	out := m.head()
	if len(m.in.Requests) == 0 {
		return strings.Join(append(out, "", st.Faint.Render(common.Cut(m.c.T("approvals.empty"), m.width))), "\n")
	}
	// Only the lines on screen are drawn: the cost follows the height, not
	// the number of requests. A list that fits shows from its top,
	// whatever the page was scrolled to while it was smaller (under the
	// help).
	total := m.count() + 2
	top := max(0, min(m.top, total-m.rows()))
	for n := top; n < min(total, top+m.rows()); n++ {
		switch {
		case n == 0:
			out = append(out, common.Cut(st.Section.Render(fmt.Sprintf("%s (%d)", m.c.T("approvals.pending"), len(m.pending))), m.width))
		case n == len(m.pending)+1:
			out = append(out, common.Cut(st.Section.Render(m.c.Tf("approvals.decided", recentDays, len(m.decided))), m.width))
		case n <= len(m.pending):
			out = append(out, m.rowLine(n-1))
		default:
			out = append(out, m.rowLine(n-2))
		}
	}
	return strings.Join(out, "\n")
}

// Column widths of a row, in cells.
const (
	statusWidth = 10
	valueWidth  = 9
	whoWidth    = 12
	dayWidth    = 5
)

// rowLine is one request: its status, company, value, why it was asked,
// who asked and when (or who decided and when).
func (m Model) rowLine(i int) string {
	st := &m.c.Styles.List
	a := m.row(i)
	rest := max(10, m.width-2-statusWidth-valueWidth-whoWidth-dayWidth-4)
	compW := rest * 55 / 100
	whyW := rest - compW - 1
	who, at := a.RequestedBy, a.RequestedAt
	if d, ok := a.Decision(); ok {
		who, at = d.By, d.At
	}
	mark, comp := "  ", common.OneLine(m.Company(&a))
	if i == m.sel {
		mark = st.Selected.Render("› ")
	}
	s := mark + m.statusStyle(a.Status()).Render(common.Fit(m.c.T("approval.status."+a.Status()), statusWidth)) +
		common.Fit(comp, compW) + " " +
		st.Value.Render(fmt.Sprintf("%*s", valueWidth, m.c.Cat.Amount(a.Value.Amount))) + " " +
		st.Faint.Render(common.Fit(m.reasonsShort(a.Reasons), whyW)) + " " +
		common.Fit(common.OneLine(who), whoWidth) + " " +
		st.Faint.Render(at.In(m.c.Location()).Format("01-02"))
	return common.Cut(s, m.width)
}

func (m Model) reasonsShort(reasons []string) string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = m.c.T("approval.reason_short." + r)
	}
	return strings.Join(out, ",")
}

// detailView is one request whole, its title kept while the rest scrolls
// (j, k) when taller than the page.
func (m Model) detailView(a *model.Approval) string {
	out := m.detailLines(a)
	body := out[1:]
	top := min(m.dtop, m.maxDetailTop(len(out)))
	return strings.Join(append(out[:1], body[top:min(len(body), top+m.detailRows())]...), "\n")
}

func (m Model) detailRows() int { return max(0, m.height-1) }

// maxDetailTop is the furthest the request of n lines scrolls.
func (m Model) maxDetailTop(n int) int { return max(0, n-1-m.detailRows()) }

// detailLines are one request's lines: its title, figures and reasons,
// the note, the decision in force, and every decision it overruled.
func (m Model) detailLines(a *model.Approval) []string {
	st := &m.c.Styles.List
	c := m.c
	out := m.head()
	out[0] = common.Cut(st.Title.Render(c.Tf("approvals.request_of", common.OneLine(m.Company(a)))), m.width)
	out = append(out, "")
	out = append(out, DescribeLines(c, a)...)
	if strings.TrimSpace(a.Note) != "" {
		out = append(out, "", st.Section.Render(c.T("approvals.note")))
		for _, l := range strings.Split(strings.TrimSpace(a.Note), "\n") {
			out = append(out, "  "+common.OneLine(l))
		}
	}
	out = append(out, "", st.Section.Render(c.T("approvals.decisions")))
	if len(a.Decisions) == 0 {
		out = append(out, "  "+st.Faint.Render(c.T("approvals.no_decision")))
	}
	for _, l := range DecisionLines(c, a) {
		out = append(out, "  "+l)
	}
	for i, l := range out {
		out[i] = common.Cut(l, m.width)
	}
	return out
}

// DescribeLines are a request's status, figures, reasons and who asked
// when, one fact a line: the inbox and the lead screen show them alike.
func DescribeLines(c *common.Common, a *model.Approval) []string {
	figures := []string{c.Tf("approval.value", a.Value.String())}
	if a.DiscountPct > 0 {
		figures = append(figures, c.Tf("approval.discount", a.DiscountPct))
	}
	if a.Channel != "" {
		figures = append(figures, c.Tf("approval.channel", c.ChannelLabel(model.Channels, a.Channel)))
	}
	out := []string{
		c.Tf("approvals.status_line", c.T("approval.status."+a.Status())),
		strings.Join(figures, " · "),
	}
	if len(a.Reasons) > 0 {
		out = append(out, c.Tf("approval.reasons", forms.Reasons(c, a.Reasons)))
	}
	out = append(out, c.Tf("approvals.asked", common.OneLine(a.RequestedBy), a.RequestedAt.In(c.Location()).Format("2006-01-02 15:04")))
	return out
}

// DecisionLines are a request's decisions, newest first: the one in
// force marked so, the others marked overruled, each with who, when and
// the comment.
func DecisionLines(c *common.Common, a *model.Approval) []string {
	inForce, _ := a.Decision()
	// Newest first by stamp, as the verdict is picked.
	ds := slices.SortedStableFunc(slices.Values(a.Decisions), func(x, y model.Decision) int { return y.HLC.Compare(x.HLC) })
	var out []string
	for _, d := range ds {
		mark := c.T("approvals.in_force")
		if d.ID != inForce.ID {
			mark = c.T("approvals.overruled")
		}
		line := c.Tf("approvals.decision", c.T("approval.status."+d.Verdict), common.OneLine(d.By),
			d.At.In(c.Location()).Format("2006-01-02 15:04"), mark)
		if n := strings.TrimSpace(d.Note); n != "" {
			line = c.Tf("approvals.with_note", line, common.OneLine(n))
		}
		out = append(out, line)
	}
	return out
}

// statusStyle colours a status: waiting stands out, a rejection warns.
func (m Model) statusStyle(status string) interface{ Render(...string) string } {
	st := &m.c.Styles.List
	switch status {
	case model.Pending:
		return st.DueToday
	case model.Rejected:
		return st.Overdue
	}
	return st.Value
}
