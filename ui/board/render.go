package board

import (
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/styles"
)

// View draws the board in exactly its width and height. It costs in
// proportion to the cards on screen, not to the size of the book.
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.titleLine())
	n := m.visibleCols()
	colW := m.colWidths(n)
	bodyH := m.height - titleLines
	cols := make([][]string, n)
	for i := range n {
		cols[i] = m.column(m.left+i, colW[i], bodyH)
	}
	sep := m.c.Styles.Board.Separator.Render("│")
	var b strings.Builder
	for r := range bodyH {
		b.Reset()
		for i := range n {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(cols[i][r])
		}
		lines = append(lines, b.String())
	}
	return strings.Join(lines, "\n")
}

// colWidths splits the width between n columns and their separators.
func (m Model) colWidths(n int) []int {
	avail := m.width - (n - 1)
	ws := make([]int, n)
	for i := range ws {
		ws[i] = avail / n
		if i < avail%n {
			ws[i]++
		}
	}
	return ws
}

func (m Model) titleLine() string {
	st := m.c.Styles
	left := st.App.Title.Render(m.c.T("board.title"))
	info := m.c.Tf("board.sorted_by", m.c.T(m.sort.key()))
	if n := len(m.cols); m.visibleCols() < n {
		info += "  " + m.c.Tf("board.columns", m.left+1, m.left+m.visibleCols(), n)
	}
	line := left + "  " + st.Board.Sum.Render(info)
	if m.filtering || m.filter.Value() != "" {
		fw := max(10, m.width/3)
		f := m.filter.View()
		if !m.filtering {
			f = st.Board.Filter.Render("/ " + m.filter.Value())
		}
		return common.Fit(line, m.width-fw-1) + " " + common.Fit(f, fw)
	}
	return common.Fit(line, m.width)
}

// column draws stage ci as h lines of exactly w cells.
func (m Model) column(ci, w, h int) []string {
	st := &m.c.Styles.Board
	stage := m.c.Rules.Pipeline.Stages[ci]
	cards, sum := m.cols[ci], m.sums[ci]
	out := make([]string, 0, h)
	hs := st.Header
	if ci == m.col {
		hs = st.HeaderSel
	}
	out = append(out,
		hs.Render(common.Fit(stage.Label(m.c.Lang())+" ("+strconv.Itoa(m.count(ci))+")", w)),
		st.Sum.Render(common.Fit(m.c.T("board.total")+" "+m.c.Cat.Amount(sum.total), w)),
		st.Sum.Render(common.Fit(m.c.T("board.weighted")+" "+m.c.Cat.Amount(sum.weighted), w)),
		st.Rule.Render(strings.Repeat("─", w)),
	)
	blank := strings.Repeat(" ", w)
	if len(cards) == 0 {
		out = append(out, st.Empty.Render(common.Fit("  "+m.c.T("board.empty"), w)))
	}
	top, slots := m.tops[ci], m.slots()
	today := m.c.Today()
	end := min(len(cards), top+slots)
	for r := top; r < end && len(out)+cardLines <= h; r++ {
		sel := ci == m.col && r == m.rows[ci]
		out = append(out, m.card(cards[r], w, sel, today)...)
	}
	for len(out) < h-1 {
		out = append(out, blank)
	}
	if len(out) < h {
		more, n := "", m.count(ci)
		switch {
		case end < n && top > 0:
			more = m.c.Tf("board.more_both", top, n-end)
		case end < n:
			more = m.c.Tf("board.more_below", n-end)
		case top > 0:
			more = m.c.Tf("board.more_above", top)
		}
		out = append(out, st.Sum.Render(common.Fit("  "+more, w)))
	}
	return out[:h]
}

// cardKey names one drawn card: drawing depends on the card, the width,
// the selection, the styles and the day (overdue, today).
type cardKey struct {
	i, w  int
	sel   bool
	st    *styles.Styles
	today model.Date
}

// maxCached bounds the drawn-card cache (a few screens' worth).
const maxCached = 2048

// card returns card i drawn as cardLines lines of exactly w cells, from
// the cache when it was drawn before: a key press redraws only what it
// changed.
func (m Model) card(i, w int, sel bool, today model.Date) []string {
	k := cardKey{i: i, w: w, sel: sel, st: m.c.Styles, today: today}
	if lines, ok := m.drawn[k]; ok {
		return lines
	}
	if len(m.drawn) >= maxCached {
		clear(m.drawn)
	}
	lines := m.drawCard(&m.cards[i], w, sel, today)
	m.drawn[k] = lines
	return lines
}

func (m Model) drawCard(c *store.Card, w int, sel bool, today model.Date) []string {
	st := &m.c.Styles.Board
	gutter := "  "
	if sel {
		gutter = st.Selected.Render("┃ ")
	}
	iw := w - 2
	company := st.Company.Render(common.Fit(common.OneLine(c.Company), iw))
	contact := c.Contact
	if contact == "" {
		contact = "—"
	}
	parts := []string{st.Value.Render(m.c.Cat.Amount(c.Value))}
	if !c.NextDue.IsZero() {
		switch b := model.BucketOf(c.NextDue, today); b {
		case model.Overdue:
			parts = append(parts, st.Overdue.Render("!"+shortDate(c.NextDue, today)))
		case model.DueToday:
			parts = append(parts, st.DueToday.Render(m.c.T("board.today")))
		default:
			parts = append(parts, st.Due.Render(shortDate(c.NextDue, today)))
		}
	}
	// A lead past its stage's limit says how long it has gone untouched,
	// in the rotting colour: the same figure as today and the reports.
	if now := m.c.Now(); c.RottingDays(m.c.Rules.Pipeline, now) > 0 {
		parts = append(parts, st.Rotting.Render(m.c.Tf("board.idle", model.IdleDays(c.LastTouch(), now))))
	}
	return []string{
		gutter + company,
		gutter + st.Contact.Render(common.Fit(common.OneLine(contact), iw)),
		gutter + common.Fit(strings.Join(parts, " "), iw),
		strings.Repeat(" ", w),
	}
}

// shortDate is MM-DD this year, the full date otherwise.
func shortDate(d, today model.Date) string {
	if d.Y == today.Y {
		return d.String()[5:]
	}
	return d.String()
}
