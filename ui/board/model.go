// Package board is the pipeline board, the UI's default screen: one
// column per stage, one card per lead.
package board

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Layout constants, in lines.
const (
	titleLines  = 1
	headerLines = 4 // label and count, total, weighted, rule
	cardLines   = 4 // company, contact, value and due, spacer
	minColWidth = 22
)

// Book is what the board reads of the book, each call one transaction.
// Its moves and forms go through the forms' book, which the root holds.
type Book interface {
	Cards() ([]store.Card, error)
	Card(id string) (store.Card, error)
	// EachCard lends every card in turn, in one read (fn may keep a card
	// only by cloning it): the first screen keeps almost none.
	EachCard(fn func(*store.Card) error) error
}

// Model is the board.
type Model struct {
	c    *common.Common
	book Book
	keys KeyMap

	width, height int

	cards []store.Card
	hay   []string // lower-case search text per card
	cols  [][]int  // per stage: indexes into cards, filtered and sorted
	sums  []colSum
	// counts are the columns' sizes, and all the number of leads, while
	// only the first screen's cards are read (load.go).
	counts []int
	all    int

	col  int   // selected column
	rows []int // selected row per column
	tops []int // first visible row per column
	left int   // first visible column

	sort      sortMode
	filter    textinput.Model
	filtering bool

	loadReq int
	loaded  bool
	// want is the lead to select once the cards arrive.
	want string

	undo []common.MovedMsg

	// drawn caches drawn cards; a map, so View (on a copy) can fill it.
	// It is emptied whenever the cards change.
	drawn map[cardKey][]string
}

type colSum struct{ total, weighted int64 }

// loadedMsg carries the cards read for load request req.
type loadedMsg struct {
	req   int
	cards []store.Card
	err   error
}

// New returns the board over book; Init loads the cards.
func New(c *common.Common, remap map[string][]string, book Book) Model {
	ti := textinput.New()
	ti.Prompt = "/ "
	ti.Placeholder = c.T("board.filter_placeholder")
	ti.CharLimit = 100
	n := len(c.Rules.Pipeline.Stages)
	return Model{
		c: c, book: book, keys: NewKeyMap(c.T, remap), filter: ti, loadReq: 1, drawn: map[cardKey][]string{},
		cols: make([][]int, n), sums: make([]colSum, n), rows: make([]int, n), tops: make([]int, n),
	}
}

// Init reads the first screen's cards, then every card (request 1, which
// New set up; load.go).
func (m Model) Init() tea.Cmd { return m.loadFirst(m.loadReq) }

// Reload reads the cards again (after the book changed). The reply of an
// earlier reload that arrives late is dropped.
func (m *Model) Reload() tea.Cmd {
	m.loadReq++
	return m.load(m.loadReq)
}

func (m *Model) load(req int) tea.Cmd {
	bk := m.book
	return func() tea.Msg {
		cards, err := bk.Cards()
		return loadedMsg{req: req, cards: cards, err: err}
	}
}

// cardMsg carries one lead's card, read again after it changed.
type cardMsg struct {
	card store.Card
	err  error
}

// Refresh reads one changed lead's card and puts it in place, which costs
// far less than reading every card again.
func (m *Model) Refresh(id string) tea.Cmd {
	bk := m.book
	return func() tea.Msg {
		c, err := bk.Card(id)
		return cardMsg{card: c, err: err}
	}
}

// Select asks the board to select a lead (now, or when the cards arrive).
func (m *Model) Select(id string) {
	m.want = id
	m.selectWanted()
}

// SetSize sets the area the board draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(1, w-4))
	m.scrollIntoView()
}

// KeyMap returns the keys the help line shows now.
func (m Model) KeyMap() help.KeyMap {
	if m.filtering {
		return filterKeys{m.keys}
	}
	return m.keys
}

// Keys returns the board's key bindings.
func (m Model) Keys() KeyMap { return m.keys }

// InputFocused reports whether typed letters belong to a text field.
func (m Model) InputFocused() bool { return m.filtering }

// Count returns the number of leads on the board (before filtering).
func (m Model) Count() int {
	if !m.loaded && m.counts != nil {
		return m.all
	}
	return len(m.cards)
}

// Loaded reports whether the cards have arrived.
func (m Model) Loaded() bool { return m.loaded }

// Selected returns the selected card, if any.
func (m Model) Selected() (store.Card, bool) {
	if i := m.selectedIndex(); i >= 0 {
		return m.cards[i], true
	}
	return store.Card{}, false
}

func (m Model) selectedIndex() int {
	if m.col < 0 || m.col >= len(m.cols) {
		return -1
	}
	col := m.cols[m.col]
	if r := m.rows[m.col]; r >= 0 && r < len(col) {
		return col[r]
	}
	return -1
}
