// Package lead is the lead screen: everything about one lead, its
// follow-ups and its timeline, with the keys to work on it.
package lead

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// timelineLimit bounds the activities loaded for the timeline.
const timelineLimit = 200

// Model is the lead screen.
type Model struct {
	c    *common.Common
	keys KeyMap

	id   string
	req  int
	data *leadData
	// cache holds the rendered screen per width for the current data, so
	// a resize back and forth does not render Markdown again.
	cache map[int]rendered

	vp            viewport.Model
	header        string
	width, height int
}

// leadData is what the screen shows, read in one transaction.
type leadData struct {
	lead       model.Lead
	acts       []model.Activity
	tasks      []model.Task
	complaints []model.Complaint
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
func New(c *common.Common, remap map[string][]string) Model {
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{} // keys are ours
	return Model{c: c, keys: NewKeyMap(c.T, remap), vp: vp}
}

// ID returns the lead shown.
func (m Model) ID() string { return m.id }

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() KeyMap { return m.keys }

// Open shows lead id and returns the command that loads it.
func (m *Model) Open(id string) tea.Cmd {
	if id != m.id {
		m.data, m.header = nil, ""
		m.vp.SetContent("")
		m.vp.GotoTop()
	}
	m.id = id
	m.req++
	req, data := m.req, m.c.Data
	return func() tea.Msg {
		d := &leadData{}
		err := data.View(func(tx *store.Tx) error {
			var err error
			if d.lead, err = tx.Lead(id); err != nil {
				return err
			}
			if d.acts, err = tx.ActivitiesOf(id, timelineLimit); err != nil {
				return err
			}
			tasks, err := tx.TasksOf(id)
			if err != nil {
				return err
			}
			d.tasks = slices.DeleteFunc(tasks, func(t model.Task) bool { return !t.IsOpen() })
			cs, err := tx.OpenComplaints()
			d.complaints = slices.DeleteFunc(cs, func(c model.Complaint) bool { return c.LeadID != id })
			return err
		})
		return loadedMsg{req: req, data: d, err: err}
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
