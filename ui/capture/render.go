package capture

import (
	"strings"

	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
)

// View draws the pane: the title with the lead and the draft's state, the
// lead picker while picking, and the note.
func (m Model) View() string {
	st := &m.c.Styles.List
	title := st.Title.Render(m.c.T("capture.title"))
	switch {
	case m.leadID != "":
		title += "  " + m.c.Tf("capture.for", common.OneLine(m.company))
	case m.company != "":
		title += "  " + m.c.Tf("capture.new_prospect", common.OneLine(m.company))
	}
	out := []string{common.Cut(title, m.width-20) + "  " + st.Faint.Render(draftState(m.c, m.ed))}
	if m.picking {
		out = append(out, m.picker.View())
		for i, ci := range m.matches {
			c := m.cards[ci]
			line := "  " + common.OneLine(c.Company)
			if c.Contact != "" {
				line += st.Faint.Render(" · " + common.OneLine(c.Contact))
			}
			if i == m.sel {
				line = st.Selected.Render("› ") + st.Selected.Render(common.OneLine(c.Company))
			}
			out = append(out, common.Cut(line, m.width))
		}
		if name := strings.TrimSpace(m.picker.Value()); name != "" {
			line := "  + " + m.c.Tf("capture.new_prospect", name)
			if m.sel == len(m.matches) {
				line = st.Selected.Render("› + " + m.c.Tf("capture.new_prospect", name))
			}
			out = append(out, common.Cut(line, m.width))
		}
	}
	if m.err != "" {
		out = append(out, m.c.Styles.App.Error.Render(common.Cut(m.err, m.width)))
	}
	out = append(out, "", m.ed.View())
	return strings.Join(out, "\n")
}

// draftState says whether what was typed is in the drafts bucket.
func draftState(c *common.Common, ed editor.Model) string {
	if ed.Err() != nil {
		return common.Sentence(ed.Err())
	}
	if ed.Dirty() {
		return c.T("capture.draft_unsaved")
	}
	if at := ed.SavedAt(); !at.IsZero() {
		return c.Tf("capture.draft_saved", at.In(c.Location()).Format("15:04:05"))
	}
	return ""
}
