// Package visits is the visit log: every activity across all leads,
// newest first and grouped by day, with filters by kind, lead, date range
// and words in the notes (any language, by the book's search index). Enter shows an activity with its
// notes rendered and every earlier revision; e edits the notes as a new
// revision.
package visits

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
)

// EditDraftKind marks the drafts of notes being edited here.
const EditDraftKind = "edit"

// Model is the visit log.
type Model struct {
	c    *common.Common
	book Book
	keys KeyMap

	rows      []store.ActivityRow // newest first
	days      []int32             // per row: its day as yyyymmdd in the screen's zone
	companies map[string]string
	loaded    bool
	req       int

	// Filters.
	kind        int // 0: all; else model.ActivityKinds[kind-1]
	leadID      string
	from, to    model.Date // inclusive; zero: open
	text        string     // the words, as typed
	match       []uint64   // a bit per row: it holds the words; nil: no words
	docRow      []int32    // by number in the search index: the row, or -1
	search      textinput.Model
	searching   bool
	rangeIn     textinput.Model
	ranging     bool
	shown       []int  // indexes into rows
	rowLine     []int  // per shown row: its line
	lines       []line // the list: day headers and rows
	sel, top    int    // sel: index into shown; top: first line drawn
	width, hgt  int
	detail      *detail
	edit        *editor.Model
	editFor     model.Activity
	savingNotes bool
}

// line is a day header (row < 0, day set) or a row (index into shown).
type line struct {
	row int
	day string
}

type detail struct {
	act  model.Activity
	req  int
	vp   viewport.Model
	body string
}

type loadedMsg struct {
	req       int
	rows      []store.ActivityRow
	days      []int32
	docRow    []int32
	companies map[string]string
	found     foundMsg // the words filtered by when the load began
	err       error
}

// foundMsg is the index's answer for the words text: the numbers of the
// activities holding them.
type foundMsg struct {
	text string
	docs []uint32
	err  error
}

type detailMsg struct {
	req  int
	act  model.Activity
	body string
	err  error
}

type notesSavedMsg struct {
	id  string
	err error
}

// Book is what the visit log reads and writes, each call one transaction.
type Book interface {
	// VisitLog reads every activity, and the company of each lead by id.
	VisitLog() ([]store.ActivityRow, map[string]string, error)
	// VisitDocs returns the id of each activity by its number in the
	// search index (store.Tx.ActivityDocs); read after VisitLog, it knows
	// every row.
	VisitDocs() ([]string, error)
	// VisitSearch returns the numbers of the activities holding every
	// word of text (store.ErrNoSearchWords when text has none).
	VisitSearch(text string) ([]uint32, error)
	Activity(id string) (model.Activity, error)
	// SaveNotes writes text as the activity's newest notes (when it
	// differs) and deletes the edit's draft in the same transaction.
	SaveNotes(id, text, draftID string) error
	// The note editor keeps the edit's draft through the book.
	editor.Drafts
}

// New returns the visit log; Load reads it.
func New(c *common.Common, remap map[string][]string, book Book) Model {
	s := textinput.New()
	s.Prompt = "/ "
	s.Placeholder = c.T("visits.filter_placeholder")
	s.CharLimit = 100
	r := textinput.New()
	r.Prompt = c.T("visits.range_prompt")
	r.CharLimit = 40
	return Model{c: c, book: book, keys: NewKeyMap(c.T, remap), search: s, rangeIn: r}
}

// Load reads every activity (one pass over the book) and the companies,
// and the index's answer for the words being filtered by.
func (m *Model) Load() tea.Cmd {
	m.req++
	req, bk, loc, text := m.req, m.book, m.c.Location(), m.text
	return func() tea.Msg {
		msg := loadedMsg{req: req, found: foundMsg{text: text}}
		msg.rows, msg.companies, msg.err = bk.VisitLog()
		if msg.err != nil {
			return msg
		}
		var docs []string
		if docs, msg.err = bk.VisitDocs(); msg.err != nil {
			return msg
		}
		if text != "" {
			msg.found.docs, msg.found.err = bk.VisitSearch(text)
		}
		slices.SortFunc(msg.rows, func(a, b store.ActivityRow) int {
			return cmp.Or(b.StartedAt.Compare(a.StartedAt), strings.Compare(b.ID, a.ID))
		})
		// Days and rows by number once here, so a keystroke in the filter
		// formats no dates and looks up no ids.
		msg.days = make([]int32, len(msg.rows))
		rowAt := make(map[string]int32, len(msg.rows))
		for i := range msg.rows {
			y, mo, d := msg.rows[i].StartedAt.In(loc).Date()
			msg.days[i] = int32(y*10000 + int(mo)*100 + d)
			rowAt[msg.rows[i].ID] = int32(i)
		}
		msg.docRow = make([]int32, len(docs))
		for n, id := range docs {
			row, ok := rowAt[id]
			if !ok {
				row = -1
			}
			msg.docRow[n] = row
		}
		return msg
	}
}

// find asks the index for the activities holding the words of text; the
// answer comes back as a foundMsg.
func (m *Model) find(text string) tea.Cmd {
	bk := m.book
	return func() tea.Msg {
		docs, err := bk.VisitSearch(text)
		return foundMsg{text: text, docs: docs, err: err}
	}
}

