// Package ui is fieldcrm's terminal UI. The root model here only routes:
// it holds the screens (board, lead) and an open form, draws the help and
// status lines, and switches screens on the messages screens send.
package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/ui/board"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/lead"
	"github.com/fieldcrm/fieldcrm/ui/reports"
	"github.com/fieldcrm/fieldcrm/ui/styles"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
)

// Options configure the UI.
type Options struct {
	Data   common.Data
	Rules  model.Rules
	Lang   string
	DBPath string
	User   string
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// Keys remaps keys (config "keys": action name to keys).
	Keys map[string][]string
	// Dark picks the dark styles until the terminal says otherwise.
	Dark bool
	// Watch is how often the database file is checked for changes made by
	// other processes; zero means every 2 s, negative never.
	Watch time.Duration
	// Sync reaches the server; without a server and token nothing syncs.
	Sync syncstatus.Config
	// Plan is the commission plan the reports screen estimates with.
	Plan report.Plan
	// Template is the visit note template of a stage (config.Config.Template);
	// nil means the defaults.
	Template func(stage, lang string) string
}

type screen int

const (
	screenBoard screen = iota
	screenLead
	screenToday
	screenVisits
	screenReports
)

// Model is the root of the UI.
type Model struct {
	c      *common.Common
	screen screen
	board  board.Model
	lead   lead.Model
	d      daily
	form   *forms.Model
	help   help.Model
	keys   map[string][]string

	watch time.Duration
	seen  fileStamp

	sync     syncstatus.Model
	rootKeys rootKeys
	reports  reports.Model

	err, notice string
}

// New returns the UI's root model.
func New(o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &common.Common{
		Styles: styles.New(o.Dark), Cat: i18n.New(o.Lang), Rules: o.Rules, Data: o.Data,
		Now: o.Now, DBPath: o.DBPath, User: o.User,
	}
	if o.Watch == 0 {
		o.Watch = defaultWatch
	}
	m := Model{c: c, board: board.New(c, o.Keys), lead: lead.New(c, o.Keys), help: help.New(), keys: o.Keys, watch: o.Watch}
	m.help.Styles = help.DefaultStyles(o.Dark)
	m.d = newDaily(c, o.Keys, o.Template)
	m.sync, m.rootKeys = syncstatus.New(c, o.Sync), newRootKeys(c.T, o.Keys)
	m.reports = reports.New(c, o.Keys, o.Plan)
	return m
}

// Init loads the board and asks the terminal for its background.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.board.Init(), tea.RequestBackgroundColor, stampCmd(m.c.DBPath, true), m.watchTick(), m.sync.Init(), m.dailyInit())
}

// Update routes msg to the open form or the active screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m2, cmd, done := m.reportsInput(msg); done {
		return m2, cmd
	}
	if m2, cmd, done := m.handleDaily(msg); done {
		return m2, cmd
	}
	if m2, cmd, done := m.handleSync(msg); done {
		return m2, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		cmd := m.layout()
		if m.form != nil {
			var fc tea.Cmd
			m.form, fc = m.form.Update(msg)
			cmd = tea.Batch(cmd, fc)
		}
		return m, cmd
	case tea.BackgroundColorMsg:
		if msg.IsDark() == m.c.Styles.IsDark {
			return m, nil
		}
		m.c.Styles = styles.New(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		if m.lead.ID() != "" {
			return m, m.lead.Open(m.lead.ID()) // drawn with the old colours
		}
		return m, nil
	case WatchMsg:
		return m, tea.Batch(stampCmd(m.c.DBPath, false), m.watchTick())
	case stampMsg:
		return m.handleStamp(msg)
	case common.ErrMsg:
		m.err, m.notice = common.Sentence(msg.Err), ""
		return m, nil
	case common.StatusMsg:
		m.notice, m.err = msg.Text, ""
		return m, nil
	case forms.OpenMsg:
		m.form, m.err, m.notice = msg.Form, "", ""
		return m, m.form.Init()
	case forms.DoneMsg:
		m.form = nil
		if msg.Then == nil {
			return m, nil
		}
		return m.Update(msg.Then)
	case common.ChangedMsg:
		m.notice, m.err = m.c.T("status.saved"), ""
		own := stampCmd(m.c.DBPath, true)
		var cmd tea.Cmd
		if msg.LeadID != "" {
			m.board.Select(msg.LeadID)
			cmd = m.board.Refresh(msg.LeadID)
		} else {
			cmd = m.board.Reload()
		}
		if m.screen == screenLead {
			cmd = tea.Batch(cmd, m.lead.Open(m.lead.ID()))
		}
		return m, tea.Batch(cmd, own)
	case common.MovedMsg:
		var cmd tea.Cmd
		m.board, cmd = m.board.Update(msg)
		cmd = tea.Batch(cmd, stampCmd(m.c.DBPath, true))
		if m.screen == screenLead && msg.Err == nil {
			cmd = tea.Batch(cmd, m.lead.Open(m.lead.ID()))
		}
		return m, cmd
	case common.OpenLeadMsg:
		m.screen = screenLead
		m.board.Select(msg.ID)
		return m, tea.Batch(m.lead.Open(msg.ID), m.layout())
	case common.BackMsg:
		m.screen = screenBoard
		m.board.Select(m.lead.ID())
		return m, m.layout()
	}

	if m.form != nil {
		var cmd tea.Cmd
		m.form, cmd = m.form.Update(msg)
		if isInput(msg) {
			return m, cmd
		}
		// Replies for the screens still arrive while a form is open.
		var sc tea.Cmd
		m, sc = m.updateScreens(msg)
		return m, tea.Batch(cmd, sc)
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && !m.board.InputFocused() {
		if cmd, done := m.globalKey(k); done {
			return m, cmd
		}
	}
	return m.updateScreen(msg)
}

// globalKey handles quit and help, which every screen shares.
func (m *Model) globalKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	bk := m.board.Keys()
	switch {
	case key.Matches(k, bk.Quit):
		return tea.Quit, true
	case key.Matches(k, bk.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m.layout(), true
	}
	return m.syncKey(k)
}

func (m Model) updateScreen(msg tea.Msg) (tea.Model, tea.Cmd) {
	if !isInput(msg) {
		return m.updateScreens(msg)
	}
	var cmd tea.Cmd
	if m.screen == screenReports {
		m.reports, cmd = m.reports.Update(msg)
	} else if m.screen == screenLead {
		m.lead, cmd = m.lead.Update(msg)
	} else {
		m.board, cmd = m.board.Update(msg)
	}
	return m, cmd
}

// updateScreens gives a reply to both screens: each takes its own (by
// type and request id) and ignores the rest.
func (m Model) updateScreens(msg tea.Msg) (Model, tea.Cmd) {
	var bc, lc tea.Cmd
	m.board, bc = m.board.Update(msg)
	m.lead, lc = m.lead.Update(msg)
	return m, tea.Batch(bc, lc)
}

// isInput reports whether msg is typing, which goes only to what has the
// keyboard.
func isInput(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		return true
	}
	return false
}

// layout gives the screens the space left by the help and status lines.
func (m *Model) layout() tea.Cmd {
	h := max(0, m.c.Height-lineCount(m.footer()))
	m.board.SetSize(m.c.Width, h)
	m.help.SetWidth(m.c.Width)
	m.layoutDaily(m.c.Width, h)
	m.reports.SetSize(m.c.Width, h)
	return m.lead.SetSize(m.c.Width, h)
}
