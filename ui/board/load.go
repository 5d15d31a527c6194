package board

import (
	"slices"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// The board opens in two steps, so that its first frame does not wait for
// every card of a large book: first the cards the first screen shows (the
// first of each column in the board's order) with every column's count
// and sums, read in one pass that keeps almost nothing; then, once that
// frame is drawn, every card, as a reload reads them. The first frame is
// the frame the whole board draws: the same cards, counts and sums.

// firstCards is how many cards of each column the first screen is drawn
// from, at least: more than a terminal shows at once (the size may not be
// known yet when the read starts).
const firstCards = 64

// firstMsg carries the first screen: the first cards of every column,
// each column's cards (indexes into cards, in order), and every column's
// count and sums.
type firstMsg struct {
	req    int
	keep   int // cards kept per column
	all    int // every card, in a known stage or not
	cards  []store.Card
	cols   [][]int
	counts []int
	sums   []colSum
	err    error
}

// loadFirst reads the first screen for load request req.
func (m *Model) loadFirst(req int) tea.Cmd {
	bk, p, sort, keep := m.book, m.c.Rules.Pipeline, m.sort, max(firstCards, m.slots())
	return func() tea.Msg {
		n := len(p.Stages)
		tops := make([][]store.Card, n) // per column, in order
		msg := firstMsg{req: req, keep: keep, cols: make([][]int, n), counts: make([]int, n), sums: make([]colSum, n)}
		msg.err = bk.EachCard(func(c *store.Card) error {
			msg.all++
			s := p.Index(c.Stage)
			if s < 0 {
				return nil
			}
			msg.counts[s]++
			msg.sums[s].total += c.Value
			msg.sums[s].weighted += model.Weighted(c.Value, c.EffectiveProbability(p))
			top := tops[s]
			if len(top) == keep && sort.compare(c, &top[keep-1]) >= 0 {
				return nil
			}
			at, _ := slices.BinarySearchFunc(top, c, func(x store.Card, y *store.Card) int { return sort.compare(&x, y) })
			if len(top) == keep {
				top = top[:keep-1]
			}
			tops[s] = slices.Insert(top, at, c.Clone()) // c is lent
			return nil
		})
		for s, top := range tops {
			for _, c := range top {
				msg.cols[s] = append(msg.cols[s], len(msg.cards))
				msg.cards = append(msg.cards, c)
			}
		}
		return msg
	}
}

// handleFirst shows the first screen and reads every card behind it. It
// is dropped when the cards arrived first or a reload was asked since.
func (m Model) handleFirst(msg firstMsg) (Model, tea.Cmd) {
	if msg.req != m.loadReq || m.loaded {
		return m, nil
	}
	if msg.err != nil || m.slots() > msg.keep {
		// An error is said once, by the full read; a terminal grown
		// taller than the cards kept waits for them all.
		return m, m.load(m.loadReq)
	}
	clear(m.drawn)
	m.cards, m.cols, m.sums, m.counts, m.all = msg.cards, msg.cols, msg.sums, msg.counts, msg.all
	m.hay = make([]string, len(m.cards))
	for i := range m.cards {
		m.hay[i] = haystack(&m.cards[i])
	}
	keep := m.want
	m.selectWanted()
	m.want = keep // it may be further down a column: the full read finds it
	return m, m.load(m.loadReq)
}

// count is the number of cards in column ci: all of them, also while only
// the first screen's are read.
func (m *Model) count(ci int) int {
	if !m.loaded && m.counts != nil {
		return m.counts[ci]
	}
	return len(m.cols[ci])
}
