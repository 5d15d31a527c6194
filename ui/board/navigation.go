package board

import (
	"cmp"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// sortMode orders the cards inside a column.
type sortMode int

const (
	sortDue     sortMode = iota // next follow-up first; none last
	sortValue                   // biggest value first
	sortTouched                 // untouched longest first
	sortModes
)

func (s sortMode) key() string {
	return [...]string{"board.sort_due", "board.sort_value", "board.sort_touched"}[s]
}

// setCards replaces every card and rebuilds the columns, keeping the
// selected lead selected (the new cards may be in another order: the
// first screen's are).
func (m *Model) setCards(cards []store.Card) {
	if i := m.selectedIndex(); m.want == "" && i >= 0 {
		m.want = m.cards[i].ID
	}
	clear(m.drawn)
	m.cards = cards
	m.hay = make([]string, len(cards))
	for i := range cards {
		m.hay[i] = haystack(&cards[i])
	}
	m.rebuild()
}

func haystack(c *store.Card) string {
	return strings.ToLower(c.Company + "\x00" + c.Contact + "\x00" + c.City + "\x00" + strings.Join(c.Tags, "\x00"))
}

// rebuild files the cards that pass the filter into their columns, sorts
// each column and sums it, and keeps the selected lead selected.
func (m *Model) rebuild() {
	keep := m.want
	if keep == "" {
		if i := m.selectedIndex(); i >= 0 {
			keep = m.cards[i].ID
		}
	}
	p := m.c.Rules.Pipeline
	for i := range m.cols {
		m.cols[i] = m.cols[i][:0]
		m.sums[i] = colSum{}
	}
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	for i := range m.cards {
		c := &m.cards[i]
		s := p.Index(c.Stage)
		if s < 0 || (q != "" && !strings.Contains(m.hay[i], q)) {
			continue
		}
		m.cols[s] = append(m.cols[s], i)
		m.sums[s].total += c.Value
		m.sums[s].weighted += model.Weighted(c.Value, c.EffectiveProbability(p))
	}
	for _, col := range m.cols {
		m.sortColumn(col)
	}
	m.want = keep
	m.selectWanted()
}

func (m *Model) sortColumn(col []int) { slices.SortFunc(col, m.compare) }

// compare orders two cards (by index) in the current sort.
func (m *Model) compare(a, b int) int { return m.sort.compare(&m.cards[a], &m.cards[b]) }

// compare orders two cards in sort s; ties go by company, then id.
func (s sortMode) compare(x, y *store.Card) int {
	var c int
	switch s {
	case sortDue:
		c = cmpDue(x.NextDue, y.NextDue)
	case sortValue:
		c = cmp.Compare(y.Value, x.Value)
	case sortTouched:
		c = x.LastTouch().Compare(y.LastTouch())
	}
	if c != 0 {
		return c
	}
	if c = strings.Compare(x.Company, y.Company); c != 0 {
		return c
	}
	return strings.Compare(x.ID, y.ID)
}

// cmpDue orders due days, earliest first, no day last.
func cmpDue(a, b model.Date) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// selectWanted moves the selection to the wanted lead when it is on the
// board (it may arrive with the next load); otherwise it keeps the
// selection in range.
func (m *Model) selectWanted() {
	if m.want != "" {
		for ci, col := range m.cols {
			for ri, i := range col {
				if m.cards[i].ID == m.want {
					m.col, m.rows[ci] = ci, ri
					m.want = ""
					m.scrollIntoView()
					return
				}
			}
		}
	}
	m.clamp()
	m.scrollIntoView()
}

func (m *Model) clamp() {
	m.col = max(0, min(m.col, len(m.cols)-1))
	for i, col := range m.cols {
		m.rows[i] = max(0, min(m.rows[i], len(col)-1))
	}
}

// visibleCols returns how many columns fit the width.
func (m *Model) visibleCols() int {
	n := (m.width + 1) / (minColWidth + 1)
	return max(1, min(n, len(m.cols)))
}

// slots returns how many cards fit a column.
func (m *Model) slots() int {
	return max(1, (m.height-titleLines-headerLines-1)/cardLines)
}

// scrollIntoView keeps the selected column and each column's selected
// card on screen.
func (m *Model) scrollIntoView() {
	n := m.visibleCols()
	if m.col < m.left {
		m.left = m.col
	}
	if m.col >= m.left+n {
		m.left = m.col - n + 1
	}
	m.left = max(0, min(m.left, len(m.cols)-n))
	s := m.slots()
	for i := range m.cols {
		r := m.rows[i]
		if r < m.tops[i] {
			m.tops[i] = r
		}
		if r >= m.tops[i]+s {
			m.tops[i] = r - s + 1
		}
		m.tops[i] = max(0, min(m.tops[i], len(m.cols[i])-s))
	}
}

func (m *Model) moveSel(dc, dr int) {
	if dc != 0 {
		m.col = max(0, min(m.col+dc, len(m.cols)-1))
	}
	if dr != 0 {
		m.rows[m.col] += dr
	}
	m.clamp()
	m.scrollIntoView()
}

func (m *Model) first() { m.rows[m.col] = 0; m.scrollIntoView() }
func (m *Model) last()  { m.rows[m.col] = len(m.cols[m.col]) - 1; m.clamp(); m.scrollIntoView() }

// replaceCard puts a card changed by a move in place and re-files it:
// only its old and new columns change, so a move costs in proportion to
// those columns, not to the book.
func (m *Model) replaceCard(c store.Card) {
	i := slices.IndexFunc(m.cards, func(x store.Card) bool { return x.ID == c.ID })
	if i < 0 {
		m.cards = append(m.cards, c)
		m.hay = append(m.hay, "")
		i = len(m.cards) - 1
	} else if from := m.c.Rules.Pipeline.Index(m.cards[i].Stage); from >= 0 {
		m.cols[from] = slices.DeleteFunc(m.cols[from], func(x int) bool { return x == i })
		m.sum(from)
	}
	m.cards[i], m.hay[i] = c, haystack(&c)
	for k := range m.drawn {
		if k.i == i {
			delete(m.drawn, k)
		}
	}
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	if to := m.c.Rules.Pipeline.Index(c.Stage); to >= 0 && (q == "" || strings.Contains(m.hay[i], q)) {
		at, _ := slices.BinarySearchFunc(m.cols[to], i, m.compare)
		m.cols[to] = slices.Insert(m.cols[to], at, i)
		m.sum(to)
	}
	m.want = c.ID
	m.selectWanted()
}

// sum totals column ci.
func (m *Model) sum(ci int) {
	p := m.c.Rules.Pipeline
	s := colSum{}
	for _, i := range m.cols[ci] {
		c := &m.cards[i]
		s.total += c.Value
		s.weighted += model.Weighted(c.Value, c.EffectiveProbability(p))
	}
	m.sums[ci] = s
}
