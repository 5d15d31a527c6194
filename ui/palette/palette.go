// Package palette is the command palette (ctrl+k or ":"): type to find
// any lead by the words of its company, contacts, city, tags or notes
// (the book's search index, as `fieldcrm search`), then by a fuzzy match
// of its company or contact ("hrbr lgst"), or any action by name; enter
// runs it.
package palette

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Limits of the list.
const (
	leadLimit = 8
)

// action is a command the palette can run.
type action struct {
	name string // in the UI language
	alt  string // the English key, so English words work in Chinese too
	msg  tea.Msg
	// pick says the action needs a lead: the palette asks for one.
	pick func(leadID, company string) tea.Msg
}

// Book is what the palette reads of the book, each call one transaction.
type Book interface {
	// Cards reads every lead's card, for the fuzzy match and the list.
	Cards() ([]store.Card, error)
	// SearchLeads asks the book's search index for the leads holding
	// every word of q, best first, at most limit: the query of each
	// keystroke. Words the index cannot search find nothing.
	SearchLeads(q string, limit int) ([]string, error)
}

// Model is the palette.
type Model struct {
	c       *common.Common
	book    Book
	keys    KeyMap
	input   textinput.Model
	actions []action
	cards   []store.Card

	// pending is an action waiting for a lead to be picked.
	pending *action

	acts  []int // actions matching
	leads []int // cards matching
	sel   int
	width int

	byID  map[string]int // card index by lead id
	seq   int            // the query last sent to the index
	found []string       // the index's leads for the query seq, best first
}

// KeyMap is the palette's keys.
type KeyMap struct{ Up, Down, Run, Close key.Binding }

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Run, k.Up, k.Down, k.Close} }

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// ClosedMsg says the palette closed; Then is what it chose, if anything.
type ClosedMsg struct{ Then tea.Msg }

type cardsMsg struct {
	cards []store.Card
	err   error
}

// foundMsg is the index's answer to query seq; an older answer than the
// last query's is dropped.
type foundMsg struct {
	seq   int
	leads []string
	err   error
}

// search sends the current query to the index.
func (m *Model) search() tea.Cmd {
	m.seq++
	m.found = nil
	q := strings.TrimSpace(m.input.Value())
	if q == "" {
		return nil
	}
	seq, bk := m.seq, m.book
	return func() tea.Msg {
		ids, err := bk.SearchLeads(q, leadLimit)
		return foundMsg{seq: seq, leads: ids, err: err}
	}
}

// New opens the palette over book; the command loads the leads.
func New(c *common.Common, book Book) (Model, tea.Cmd) {
	in := textinput.New()
	in.Prompt = c.T("palette.prompt")
	in.CharLimit = 100
	in.Focus()
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], c.T(help)))
	}
	m := Model{c: c, book: book, input: in, keys: KeyMap{
		Up: b("key.up", "up", "ctrl+p"), Down: b("key.down", "down", "ctrl+n"),
		Run: b("key.run", "enter"), Close: b("key.close", "esc"),
	}}
	m.actions = []action{
		{name: c.T("palette.go_today"), alt: "today", msg: common.GoMsg{To: common.ScreenToday}},
		{name: c.T("palette.go_board"), alt: "board", msg: common.GoMsg{To: common.ScreenBoard}},
		{name: c.T("palette.go_visits"), alt: "visit log", msg: common.GoMsg{To: common.ScreenVisits}},
		{name: c.T("palette.go_approvals"), alt: "approvals inbox", msg: common.GoMsg{To: common.ScreenApprovals}},
		{name: c.T("palette.capture"), alt: "quick note", msg: common.CaptureMsg{}},
		{name: c.T("palette.start_visit"), alt: "start visit", pick: func(id, _ string) tea.Msg { return common.StartVisitMsg{LeadID: id} }},
		{name: c.T("palette.help"), alt: "help keys", msg: common.HelpMsg{}},
		{name: c.T("palette.trash"), alt: "trash deleted restore", msg: common.TrashMsg{}},
		{name: c.T("palette.quit"), alt: "quit", msg: common.QuitMsg{}},
	}
	m.match()
	return m, func() tea.Msg {
		cards, err := book.Cards()
		return cardsMsg{cards: cards, err: err}
	}
}

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() KeyMap { return m.keys }

