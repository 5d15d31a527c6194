package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// globalKeys work on every page; over an overlay only Quit (ctrl+c),
// Help and Capture do (see Model.globalKey).
type globalKeys struct {
	Quit, ForceQuit, Help                      key.Binding
	Board, Today, Visits, Reports, Approvals   key.Binding
	Palette, Capture, Rejected, SyncNow, Trash key.Binding
}

func newGlobalKeys(t func(string) string, remap map[string][]string) globalKeys {
	b := common.Binder(t, remap)
	return globalKeys{
		Quit:      b("quit", "key.quit", "q"),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c")),
		Help:      b("help", "key.help", "?"),
		Board:     b("go_board", "key.go_board", "1"),
		Today:     b("go_today", "key.go_today", "2"),
		Visits:    b("go_visits", "key.go_visits", "3"),
		Reports:   b("reports", "key.reports", "4"),
		Approvals: b("approvals", "key.approvals", "5"),
		Palette:   b("palette", "key.palette", "ctrl+k", ":"),
		Capture:   b("capture", "key.capture", "ctrl+n"),
		Rejected:  b("rejected", "key.rejected", "!"),
		SyncNow:   b("sync_now", "key.sync_now", "ctrl+s"),
		Trash:     b("trash", "key.trash", "T"),
	}
}

// column lists the keys for the help: on a page all of them, the screens
// as one line; over an overlay the three that work there.
func (g globalKeys) column(t func(string) string, overPage bool) []key.Binding {
	if !overPage {
		return []key.Binding{g.Capture, g.Help}
	}
	screens := key.NewBinding(key.WithKeys(g.Board.Keys()...),
		key.WithHelp(g.Board.Help().Key+g.Today.Help().Key+g.Visits.Help().Key, t("key.screens")))
	return []key.Binding{screens, g.Reports, g.Approvals, g.Palette, g.Capture, g.Rejected, g.Trash, g.SyncNow, g.Help, g.Quit}
}

// globalKey is the one place that decides whether a key is the root's:
// ctrl+c always is; while a text field has focus only ctrl+n is (letters
// are text); over an overlay ? and ctrl+n are, unless the overlay binds
// them itself; on a page every global key is. Anything else goes to the
// top overlay or the page.
func (m *Model) globalKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	g := m.keys
	if key.Matches(k, g.ForceQuit) {
		return tea.Quit, true
	}
	top := m.top()
	var km help.KeyMap
	focused := false
	if top != nil {
		km, focused = top.KeyMap(), top.InputFocused()
	} else {
		km, focused = m.page().KeyMap(), m.page().InputFocused()
	}
	if key.Matches(k, g.Capture) && !binds(km, k) {
		return m.captureHere(), true
	}
	if focused {
		return nil, false
	}
	if key.Matches(k, g.Help) && (top == nil || !binds(km, k)) {
		return m.openHelp(), true
	}
	if top != nil {
		return nil, false
	}
	switch {
	case key.Matches(k, g.Quit):
		return tea.Quit, true
	case key.Matches(k, g.Board):
		return m.goTo(screenBoard), true
	case key.Matches(k, g.Today):
		return m.goTo(screenToday), true
	case key.Matches(k, g.Visits):
		return m.goTo(screenVisits), true
	case key.Matches(k, g.Reports):
		return m.goTo(screenReports), true
	case key.Matches(k, g.Approvals):
		return m.goTo(screenApprovals), true
	case key.Matches(k, g.Palette):
		return m.openPalette(), true
	case key.Matches(k, g.Rejected):
		return m.openRejected(), true
	case key.Matches(k, g.Trash):
		return m.openTrash(), true
	case key.Matches(k, g.SyncNow):
		m.sync.SyncNow()
		return nil, true
	}
	return nil, false
}

// helpOverlay shows every key of the layer under it and the global keys,
// in as many bands of columns as the width needs, so nothing is cut off at
// 80 columns. ? or esc closes it.
type helpOverlay struct {
	cols   [][]key.Binding // the layer's own
	global []key.Binding
	close  key.Binding
	width  int
	// drawn caches render's result for drawnW: layout and View both ask.
	drawn  string
	drawnW int
}

func (o *helpOverlay) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, o.close) {
		return pop(o)
	}
	return nil
}

// View is empty: the root draws the layer below, and the help in the
// footer's place (see Model.footer).
func (o *helpOverlay) View() string           { return "" }
func (o *helpOverlay) SetSize(w, h int)       { o.width = w }
func (o *helpOverlay) KeyMap() help.KeyMap    { return keyList{o.close} }
func (o *helpOverlay) InputFocused() bool     { return false }
func (o *helpOverlay) Lead() (string, string) { return "", "" }

