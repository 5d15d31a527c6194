// Package editor is the note editor that quick capture, visit mode and the
// visit log share: a text area whose text is saved to the drafts bucket
// while typing (at least every second and on every pause), from a
// tea.Cmd, so a crash or a kill -9 loses at most the last second.
package editor

import (
	"time"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Timing of draft saves.
const (
	// Pause is how long typing must stop for the draft to be saved.
	Pause = 300 * time.Millisecond
	// Every is the longest time between saves while typing goes on.
	Every = time.Second
)

// Model is one note being typed.
type Model struct {
	c  *common.Common
	ta textarea.Model
	dr Drafter
}

// New returns an editor over draft d (its text, and its id, made here when
// empty so that every save overwrites the same draft), kept in drafts.
func New(c *common.Common, drafts Drafts, d store.Draft) Model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 0
	ta.MaxHeight = 0
	ta.SetStyles(textarea.DefaultStyles(c.Styles.IsDark))
	ta.SetValue(d.Text)
	ta.Focus()
	return Model{c: c, ta: ta, dr: NewDrafter(drafts, d)}
}

// AtFirstLine puts the cursor at the end of the first line: on a stage's
// template, after the first label, where the notes begin.
func (m *Model) AtFirstLine() {
	m.ta.MoveToBegin()
	m.ta.CursorEnd()
}

// ID returns the draft's id.
func (m Model) ID() string { return m.dr.ID() }

// Value returns the text typed.
func (m Model) Value() string { return m.ta.Value() }

// Draft returns the draft with the text typed.
func (m Model) Draft() store.Draft {
	d := m.dr.Draft()
	d.Text = m.ta.Value()
	return d
}

// SetDraft changes what the draft is for (the lead picked, a new
// prospect's name); the next save writes it.
func (m *Model) SetDraft(leadID, company string) {
	d := m.Draft()
	d.LeadID, d.Company = leadID, company
	m.dr.Set(d)
}

// SetCompany names the draft's lead once it is known, without counting
// an edit: a draft holding no text is still not worth a save.
func (m *Model) SetCompany(company string) {
	d := m.Draft()
	d.Company = company
	m.dr.Touch(d)
}

// SetValue replaces the text (after $EDITOR) and saves the draft.
func (m *Model) SetValue(s string) tea.Cmd {
	m.ta.SetValue(s)
	m.dr.Set(m.Draft())
	return m.dr.SaveNow()
}

// SetSize sets the text area's size.
func (m *Model) SetSize(w, h int) {
	m.ta.SetWidth(max(10, w))
	m.ta.SetHeight(max(1, h))
}

// Focus gives the editor the keyboard; Blur takes it away.
func (m *Model) Focus() { m.ta.Focus() }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.ta.Blur() }

// Dirty reports whether text typed is not in the drafts bucket yet.
func (m Model) Dirty() bool { return m.dr.Dirty() }

// SavedAt is when the draft was last saved (zero: never).
func (m Model) SavedAt() time.Time { return m.dr.SavedAt() }

// Err is the last save's error.
func (m Model) Err() error { return m.dr.Err() }

// End ends the draft as its text is saved for good: see Drafter.End.
func (m *Model) End() { m.dr.End() }

// Reopen goes on saving the draft after a save for good failed.
func (m *Model) Reopen() tea.Cmd { return m.dr.Reopen() }

// Discard ends the draft and deletes it.
func (m *Model) Discard() tea.Cmd { return m.dr.Discard() }

// Update takes typing and the replies of draft saves.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg.(type) {
	case SavedMsg, pauseMsg:
		var cmd tea.Cmd
		m.dr, cmd = m.dr.Update(msg)
		return m, cmd
	case tea.KeyPressMsg, tea.PasteMsg:
		before := m.ta.Value()
		var cmd tea.Cmd
		m.ta, cmd = m.ta.Update(msg)
		if m.ta.Value() == before {
			return m, cmd
		}
		return m, tea.Batch(cmd, m.dr.Edit(m.Draft()))
	}
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	return m, cmd
}

// SaveNow returns the command that writes the draft now (before leaving,
// or before $EDITOR).
func (m *Model) SaveNow() tea.Cmd {
	m.dr.Touch(m.Draft())
	return m.dr.SaveNow()
}

// View draws the text area.
func (m Model) View() string { return m.ta.View() }

// Cursor returns the real cursor, nil while the virtual one is drawn.
func (m Model) Cursor() *tea.Cursor { return m.ta.Cursor() }

func newID() string { return model.NewID() }
