package capture

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// VisitDraftKind marks the drafts of visit notes.
const VisitDraftKind = "visit"

// Template returns the note template for a stage in a language.
type Template func(stage, lang string) string

// Visit is visit mode: an open visit and the notes being typed.
type Visit struct {
	c    *common.Common
	keys VisitKeys
	act  model.Activity
	// company names the lead in the title.
	company       string
	ed            editor.Model
	width, height int
}

// VisitKeys is the keys of visit mode.
type VisitKeys struct{ End, Hide key.Binding }

// ShortHelp is the help line.
func (k VisitKeys) ShortHelp() []key.Binding { return []key.Binding{k.End, k.Hide} }

// FullHelp is the help shown by "?".
func (k VisitKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// VisitOpenedMsg carries a visit checked in, or one found open at start,
// with the draft of its notes.
type VisitOpenedMsg struct {
	OpenVisit
	Resumed bool
	Err     error
}

// VisitHiddenMsg says visit mode was hidden; the visit stays open.
type VisitHiddenMsg struct{}

// StartVisit returns the command that checks in at a lead: the visit
// starts now, and its notes begin with the template of the lead's stage,
// saved as a draft at once.
func StartVisit(c *common.Common, book Book, leadID string, tmpl Template) tea.Cmd {
	var notes func(string) string
	if tmpl != nil {
		lang := c.Lang()
		notes = func(stage string) string { return tmpl(stage, lang) }
	}
	return func() tea.Msg {
		v, err := book.StartVisit(leadID, notes)
		return VisitOpenedMsg{OpenVisit: v, Err: err}
	}
}

// ResumeVisit returns the command that finds the newest visit left open
// by this user (a closed lid, a crash) with everything typed into it.
func ResumeVisit(book Book) tea.Cmd {
	return func() tea.Msg {
		v, found, err := book.OpenVisit()
		if !found && err == nil {
			return nil
		}
		return VisitOpenedMsg{OpenVisit: v, Resumed: true, Err: err}
	}
}

// NewVisit returns visit mode over an opened visit, its notes' draft kept
// in book. A visit just checked in starts with the cursor after the
// template's first label.
func NewVisit(c *common.Common, book Book, msg VisitOpenedMsg) Visit {
	t := c.T
	ed := editor.New(c, book, msg.Draft)
	if !msg.Resumed {
		ed.AtFirstLine()
	}
	return Visit{
		c: c, act: msg.Act, company: msg.Company, ed: ed,
		keys: VisitKeys{
			End:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", t("key.end_visit"))),
			Hide: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t("key.minimize"))),
		},
	}
}

// ActivityID returns the open visit's id.
func (v Visit) ActivityID() string { return v.act.ID }

// Text returns the notes typed.
func (v Visit) Text() string { return v.ed.Value() }

// KeyMap returns the keys for the help line.
func (v Visit) KeyMap() VisitKeys { return v.keys }

// SetSize sets the pane's area.
func (v *Visit) SetSize(w, h int) {
	v.width, v.height = w, h
	v.ed.SetSize(w, max(3, h-2))
}

// Update handles typing, draft saves, and the end of the visit.
func (v Visit) Update(msg tea.Msg) (Visit, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, v.keys.End):
			end := forms.VisitEnd{ActivityID: v.act.ID, LeadID: v.act.LeadID, Company: v.company, Notes: v.ed.Value(), DraftID: v.ed.ID()}
			// The notes are saved now, so no tick is left to write them
			// again after checking out deleted their draft.
			return v, tea.Batch(v.ed.SaveNow(), forms.Open(forms.EndVisit(v.c, end)))
		case key.Matches(k, v.keys.Hide):
			return v, tea.Batch(v.ed.SaveNow(), common.Emit(VisitHiddenMsg{}))
		}
	}
	var cmd tea.Cmd
	v.ed, cmd = v.ed.Update(msg)
	return v, cmd
}

// View draws the title (lead, check-in time, minutes so far) and the
// notes.
func (v Visit) View() string {
	st := &v.c.Styles.List
	mins := int(v.c.Now().Sub(v.act.StartedAt) / time.Minute)
	title := st.Title.Render(v.c.Tf("visit.title", common.OneLine(v.company))) + "  " +
		st.Faint.Render(v.c.Tf("visit.since", v.act.StartedAt.In(v.c.Location()).Format("15:04"), max(0, mins))+"  "+draftState(v.c, v.ed))
	return common.Cut(title, v.width) + "\n\n" + v.ed.View()
}