// found filters the rows by the index's answer for the current words. A
// text without words (only punctuation) filters nothing.
func (m *Model) found(msg foundMsg) error {
	switch {
	case msg.text != m.text:
		return nil // an answer to words since changed
	case msg.text == "":
		m.match = nil
	case errors.Is(msg.err, store.ErrNoSearchWords):
		m.match = nil
	case msg.err != nil:
		return msg.err
	default:
		m.match = make([]uint64, (len(m.rows)+63)/64)
		for _, n := range msg.docs {
			if int(n) < len(m.docRow) && m.docRow[n] >= 0 {
				r := m.docRow[n]
				m.match[r/64] |= 1 << (r % 64)
			}
		}
	}
	m.apply()
	return nil
}

// Loaded reports whether the log has been read.
func (m Model) Loaded() bool { return m.loaded }

// InputFocused reports whether a text field has the keyboard.
func (m Model) InputFocused() bool { return m.searching || m.ranging || m.edit != nil }

// Shown returns the rows the filters let through, newest first.
func (m Model) Shown() []store.ActivityRow {
	out := make([]store.ActivityRow, len(m.shown))
	for i, r := range m.shown {
		out[i] = m.rows[r]
	}
	return out
}

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() help.KeyMap {
	k := m.keys
	switch {
	case m.edit != nil:
		return keyList{k.Save, k.Close}
	case m.searching || m.ranging:
		return keyList{k.Accept, k.Cancel}
	case m.detail != nil:
		return keyList{k.Back, k.Edit, k.Up, k.Down, k.Help}
	}
	return k
}

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.hgt = w, h
	m.search.SetWidth(max(10, w-4))
	m.rangeIn.SetWidth(max(10, w-common.Width(m.rangeIn.Prompt)-2))
	if m.detail != nil {
		m.detail.vp.SetWidth(w)
		m.detail.vp.SetHeight(max(1, h))
	}
	if m.edit != nil {
		m.edit.SetSize(w, max(3, h-2))
	}
	m.scroll()
}

// SetText filters by the words of q in the notes, outcome, feedback, next
// step and contact, as typing q in the filter does, and waits for the
// answer: a word matches the words it begins, Chinese by its characters.
func (m *Model) SetText(q string) error {
	m.search.SetValue(q)
	m.text = strings.TrimSpace(q)
	if m.text == "" {
		m.match = nil
		m.apply()
		return nil
	}
	return m.found(m.find(m.text)().(foundMsg))
}

// apply runs the filters over the rows and lays out the list.
func (m *Model) apply() {
	kind := ""
	if m.kind > 0 {
		kind = model.ActivityKinds[m.kind-1].Key
	}
	from, to := dayKey(m.from), dayKey(m.to)
	m.shown = m.shown[:0]
	m.lines = m.lines[:0]
	m.rowLine = m.rowLine[:0]
	lastDay := int32(-1)
	for i := range m.candidates() {
		r := &m.rows[i]
		if kind != "" && r.Kind != kind || m.leadID != "" && r.LeadID != m.leadID {
			continue
		}
		day := m.days[i]
		if from != 0 && day < from || to != 0 && day > to {
			continue
		}
		if day != lastDay {
			m.lines = append(m.lines, line{row: -1, day: fmt.Sprintf("%04d-%02d-%02d", day/10000, day/100%100, day%100)})
			lastDay = day
		}
		m.rowLine = append(m.rowLine, len(m.lines))
		m.lines = append(m.lines, line{row: len(m.shown)})
		m.shown = append(m.shown, i)
	}
	m.sel = max(0, min(m.sel, len(m.shown)-1))
	m.scroll()
}

// candidates yields, in order, the rows the words let through: with
// words, only the rows of the answer's bits, so a keystroke costs the
// hits, not the book.
func (m *Model) candidates() iter.Seq[int] {
	return func(yield func(int) bool) {
		if m.match == nil {
			for i := range m.rows {
				if !yield(i) {
					return
				}
			}
			return
		}
		for w, word := range m.match {
			for ; word != 0; word &= word - 1 {
				if !yield(w*64 + bits.TrailingZeros64(word)) {
					return
				}
			}
		}
	}
}

// dayKey is d as yyyymmdd; 0 for the zero date.
func dayKey(d model.Date) int32 {
	if d.IsZero() {
		return 0
	}
	return int32(d.Y*10000 + int(d.M)*100 + d.D)
}

// lineOf returns the list line of shown row i.
func (m *Model) lineOf(i int) int {
	if i < 0 || i >= len(m.rowLine) {
		return 0
	}
	return m.rowLine[i]
}

func (m *Model) listRows() int { return max(1, m.hgt-2) }

func (m *Model) scroll() {
	if len(m.shown) == 0 {
		m.top = 0
		return
	}
	l := m.lineOf(m.sel)
	if l-1 < m.top {
		m.top = max(0, l-1)
	}
	if l >= m.top+m.listRows() {
		m.top = l - m.listRows() + 1
	}
}

// Selected returns the selected row.
func (m Model) Selected() (store.ActivityRow, bool) {
	if m.sel < 0 || m.sel >= len(m.shown) {
		return store.ActivityRow{}, false
	}
	return m.rows[m.shown[m.sel]], true
}
