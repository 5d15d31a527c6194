// Package ui is fieldcrm's terminal UI. The root model here only routes:
// it holds the pages (board, lead, today, visit log, reports, approvals
// inbox) and one stack of overlays over them (forms, palette, quick
// capture, visit mode, help, questions, the trash, the refused list),
// decides in one place who gets a key, draws the help and status lines,
// and switches pages on the messages pages send.
package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/ui/approvals"
	"github.com/fieldcrm/fieldcrm/ui/board"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/lead"
	"github.com/fieldcrm/fieldcrm/ui/reports"
	"github.com/fieldcrm/fieldcrm/ui/styles"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
	"github.com/fieldcrm/fieldcrm/ui/today"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// Options configure the UI.
type Options struct {
	Data   common.Data
	Rules  model.Rules
	Lang   string
	DBPath string
	User   string
	// Place, when set, is what the status line names instead of DBPath:
	// over SSH the book's path is the server's, which means nothing to
	// the user and is not theirs to know.
	Place string
	// NoEditor takes away the external editor ($VISUAL, $EDITOR) of the
	// note pane: over SSH it would run on the server, with the session's
	// keys (a shell escape away from the server's own shell).
	NoEditor bool
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// Keys remaps keys (config "keys": action name to keys).
	Keys map[string][]string
	// Dark picks the dark styles until the terminal says otherwise.
	Dark bool
	// Watch is how often the database file is checked for changes made by
	// other processes; zero means every 2 s, negative never.
	Watch time.Duration
	// Sync is the background sync cmd started, if any.
	Sync syncstatus.Config
	// Own records this process's writes (the UI's and its sync's), so the
	// watcher does not read them back; nil: the UI makes one for its own.
	Own *OwnWrites
	// Plan is the commission plan the reports screen estimates with.
	Plan report.Plan
	// Template is the visit note template of a stage (config.Config.Template);
	// nil means the defaults.
	Template func(stage, lang string) string
}

// Model is the root of the UI.
type Model struct {
	c    *common.Common
	keys globalKeys
	help help.Model

	screen screen
	from   screen // where esc on the lead screen goes back to
	pages  [screenCount]page
	// The pages the root also calls by name (also in pages): the status
	// line counts the board's leads, today is read ahead, and an edit of
	// notes left unsaved reopens in the visit log.
	board     *boardPage
	today     *todayPage
	visits    *visitsPage
	approvals *approvalsPage
	stack     []overlay
	// pushes counts the overlays ever pushed, so a hold sees one open.
	pushes int
	hold   hold
	// visit is the open visit and capture the note being captured, each
	// kept while hidden; nil when there is none.
	visit   *visitOverlay
	capture *captureOverlay

	sync  *syncstatus.Model
	book  Book
	tmpl  capture.Template
	watch time.Duration
	seen  fileStamp
	own   *OwnWrites
	place string // Options.Place

	err, notice string
}

// New returns the UI's root model.
func New(o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Watch == 0 {
		o.Watch = defaultWatch
	}
	if o.Own == nil {
		o.Own = NewOwnWrites(o.DBPath)
	}
	if o.Template == nil {
		o.Template = model.DefaultTemplate
	}
	c := &common.Common{
		Styles: styles.New(o.Dark), Cat: i18n.New(o.Lang), Rules: o.Rules, Data: ownData{o.Data, o.Own},
		Now: o.Now, DBPath: o.DBPath, User: o.User, NoEditor: o.NoEditor,
	}
	bk := NewBook(c.Data)
	m := Model{c: c, keys: newGlobalKeys(c.T, o.Keys), help: help.New(), watch: o.Watch, own: o.Own, tmpl: o.Template, book: bk, place: o.Place}
	m.help.Styles = help.DefaultStyles(o.Dark)
	m.board, m.today = &boardPage{board.New(c, o.Keys, bk)}, &todayPage{today.New(c, o.Keys, bk)}
	m.visits = &visitsPage{visits.New(c, o.Keys, bk)}
	m.approvals = &approvalsPage{approvals.New(c, o.Keys, bk)}
	m.pages = [screenCount]page{
		screenBoard:     m.board,
		screenLead:      &leadPage{lead.New(c, o.Keys, bk)},
		screenToday:     m.today,
		screenVisits:    m.visits,
		screenReports:   &reportsPage{reports.New(c, o.Keys, o.Plan, bk)},
		screenApprovals: m.approvals,
	}
	s := syncstatus.New(c, o.Sync, bk)
	m.sync = &s
	return m
}

// Init loads the board, asks the terminal for its background, starts the
// watcher and the sync's status, offers back the notes left unsaved last
// time, finds a visit left open, and reads today in the background. The
// board's first screen is read first, alone: the others would hold the
// book's lock before it.
func (m Model) Init() tea.Cmd {
	return tea.Sequence(m.board.m.Init(), tea.Batch(tea.RequestBackgroundColor,
		m.stamp(), m.watchTick(), m.sync.Init(),
		capture.LoadDrafts(m.book, capture.DraftKind, visits.EditDraftKind), capture.ResumeVisit(m.book), m.today.m.Prefetch()))
}

// Update routes msg: a key to the root's keys or else to what has the
// keyboard (the top overlay, else the page), unless it waits for what an
// earlier key started (see hold), the size to everything, the root's own
// messages to their handlers, and every other message (the replies of
// commands) to every page and overlay, each of which takes its own by
// type and request id.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		return m, m.input(msg)
	case holdMarkMsg, holdEndMsg:
		return m, m.holdStep(msg)
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		cmds := []tea.Cmd{m.layout()}
		for _, o := range m.stack {
			cmds = append(cmds, o.Update(msg)) // forms size themselves
		}
		return m, tea.Batch(cmds...)
	}
	cmd, done := m.handle(msg)
	if !done {
		cmd = tea.Batch(cmd, m.broadcast(msg))
	}
	return m, m.follow(cmd)
}

// updater is what can take a message: a page or an overlay.
type updater interface{ Update(tea.Msg) tea.Cmd }

// focus is what has the keyboard.
func (m *Model) focus() updater {
	if o := m.top(); o != nil {
		return o
	}
	return m.page()
}

func (m *Model) page() page { return m.pages[m.screen] }

// broadcast gives a reply to every page and overlay, shown or hidden.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range m.pages {
		cmds = append(cmds, p.Update(msg))
	}
	seen := map[overlay]bool{}
	for _, o := range m.overlays() {
		if !seen[o] {
			seen[o] = true
			cmds = append(cmds, o.Update(msg))
		}
	}
	return tea.Batch(cmds...)
}

// overlays are the stack and the hidden visit and note.
func (m *Model) overlays() []overlay {
	all := append([]overlay(nil), m.stack...)
	if m.visit != nil {
		all = append(all, m.visit)
	}
	if m.capture != nil {
		all = append(all, m.capture)
	}
	return all
}

// layout gives the pages and overlays the space left by the help and
// status lines.
func (m *Model) layout() tea.Cmd {
	w, h := m.c.Width, max(0, m.c.Height-lineCount(m.footer()))
	m.help.SetWidth(w)
	var cmds []tea.Cmd
	for _, p := range m.pages {
		cmds = append(cmds, p.SetSize(w, h))
	}
	for _, o := range m.overlays() {
		o.SetSize(w, h)
	}
	return tea.Batch(cmds...)
}

// goTo shows a page, reading it afresh.
func (m *Model) goTo(s screen) tea.Cmd {
	m.screen = s
	return tea.Batch(m.page().Reload(), m.layout())
}
