// Package lead is the lead screen: everything about one lead, its
// follow-ups and its timeline, with the keys to work on it.
package lead

import (
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// timelineLimit bounds the activities loaded for the timeline.
const timelineLimit = 200

// Book is what the lead screen reads: one call, one transaction.
type Book interface {
	LeadPage(id string, timeline int) (Page, error)
}

// Page is a lead as the screen shows it: the lead, its newest activities
// (at most the timeline asked for), its open follow-ups, its open
// complaints, its approval requests (oldest first) and its service
// orders.
type Page struct {
	Lead       model.Lead
	Activities []model.Activity
	Tasks      []model.Task
	Complaints []model.Complaint
	Approvals  []model.Approval
	Services   []model.ServiceOrder
}

// Model is the lead screen.
type Model struct {
	c    *common.Common
	keys KeyMap
	book Book

	id   string
	req  int
	data *leadData
	// cache holds the rendered screen per width for the current data, so
	// a resize back and forth does not render Markdown again.
	cache map[int]rendered

	vp            viewport.Model
	header        string
	width, height int

	// held are the keys pressed before the lead was on screen (a quick
	// "v" after enter on the board), applied in order once it is.
	held []tea.KeyPressMsg
}

// maxHeld bounds the keys kept while a lead loads.
const maxHeld = 64

// leadData is what the screen shows, read in one transaction.
type leadData struct {
	lead       model.Lead
	acts       []model.Activity
	tasks      []model.Task
	complaints []model.Complaint
	approvals  []model.Approval
	services   []model.ServiceOrder
}

type rendered struct{ header, body string }

type loadedMsg struct {
	req  int
	data *leadData
	err  error
}

type renderedMsg struct {
	req, width int
	r          rendered
}

// New returns an empty lead screen.
func New(c *common.Common, remap map[string][]string, book Book) Model {
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{} // keys are ours
	return Model{c: c, keys: NewKeyMap(c.T, remap), book: book, vp: vp}
}

// ID returns the lead shown.
func (m Model) ID() string { return m.id }

// Company returns the shown lead's company, "" until it is loaded.
func (m Model) Company() string {
	if m.data == nil {
		return ""
	}
	return m.data.lead.Company
}

// OnScreen reports whether the lead is on screen: until then keys wait
// (the root holds them while it can, so they keep their order with the
// keys typed after).
func (m Model) OnScreen() bool { return m.header != "" }

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() KeyMap { return m.keys }

// Open shows lead id and returns the command that loads it.
func (m *Model) Open(id string) tea.Cmd {
	if id != m.id {
		m.data, m.header, m.held = nil, "", nil
		m.vp.SetContent("")
		m.vp.GotoTop()
	}
	m.id = id
	m.req++
	req, bk := m.req, m.book
	return func() tea.Msg {
		p, err := bk.LeadPage(id, timelineLimit)
		return loadedMsg{req: req, data: &leadData{lead: p.Lead, acts: p.Activities, tasks: p.Tasks, complaints: p.Complaints,
			approvals: p.Approvals, services: p.Services}, err: err}
	}
}

// SetSize sets the area the screen draws in and renders for the new width
// when needed.
func (m *Model) SetSize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(1, h-headerLines))
	if m.data == nil {
		return nil
	}
	if r, ok := m.cache[w]; ok {
		m.show(r)
		return nil
	}
	return m.render()
}

func (m *Model) show(r rendered) {
	m.header = r.header
	y := m.vp.YOffset()
	m.vp.SetContent(r.body)
	m.vp.SetYOffset(y)
}

// render returns the command that renders the loaded lead for the current
// width (Markdown rendering is too slow for Update or View).
func (m *Model) render() tea.Cmd {
	// A copy of the context: the root may change its size or styles while
	// the command runs.
	req, w, d, c := m.req, m.width, m.data, *m.c
	return func() tea.Msg {
		return renderedMsg{req: req, width: w, r: renderLead(&c, d, w)}
	}
}

func loc(c *common.Common) *time.Location {
	if c.Rules.Location != nil {
		return c.Rules.Location
	}
	return time.Local
}