// render lays out the layer's columns and the global keys, these cut into
// columns of the height that takes the fewest lines.
func (o *helpOverlay) render(st help.Styles) string {
	if o.drawn != "" && o.drawnW == o.width {
		return o.drawn
	}
	// Plan with the columns' sizes, draw only the plan chosen: styling is
	// what costs.
	var best [][][]key.Binding
	fewest := 0
	for h := 1; h <= max(1, len(o.global)); h++ {
		cols := slices.Clone(o.cols)
		for g := range slices.Chunk(o.global, h) {
			cols = append(cols, g)
		}
		bands, lines := planBands(cols, o.width)
		// On a tie the taller columns win: fewer of them read better.
		if best == nil || lines <= fewest {
			best, fewest = bands, lines
		}
	}
	out := make([]string, len(best))
	for i, band := range best {
		drawn := make([][]string, len(band))
		for j, col := range band {
			drawn[j] = helpColumn(col, st)
		}
		out[i] = joinColumns(drawn, helpGap)
	}
	o.drawn, o.drawnW = strings.Join(out, "\n"), o.width
	return o.drawn
}

// helpGap is the space between two columns of the help.
const helpGap = 3

// planBands lays columns out side by side, starting a new band of columns
// whenever the next one would pass the width; lines is the height of all
// the bands.
func planBands(cols [][]key.Binding, width int) (bands [][][]key.Binding, lines int) {
	var band [][]key.Binding
	used, tall := 0, 0
	for _, col := range cols {
		w, h := columnSize(col)
		if len(band) > 0 && used+helpGap+w > width {
			bands, lines = append(bands, band), lines+tall
			band, used, tall = nil, 0, 0
		}
		if len(band) > 0 {
			used += helpGap
		}
		band, used, tall = append(band, col), used+w, max(tall, h)
	}
	if len(band) > 0 {
		bands, lines = append(bands, band), lines+tall
	}
	return bands, lines
}

// shownInHelp reports whether a binding has a line in the help.
func shownInHelp(b key.Binding) bool { return b.Enabled() && b.Help().Key != "" }

// columnSize is the width and height of a column as helpColumn draws it.
func columnSize(col []key.Binding) (w, h int) {
	kw := 0
	for _, b := range col {
		if shownInHelp(b) {
			kw = max(kw, common.Width(b.Help().Key))
		}
	}
	for _, b := range col {
		if shownInHelp(b) {
			w, h = max(w, kw+1+common.Width(b.Help().Desc)), h+1
		}
	}
	return w, h
}

// helpColumn draws one column: the keys aligned, then their help.
func helpColumn(col []key.Binding, st help.Styles) []string {
	kw := 0
	for _, b := range col {
		if shownInHelp(b) {
			kw = max(kw, common.Width(b.Help().Key))
		}
	}
	var out []string
	for _, b := range col {
		if !shownInHelp(b) {
			continue
		}
		k := b.Help().Key
		out = append(out, st.FullKey.Render(k+strings.Repeat(" ", kw-common.Width(k)))+" "+st.FullDesc.Render(b.Help().Desc))
	}
	return out
}

// joinColumns puts columns of lines side by side, gap cells apart.
func joinColumns(cols [][]string, gap int) string {
	widths := make([]int, len(cols))
	rows := 0
	for i, c := range cols {
		rows = max(rows, len(c))
		for _, l := range c {
			widths[i] = max(widths[i], common.Width(l))
		}
	}
	lines := make([]string, rows)
	for r := range rows {
		var b strings.Builder
		for i, c := range cols {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if i < len(cols)-1 {
				cell += strings.Repeat(" ", widths[i]-common.Width(cell)+gap)
			}
			b.WriteString(cell)
		}
		lines[r] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}

// keyList is a fixed list of keys as a help.KeyMap.
type keyList []key.Binding

func (l keyList) ShortHelp() []key.Binding  { return l }
func (l keyList) FullHelp() [][]key.Binding { return [][]key.Binding{l} }

// openHelp shows the full help of what has the keyboard.
func (m *Model) openHelp() tea.Cmd {
	var km help.KeyMap
	top := m.top()
	if top != nil {
		km = top.KeyMap()
	} else {
		km = m.page().KeyMap()
	}
	cols := slices.Clone(km.FullHelp())
	shown := map[string]bool{}
	for _, col := range cols {
		for _, b := range col {
			shown[b.Help().Key] = true
		}
	}
	// Pages list ? and q among their own keys; the rest are the root's.
	global := slices.DeleteFunc(m.keys.column(m.c.T, top == nil), func(b key.Binding) bool { return shown[b.Help().Key] })
	close := key.NewBinding(key.WithKeys(append(m.keys.Help.Keys(), "esc")...), key.WithHelp(m.keys.Help.Help().Key+"/esc", m.c.T("key.close_help")))
	return m.push(&helpOverlay{cols: cols, global: global, close: close})
}
