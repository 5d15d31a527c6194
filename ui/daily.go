package ui

import (
	"errors"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/palette"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
	"github.com/fieldcrm/fieldcrm/ui/today"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// The screens of the daily work (today, the visit log) and the panes that
// open over any screen (quick capture, visit mode, the drafts offer, the
// palette) are routed here, so app.go only names them.

// pane is what shows over the screens.
type pane int

const (
	paneNone pane = iota
	paneCapture
	paneVisit
	paneOffer
	panePalette
)

// daily holds those screens and panes.
type daily struct {
	today  today.Model
	visits visits.Model
	keys   dailyKeys
	tmpl   capture.Template

	pane    pane
	capture capture.Model
	capOpen bool // a capture exists (shown or hidden with its draft)
	visit   capture.Visit
	visitOn bool // a visit is open
	ending  bool // the form that ends the visit is open
	offer   capture.Offer
	palette palette.Model

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

func newDaily(c *common.Common, remap map[string][]string, tmpl func(stage, lang string) string) daily {
	b := common.Binder(c.T, remap)
	if tmpl == nil {
		tmpl = model.DefaultTemplate
	}
	return daily{
		today: today.New(c, remap), visits: visits.New(c, remap),
		tmpl: tmpl,
		keys: dailyKeys{
			Board:   b("go_board", "key.go_board", "1"),
			Today:   b("go_today", "key.go_today", "2"),
			Visits:  b("go_visits", "key.go_visits", "3"),
			Palette: b("palette", "key.palette", "ctrl+k", ":"),
			Capture: b("capture", "key.capture", "ctrl+n"),
		},
	}
}

// dailyInit offers back the notes left unsaved last time, reopens a
// visit left open, and reads the daily review in the background, so that
// 2 shows it at once (and reads it again behind the frame).
func (m Model) dailyInit() tea.Cmd {
	return tea.Batch(capture.LoadDrafts(m.c, capture.DraftKind, visits.EditDraftKind), capture.ResumeVisit(m.c), m.d.today.Prefetch())
}

// dailyScreen reports whether this file draws the body: a pane is open or
// the active screen is one of this file's.
func (m Model) dailyScreen() bool {
	return m.d.pane != paneNone || m.screen == screenToday || m.screen == screenVisits
}

// handleDaily looks at every message first. Input goes to an open pane or
// to this file's screens; the switching keys work everywhere outside text
// fields. Other messages go to this file's parts and then on to the rest
// of the root.
func (m Model) handleDaily(msg tea.Msg) (Model, tea.Cmd, bool) {
	if m.d.inner {
		return m, nil, false
	}
	if isInput(msg) {
		if m.form != nil || m.sync.RejectedOpen() {
			return m, nil, false
		}
		if m.d.pane != paneNone {
			m, cmd := m.updatePane(msg)
			return m, cmd, true
		}
		if m.screen == screenVisits && m.d.visits.InputFocused() {
			var cmd tea.Cmd
			m.d.visits, cmd = m.d.visits.Update(msg)
			return m, cmd, true
		}
		k, ok := msg.(tea.KeyPressMsg)
		if !ok || m.board.InputFocused() {
			return m, nil, false
		}
		if cmd, done := m.switchKey(k); done {
			return m, cmd, true
		}
		if m.screen == screenToday || m.screen == screenVisits {
			if cmd, done := m.globalKey(k); done {
				return m, cmd, true
			}
			var cmd tea.Cmd
			if m.screen == screenToday {
				m.d.today, cmd = m.d.today.Update(msg)
			} else {
				m.d.visits, cmd = m.d.visits.Update(msg)
			}
			return m, cmd, true
		}
		return m, nil, false
	}
	m, mine, done := m.dailyMsg(msg)
	if done {
		return m, mine, true
	}
	m.d.inner = true
	r, cmd := m.Update(msg)
	rm := r.(Model)
	rm.d.inner = false
	return rm, tea.Batch(mine, cmd), true
}

// dailyMsg takes the messages of this file's parts. done says the rest of
// the root need not see msg.
func (m Model) dailyMsg(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case common.GoMsg:
		return m, m.goTo(msg.To), true
	case common.HelpMsg:
		m.help.ShowAll = !m.help.ShowAll
		return m, m.layout(), true
	case common.QuitMsg:
		return m, tea.Quit, true
	case common.PaletteMsg:
		return m, m.openPalette(), true
	case palette.ClosedMsg:
		m.d.pane = paneNone
		if msg.Then != nil {
			return m, tea.Batch(m.layout(), common.Emit(msg.Then)), true
		}
		return m, m.layout(), true
	case common.CaptureMsg:
		return m, m.openCapture(msg.LeadID, msg.Company), true
	case common.StartVisitMsg:
		if m.d.visitOn {
			if m.d.visit.ActivityID() != "" && msg.LeadID != "" {
				m.d.pane = paneVisit
				return m, common.ReportErr(errors.New(m.c.T("visit.already_open"))), true
			}
			m.d.pane = paneVisit
			return m, m.layout(), true
		}
		return m, capture.StartVisit(m.c, msg.LeadID, m.d.tmpl), true
	case capture.VisitOpenedMsg:
		if msg.Err != nil {
			return m, common.ReportErr(msg.Err), true
		}
		m.d.visit, m.d.visitOn, m.d.pane = capture.NewVisit(m.c, msg), true, paneVisit
		notice := m.c.Tf("visit.started", msg.Act.StartedAt.In(m.c.Location()).Format("15:04"))
		if msg.Resumed {
			notice = m.c.Tf("visit.resumed", msg.Company)
		}
		m.notice, m.err = notice, ""
		return m, tea.Batch(m.layout(), common.Emit(common.ChangedMsg{LeadID: msg.Act.LeadID})), true
	case capture.VisitHiddenMsg:
		m.d.pane = paneNone
		return m, m.layout(), true
	case capture.ClosedMsg:
		m.d.pane = paneNone
		if msg.Saved {
			m.d.capOpen = false
		}
		return m, m.layout(), true
	case capture.DraftsMsg:
		if msg.Err != nil {
			return m, common.ReportErr(msg.Err), true
		}
		if m.d.pane == paneNone {
			m.d.offer, m.d.pane = capture.NewOffer(m.c, msg.Drafts), paneOffer
			m.d.offer.SetWidth(m.c.Width)
		}
		return m, nil, true
	case capture.ResumeMsg:
		m.d.pane = paneNone
		var cmd tea.Cmd
		if msg.Draft.Kind == visits.EditDraftKind {
			m.screen = screenVisits
			load := m.d.visits.Load()
			m.d.visits, cmd = m.d.visits.ResumeEdit(msg.Draft)
			return m, tea.Batch(load, cmd, m.layout()), true
		}
		m.d.capture, cmd = capture.New(m.c, msg.Draft)
		m.d.capOpen, m.d.pane = true, paneCapture
		return m, tea.Batch(cmd, m.layout()), true
	case capture.OfferDoneMsg:
		m.d.pane = paneNone
		return m, m.layout(), true
	case common.OpenLeadMsg:
		m.d.pane, m.d.from = paneNone, m.screen
		if m.screen == screenLead {
			m.d.from = screenBoard
		}
	case common.BackMsg:
		if m.screen == screenLead && m.d.from != screenBoard {
			m.screen = m.d.from
			var cmd tea.Cmd
			if m.screen == screenToday {
				cmd = m.d.today.Load()
			}
			return m, tea.Batch(cmd, m.layout()), true
		}
	case forms.OpenMsg:
		m.d.ending = m.d.pane == paneVisit
	case forms.DoneMsg:
		if m.d.ending {
			m.d.ending = false
			if msg.Then != nil {
				m.d.visitOn, m.d.pane = false, paneNone
				m.layout()
			}
		}
		return m, m.reloadDaily(), false
	case common.ChangedMsg:
		return m, m.reloadDaily(), false
	case stampMsg:
		// Another process (the CLI, an import, a sync) wrote: read again.
		if msg.err == nil && !msg.own && m.seen != (fileStamp{}) && msg.stamp != m.seen {
			return m, m.reloadDaily(), false
		}
	case syncstatus.PulledMsg:
		return m, m.reloadDaily(), false
	}
	// Replies: each part takes its own and ignores the rest.
	var cmds []tea.Cmd
	var cmd tea.Cmd
	m.d.today, cmd = m.d.today.Update(msg)
	cmds = append(cmds, cmd)
	m.d.visits, cmd = m.d.visits.Update(msg)
	cmds = append(cmds, cmd)
	if m.d.capOpen {
		m.d.capture, cmd = m.d.capture.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.d.visitOn {
		m.d.visit, cmd = m.d.visit.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.d.pane == panePalette {
		m.d.palette, cmd = m.d.palette.Update(msg)
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...), false
}

// updatePane gives input to the open pane.
func (m Model) updatePane(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.d.pane {
	case paneCapture:
		m.d.capture, cmd = m.d.capture.Update(msg)
	case paneVisit:
		m.d.visit, cmd = m.d.visit.Update(msg)
	case paneOffer:
		m.d.offer, cmd = m.d.offer.Update(msg)
	case panePalette:
		m.d.palette, cmd = m.d.palette.Update(msg)
	}
	return m, cmd
}

// reloadDaily reads again the screens of this file that were shown.
func (m *Model) reloadDaily() tea.Cmd {
	var cmds []tea.Cmd
	if m.d.today.Loaded() {
		cmds = append(cmds, m.d.today.Load())
	}
	// The visit log reads every activity: only while it shows (3 reads
	// it again anyway).
	if m.d.visits.Loaded() && m.screen == screenVisits {
		cmds = append(cmds, m.d.visits.Load())
	}
	return tea.Batch(cmds...)
}

// openPalette shows the command palette.
func (m *Model) openPalette() tea.Cmd {
	var cmd tea.Cmd
	m.d.palette, cmd = palette.New(m.c)
	m.d.palette.SetWidth(m.c.Width)
	m.d.pane = panePalette
	return tea.Batch(cmd, m.layout())
}

// openCapture shows quick capture: the note being captured when there is
// one, else a new one (for a lead when leadID is set).
func (m *Model) openCapture(leadID, company string) tea.Cmd {
	m.d.pane = paneCapture
	if m.d.capOpen {
		return m.layout()
	}
	var cmd tea.Cmd
	m.d.capture, cmd = capture.New(m.c, captureDraft(leadID, company))
	m.d.capOpen = true
	return tea.Batch(cmd, m.layout())
}

// switchKey handles the number keys, the palette and quick capture.
func (m *Model) switchKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	dk := m.d.keys
	switch {
	case key.Matches(k, dk.Board):
		return m.goTo(common.ScreenBoard), true
	case key.Matches(k, dk.Today):
		return m.goTo(common.ScreenToday), true
	case key.Matches(k, dk.Visits):
		return m.goTo(common.ScreenVisits), true
	case key.Matches(k, dk.Palette):
		return m.openPalette(), true
	case key.Matches(k, dk.Capture):
		id, company := "", ""
		if m.screen == screenLead {
			id = m.lead.ID()
		}
		return m.openCapture(id, company), true
	}
	return nil, false
}

// goTo shows a screen, reading it afresh.
func (m *Model) goTo(s common.Screen) tea.Cmd {
	m.d.pane = paneNone
	switch s {
	case common.ScreenToday:
		m.screen = screenToday
		return tea.Batch(m.d.today.Load(), m.layout())
	case common.ScreenVisits:
		m.screen = screenVisits
		return tea.Batch(m.d.visits.Load(), m.layout())
	default:
		m.screen = screenBoard
		return tea.Batch(m.board.Reload(), m.layout())
	}
}

// layoutDaily sizes this file's screens and panes.
func (m *Model) layoutDaily(w, h int) {
	m.d.today.SetSize(w, h)
	m.d.visits.SetSize(w, h)
	if m.d.capOpen {
		m.d.capture.SetSize(w, h)
	}
	if m.d.visitOn {
		m.d.visit.SetSize(w, h)
	}
	m.d.offer.SetWidth(w)
	m.d.palette.SetWidth(w)
}

func captureDraft(leadID, company string) store.Draft {
	return store.Draft{Kind: capture.DraftKind, LeadID: leadID, Company: company}
}

// dailyView draws the open pane or the active screen of this file.
func (m Model) dailyView() string {
	switch m.d.pane {
	case paneCapture:
		return m.d.capture.View()
	case paneVisit:
		return m.d.visit.View()
	case paneOffer:
		return m.d.offer.View()
	case panePalette:
		return m.d.palette.View()
	}
	if m.screen == screenVisits {
		return m.d.visits.View()
	}
	return m.d.today.View()
}

// dailyKeyMap is the help of the open pane or the active screen.
func (m Model) dailyKeyMap() help.KeyMap {
	switch m.d.pane {
	case paneCapture:
		return m.d.capture.KeyMap()
	case paneVisit:
		return m.d.visit.KeyMap()
	case paneOffer:
		return m.d.offer.KeyMap()
	case panePalette:
		return m.d.palette.KeyMap()
	}
	if m.screen == screenVisits {
		return m.d.visits.KeyMap()
	}
	return m.d.today.KeyMap()
}

// withDailyKeys adds the switching keys to the last column of a screen's
// full help (one more column would not fit 80 cells).
type withDailyKeys struct {
	help.KeyMap
	k       dailyKeys
	screens string
}

func (w withDailyKeys) FullHelp() [][]key.Binding {
	cols := w.KeyMap.FullHelp()
	screens := key.NewBinding(key.WithKeys(w.k.Board.Keys()...),
		key.WithHelp(w.k.Board.Help().Key+w.k.Today.Help().Key+w.k.Visits.Help().Key, w.screens))
	mine := []key.Binding{screens, w.k.Palette, w.k.Capture}
	if len(cols) == 0 {
		return [][]key.Binding{mine}
	}
	last := append(append([]key.Binding(nil), cols[len(cols)-1]...), mine...)
	return append(cols[:len(cols)-1:len(cols)-1], last)
}
