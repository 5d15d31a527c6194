// Package trash is the overlay listing the leads in the trash, with a key
// to bring the selected one back. Leads stay in the trash for
// store.TrashDays days; `fieldcrm trash list` shows the same list.
package trash

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Book is what the trash reads and writes, each call one transaction.
type Book interface {
	Trash() ([]store.Trashed, error)
	Restore(id string) error
}

// KeyMap is the trash's keys.
type KeyMap struct{ Up, Down, Restore, Close key.Binding }

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.Restore, k.Close} }

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// Model is the trash overlay.
type Model struct {
	c      *common.Common
	book   Book
	keys   KeyMap
	items  []store.Trashed
	loaded bool
	sel    int
	req    int
	width  int
	height int
}

// ClosedMsg says the trash was closed.
type ClosedMsg struct{}

type loadedMsg struct {
	req   int
	items []store.Trashed
	err   error
}

type restoredMsg struct {
	id, company string
	err         error
}

// New returns the trash and the command that reads it.
func New(c *common.Common, b Book) (Model, tea.Cmd) {
	bind := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], c.T(help)))
	}
	m := Model{c: c, book: b, keys: KeyMap{
		Up: bind("key.up", "k", "up"), Down: bind("key.down", "j", "down"),
		Restore: bind("key.restore", "r", "enter"), Close: bind("key.close", "esc", "q"),
	}}
	return m, m.load()
}

func (m *Model) load() tea.Cmd {
	m.req++
	req, b := m.req, m.book
	return func() tea.Msg {
		items, err := b.Trash()
		return loadedMsg{req: req, items: items, err: err}
	}
}

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() help.KeyMap { return m.keys }

// SetSize sets the overlay's area.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Update handles keys and the book's replies.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.req != m.req {
			return m, nil
		}
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.items, m.loaded = msg.items, true
		m.sel = max(0, min(m.sel, len(m.items)-1))
		return m, nil
	case restoredMsg:
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		// The board reads all its cards again (the lead is new to it), and
		// the notice comes after the "saved" of the change.
		return m, tea.Batch(m.load(), tea.Sequence(common.Emit(common.ChangedMsg{}),
			common.Emit(common.StatusMsg{Text: m.c.Tf("trash.restored", common.OneLine(msg.company))})))
	case tea.KeyPressMsg:
		k := m.keys
		switch {
		case key.Matches(msg, k.Close):
			return m, common.Emit(ClosedMsg{})
		case key.Matches(msg, k.Up):
			m.sel = max(0, m.sel-1)
		case key.Matches(msg, k.Down):
			m.sel = max(0, min(len(m.items)-1, m.sel+1))
		case key.Matches(msg, k.Restore):
			if m.sel < len(m.items) {
				return m, m.restore(m.items[m.sel])
			}
		}
	}
	return m, nil
}

func (m Model) restore(t store.Trashed) tea.Cmd {
	b, id, company := m.book, t.Lead.ID, t.Lead.Company
	return func() tea.Msg {
		return restoredMsg{id: id, company: company, err: b.Restore(id)}
	}
}

// View draws the title and one line per lead: the company, when it was
// deleted, and when the trash lets go of it.
func (m Model) View() string {
	st := &m.c.Styles.List
	lines := []string{st.Title.Render(common.Cut(m.c.Tf("trash.title", len(m.items)), m.width)), ""}
	if !m.loaded {
		return strings.Join(append(lines, m.c.T("trash.loading")), "\n")
	}
	if len(m.items) == 0 {
		return strings.Join(append(lines, m.c.T("trash.empty")), "\n")
	}
	loc := m.c.Location()
	rows := max(1, m.height-len(lines))
	first := max(0, m.sel-rows+1)
	for i := first; i < len(m.items) && i < first+rows; i++ {
		t := &m.items[i]
		when := m.c.Tf("trash.deleted", t.DeletedAt.In(loc).Format("2006-01-02 15:04"), t.PurgeAfter.In(loc).Format("01-02"))
		kids := m.c.Tf("trash.activities", strconv.Itoa(t.Activities))
		right := "  " + when + "  " + kids
		name := common.Fit(common.OneLine(t.Lead.Company), max(1, m.width-2-common.Width(right)))
		line := "  " + name + st.Faint.Render(right)
		if i == m.sel {
			line = st.Selected.Render("› "+name) + st.Faint.Render(right)
		}
		lines = append(lines, common.Cut(line, m.width))
	}
	return strings.Join(lines, "\n")
}
