package visits

import (
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// View draws the list (only the lines on screen), the open activity, or
// the note editor.
func (m Model) View() string {
	st := &m.c.Styles.List
	if m.edit != nil {
		title := st.Title.Render(m.c.Tf("visits.edit_title", common.OneLine(m.companies[m.editFor.LeadID])))
		return common.Cut(title, m.width) + "\n\n" + m.edit.View()
	}
	if m.detail != nil {
		if m.detail.body == "" {
			return common.Fit(m.c.T("lead.loading"), m.width)
		}
		return m.detail.vp.View()
	}
	if !m.loaded {
		return common.Fit(m.c.T("visits.loading"), m.width)
	}
	out := []string{common.Cut(st.Title.Render(m.c.T("visits.title"))+"  "+st.Faint.Render(m.filterLine()), m.width)}
	switch {
	case m.searching || m.text != "":
		out = append(out, common.Cut(m.search.View(), m.width))
	case m.ranging:
		out = append(out, common.Cut(m.rangeIn.View(), m.width))
	default:
		out = append(out, "")
	}
	if len(m.shown) == 0 {
		out = append(out, st.Faint.Render(common.Cut(m.c.T("visits.empty"), m.width)))
	}
	selLine := m.lineOf(m.sel)
	for n := m.top; n < len(m.lines) && n < m.top+m.listRows(); n++ {
		l := m.lines[n]
		if l.row < 0 {
			out = append(out, st.Day.Render(l.day))
			continue
		}
		out = append(out, m.drawRow(l.row, n == selLine && len(m.shown) > 0))
	}
	return strings.Join(out, "\n")
}

// filterLine says how many rows show and which filters are on.
func (m Model) filterLine() string {
	parts := []string{m.c.Tf("visits.count", len(m.shown), len(m.rows))}
	if m.kind > 0 {
		parts = append(parts, m.c.ChannelLabel(model.ActivityKinds, model.ActivityKinds[m.kind-1].Key))
	} else {
		parts = append(parts, m.c.T("visits.kind_all"))
	}
	if m.leadID != "" {
		parts = append(parts, m.c.Tf("visits.lead", common.OneLine(m.companies[m.leadID])))
	}
	if !m.from.IsZero() || !m.to.IsZero() {
		parts = append(parts, m.c.Tf("visits.range", m.from.String()+".."+m.to.String()))
	}
	return strings.Join(parts, " · ")
}

// Column widths of a row, in cells.
const (
	timeWidth = 6
	kindWidth = 9
	durWidth  = 8
)

func (m Model) drawRow(i int, sel bool) string {
	st := &m.c.Styles.List
	r := &m.rows[m.shown[i]]
	rest := max(20, m.width-2-timeWidth-kindWidth-durWidth-3)
	compW := rest * 30 / 100
	contW := rest * 15 / 100
	noteW := rest - compW - contW - 2
	dur := ""
	if d := r.Duration(); d > 0 {
		dur = m.c.Tf("lead.minutes", int(d/time.Minute))
	} else if r.Open() {
		dur = m.c.T("visits.open")
	}
	mark, comp := "  ", common.Fit(common.OneLine(m.companies[r.LeadID]), compW)
	if sel {
		mark, comp = st.Selected.Render("› "), st.Selected.Render(comp)
	}
	s := mark + st.Faint.Render(common.Fit(r.StartedAt.In(m.c.Location()).Format("15:04"), timeWidth)) +
		common.Fit(m.c.ChannelLabel(model.ActivityKinds, r.Kind), kindWidth) + " " +
		comp + " " + common.Fit(common.OneLine(r.Contact), contW) + " " +
		st.Faint.Render(common.Fit(dur, durWidth)) + " " +
		common.Cut(common.OneLine(r.First), noteW)
	return common.Cut(s, m.width)
}
