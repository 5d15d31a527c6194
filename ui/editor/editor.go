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
	c     *common.Common
	ta    textarea.Model
	draft store.Draft

	rev, savedRev int // edits made, and the edit the last save holds
	saving        bool
	lastSave      time.Time // when the last save started (wall clock)
	savedAt       time.Time
	err           error
	// clock reads the wall clock for the save cadence and pause is how long
	// typing must stop; tests set both.
	clock func() time.Time
	pause time.Duration
}

// SavedMsg reports a draft save.
type SavedMsg struct {
	DraftID string
	Rev     int
	At      time.Time
	Err     error
}

// pauseMsg fires Pause after edit rev.
type pauseMsg struct {
	draftID string
	rev     int
}

// New returns an editor over draft d (its text, and its id, made here when
// empty so that every save overwrites the same draft).
func New(c *common.Common, d store.Draft) Model {
	if d.ID == "" {
		d.ID = newID()
	}
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 0
	ta.MaxHeight = 0
	ta.SetStyles(textarea.DefaultStyles(c.Styles.IsDark))
	ta.SetValue(d.Text)
	ta.Focus()
	m := Model{c: c, ta: ta, draft: d, clock: time.Now, pause: Pause}
	if d.Text != "" {
		m.savedAt = d.UpdatedAt
	}
	return m
}

// ID returns the draft's id.
func (m Model) ID() string { return m.draft.ID }

// Value returns the text typed.
func (m Model) Value() string { return m.ta.Value() }

// Draft returns the draft with the text typed.
func (m Model) Draft() store.Draft {
	d := m.draft
	d.Text = m.ta.Value()
	return d
}

// SetDraft changes what the draft is for (the lead picked, a new
// prospect's name); the next save writes it.
func (m *Model) SetDraft(leadID, company string) {
	m.draft.LeadID, m.draft.Company = leadID, company
	m.rev++
}

// SetValue replaces the text (after $EDITOR) and saves the draft.
func (m *Model) SetValue(s string) tea.Cmd {
	m.ta.SetValue(s)
	m.rev++
	return m.save()
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
func (m Model) Dirty() bool { return m.rev > m.savedRev }

// SavedAt is when the draft was last saved (zero: never).
func (m Model) SavedAt() time.Time { return m.savedAt }

// Err is the last save's error.
func (m Model) Err() error { return m.err }

// Update takes typing and the replies of draft saves.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case SavedMsg:
		if msg.DraftID != m.draft.ID {
			return m, nil
		}
		m.saving, m.err = false, msg.Err
		if msg.Err == nil {
			m.savedRev, m.savedAt = max(m.savedRev, msg.Rev), msg.At
		}
		if m.Dirty() {
			return m, m.pauseTick()
		}
		return m, nil
	case pauseMsg:
		if msg.draftID != m.draft.ID || msg.rev != m.rev || !m.Dirty() || m.inFlight() {
			return m, nil
		}
		return m, m.save()
	case tea.KeyPressMsg, tea.PasteMsg:
		before := m.ta.Value()
		var cmd tea.Cmd
		m.ta, cmd = m.ta.Update(msg)
		if m.ta.Value() == before {
			return m, cmd
		}
		m.rev++
		if !m.inFlight() && m.clock().Sub(m.lastSave) >= Every {
			return m, tea.Batch(cmd, m.save())
		}
		return m, tea.Batch(cmd, m.pauseTick())
	}
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	return m, cmd
}

// inFlight reports whether a save is running; one whose reply never came
// stops counting after a while, so saving never stops for good.
func (m Model) inFlight() bool { return m.saving && m.clock().Sub(m.lastSave) < 5*time.Second }

func (m *Model) pauseTick() tea.Cmd {
	id, rev := m.draft.ID, m.rev
	return tea.Tick(m.pause, func(time.Time) tea.Msg { return pauseMsg{draftID: id, rev: rev} })
}

// save returns the command that writes the draft as it is now.
func (m *Model) save() tea.Cmd {
	m.saving, m.lastSave = true, m.clock()
	d, rev, data := m.Draft(), m.rev, m.c.Data
	return func() tea.Msg {
		err := data.Update(func(tx *store.Tx) error { return tx.SaveDraft(&d) })
		return SavedMsg{DraftID: d.ID, Rev: rev, At: d.UpdatedAt, Err: err}
	}
}

// SaveNow returns the command that writes the draft now (before leaving,
// or before $EDITOR).
func (m *Model) SaveNow() tea.Cmd { return m.save() }

// View draws the text area.
func (m Model) View() string { return m.ta.View() }

// Cursor returns the real cursor, nil while the virtual one is drawn.
func (m Model) Cursor() *tea.Cursor { return m.ta.Cursor() }

func newID() string { return model.NewID() }
