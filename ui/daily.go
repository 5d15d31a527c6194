package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/today"
)

// The screens of the daily work (today, the visit log) and the panes that
// open over any screen (the palette, quick capture, visit mode) are routed
// here, so app.go only names them.

// daily holds those screens and panes.
type daily struct {
	today today.Model
	keys  dailyKeys
	// from is the screen a lead was opened from, where esc goes back to.
	from screen
	// inner is set while the rest of the root handles a message this file
	// already looked at.
	inner bool
}

// dailyKeys are the keys that work on every screen outside text fields.
type dailyKeys struct {
	Board, Today, Visits, Palette, Capture key.Binding
}

func newDaily(c *common.Common, remap map[string][]string) daily {
	b := func(name, help string, keys ...string) key.Binding {
		if k, ok := remap[name]; ok && len(k) > 0 {
			keys = k
		}
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], c.T(help)))
	}
	return daily{
		today: today.New(c, remap),
		keys: dailyKeys{
			Board:   b("go_board", "key.go_board", "1"),
			Today:   b("go_today", "key.go_today", "2"),
			Visits:  b("go_visits", "key.go_visits", "3"),
			Palette: b("palette", "key.palette", "ctrl+k", ":"),
			Capture: b("capture", "key.capture", "ctrl+n"),
		},
	}
}

// dailyScreen reports whether the active screen is one of this file's.
func (m Model) dailyScreen() bool { return m.screen == screenToday }

// handleDaily looks at every message first. Input goes to an open pane or
// to this file's screens; the switching keys work everywhere outside text
// fields. Other messages go to this file's parts and then on to the rest
// of the root.
func (m Model) handleDaily(msg tea.Msg) (Model, tea.Cmd, bool) {
	if m.d.inner {
		return m, nil, false
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if m.form != nil || m.board.InputFocused() {
			return m, nil, false
		}
		if cmd, done := m.switchKey(k); done {
			return m, cmd, true
		}
		if m.dailyScreen() {
			if cmd, done := m.globalKey(k); done {
				return m, cmd, true
			}
			var cmd tea.Cmd
			m.d.today, cmd = m.d.today.Update(msg)
			return m, cmd, true
		}
		return m, nil, false
	}
	if isInput(msg) {
		return m, nil, false
	}
	var mine tea.Cmd
	switch msg := msg.(type) {
	case common.GoMsg:
		return m, m.goTo(msg.To), true
	case common.OpenLeadMsg:
		m.d.from = m.screen
		if m.screen == screenLead {
			m.d.from = screenBoard
		}
	case common.BackMsg:
		if m.screen == screenLead && m.d.from != screenBoard {
			m.screen = m.d.from
			return m, m.layout(), true
		}
	case common.ChangedMsg, forms.DoneMsg:
		if m.d.today.Loaded() {
			mine = m.d.today.Load()
		}
	default:
		m.d.today, mine = m.d.today.Update(msg)
	}
	m.d.inner = true
	r, cmd := m.Update(msg)
	rm := r.(Model)
	rm.d.inner = false
	return rm, tea.Batch(mine, cmd), true
}

// switchKey handles the number keys, the palette and quick capture.
func (m *Model) switchKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	dk := m.d.keys
	switch {
	case key.Matches(k, dk.Board):
		return m.goTo(common.ScreenBoard), true
	case key.Matches(k, dk.Today):
		return m.goTo(common.ScreenToday), true
	}
	return nil, false
}

// goTo shows a screen, reading it afresh.
func (m *Model) goTo(s common.Screen) tea.Cmd {
	switch s {
	case common.ScreenToday:
		m.screen = screenToday
		return tea.Batch(m.d.today.Load(), m.layout())
	default:
		m.screen = screenBoard
		return tea.Batch(m.board.Reload(), m.layout())
	}
}

// layoutDaily sizes this file's screens and panes.
func (m *Model) layoutDaily(w, h int) {
	m.d.today.SetSize(w, h)
}

// dailyView draws the active screen of this file.
func (m Model) dailyView() string {
	return m.d.today.View()
}

// dailyKeyMap is the help of the active screen of this file.
func (m Model) dailyKeyMap() help.KeyMap {
	return m.d.today.KeyMap()
}

// withDailyKeys adds the switching keys to a screen's full help.
type withDailyKeys struct {
	help.KeyMap
	k dailyKeys
}

func (w withDailyKeys) FullHelp() [][]key.Binding {
	return append(w.KeyMap.FullHelp(), []key.Binding{w.k.Board, w.k.Today, w.k.Visits, w.k.Palette, w.k.Capture})
}