// SetWidth sets the palette's width.
func (m *Model) SetWidth(w int) {
	m.width = w
	m.input.SetWidth(max(10, w-common.Width(m.input.Prompt)-2))
}

func (m *Model) match() {
	q := strings.TrimSpace(m.input.Value())
	m.acts = m.acts[:0]
	if m.pending == nil {
		if q == "" {
			for i := range m.actions {
				m.acts = append(m.acts, i)
			}
		} else {
			names := make([]string, len(m.actions))
			for i, a := range m.actions {
				names[i] = a.name + " " + a.alt
			}
			m.acts = common.MatchStrings(names, q)
		}
	}
	m.leads = nil
	if q != "" || m.pending != nil {
		// The index's leads first, then fuzzy matches it did not find.
		seen := map[int]bool{}
		for _, id := range m.found {
			if i, ok := m.byID[id]; ok && !seen[i] && len(m.leads) < leadLimit {
				seen[i] = true
				m.leads = append(m.leads, i)
			}
		}
		for _, i := range common.MatchCards(m.cards, q, leadLimit) {
			if !seen[i] && len(m.leads) < leadLimit {
				seen[i] = true
				m.leads = append(m.leads, i)
			}
		}
	}
	m.sel = max(0, min(m.sel, len(m.acts)+len(m.leads)-1))
}

// Update handles typing and the leads' arrival.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case cardsMsg:
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.cards = msg.cards
		m.byID = make(map[string]int, len(m.cards))
		for i, c := range m.cards {
			m.byID[c.ID] = i
		}
		m.match()
		return m, nil
	case foundMsg:
		if msg.seq != m.seq {
			return m, nil
		}
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.found = msg.leads
		m.match()
		return m, nil
	case tea.KeyPressMsg:
		k := m.keys
		switch {
		case key.Matches(msg, k.Close):
			return m, common.Emit(ClosedMsg{})
		case key.Matches(msg, k.Up):
			m.sel = max(0, m.sel-1)
			return m, nil
		case key.Matches(msg, k.Down):
			m.sel = min(len(m.acts)+len(m.leads)-1, m.sel+1)
			return m, nil
		case key.Matches(msg, k.Run):
			return m.run()
		}
	}
	var cmd tea.Cmd
	before := m.input.Value()
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != before {
		m.sel = 0
		search := m.search()
		m.match()
		return m, tea.Batch(cmd, search)
	}
	return m, cmd
}

// run runs the selected action, or opens (or acts on) the selected lead.
func (m Model) run() (Model, tea.Cmd) {
	if m.sel < len(m.acts) {
		a := m.actions[m.acts[m.sel]]
		if a.pick != nil {
			m.pending = &a
			m.input.SetValue("")
			m.input.Prompt = a.name + ": "
			m.sel = 0
			m.search()
			m.match()
			return m, nil
		}
		return m, common.Emit(ClosedMsg{Then: a.msg})
	}
	i := m.sel - len(m.acts)
	if i < 0 || i >= len(m.leads) {
		return m, nil
	}
	c := m.cards[m.leads[i]]
	if m.pending != nil {
		return m, common.Emit(ClosedMsg{Then: m.pending.pick(c.ID, c.Company)})
	}
	return m, common.Emit(ClosedMsg{Then: common.OpenLeadMsg{ID: c.ID}})
}

// View draws the prompt and the matches: actions, then leads.
func (m Model) View() string {
	st := &m.c.Styles.List
	out := []string{m.input.View(), ""}
	n := 0
	line := func(kind, text string) {
		s := "  " + text + "  " + st.Faint.Render(kind)
		if n == m.sel {
			s = st.Selected.Render("› "+text) + "  " + st.Faint.Render(kind)
		}
		out = append(out, common.Cut(s, m.width))
		n++
	}
	for _, i := range m.acts {
		line(m.c.T("palette.action"), m.actions[i].name)
	}
	for _, i := range m.leads {
		c := m.cards[i]
		text := common.OneLine(c.Company)
		if c.Contact != "" {
			text += " · " + common.OneLine(c.Contact)
		}
		line(m.c.T("palette.lead")+" · "+m.c.StageLabel(c.Stage), text)
	}
	return strings.Join(out, "\n")
}
