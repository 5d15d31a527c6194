// Package today is the daily review: overdue follow-ups, those due today
// and in the next 7 days, rotting leads, return visits due on won accounts,
// open complaints, approvals to decide, decisions on the user's requests
// and service work, the same items in the same order as `fieldcrm
// today` prints (both come from store.Tx.Today).
package today

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// Book is what the daily review reads: the review, in one transaction.
type Book interface {
	Today() (store.TodayReport, error)
}

// Model is the daily review screen.
type Model struct {
	c    *common.Common
	book Book
	keys KeyMap

	rep    store.TodayReport
	items  []store.TodayItem // every section's items in order
	loaded bool
	req    int

	sel, top      int
	width, height int
}

type loadedMsg struct {
	req int
	rep store.TodayReport
	err error
}

// New returns the daily review over book; Load reads it.
func New(c *common.Common, remap map[string][]string, book Book) Model {
	return Model{c: c, book: book, keys: NewKeyMap(c.T, remap)}
}

// Load reads the review again. A late reply of an earlier load is dropped.
func (m *Model) Load() tea.Cmd {
	m.req++
	return m.load(m.req)
}

// Prefetch reads the review without changing the model (from Init, which
// cannot keep changes): its reply is taken unless a Load came since.
func (m Model) Prefetch() tea.Cmd { return m.load(m.req) }

func (m *Model) load(req int) tea.Cmd {
	bk := m.book
	return func() tea.Msg {
		rep, err := bk.Today()
		return loadedMsg{req: req, rep: rep, err: err}
	}
}

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() KeyMap { return m.keys }

// Loaded reports whether the review has been read.
func (m Model) Loaded() bool { return m.loaded }

// Report returns the review shown.
func (m Model) Report() store.TodayReport { return m.rep }

// SetSize sets the area the screen draws in.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h; m.scroll() }

// Selected returns the selected item.
func (m Model) Selected() (store.TodayItem, bool) {
	if m.sel < 0 || m.sel >= len(m.items) {
		return store.TodayItem{}, false
	}
	return m.items[m.sel], true
}

// Update handles a message and returns the screen as changed.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.req != m.req {
			return m, nil
		}
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.setReport(msg.rep)
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

// setReport shows a new review and keeps the selection on the same line,
// or on the line that took its place when it went.
func (m *Model) setReport(rep store.TodayReport) {
	old, had := m.Selected()
	m.rep, m.loaded = rep, true
	m.items = m.items[:0]
	for _, s := range rep.Sections {
		m.items = append(m.items, s.Items...)
	}
	if had {
		for i, it := range m.items {
			if it.Section == old.Section && it.LeadID == old.LeadID && it.TaskID == old.TaskID && it.ComplaintID == old.ComplaintID &&
				it.ApprovalID == old.ApprovalID && it.ServiceID == old.ServiceID {
				m.sel = i
				break
			}
		}
	}
	m.sel = max(0, min(m.sel, len(m.items)-1))
	m.scroll()
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
		return m, nil
	case key.Matches(msg, k.Down):
		m.move(1)
		return m, nil
	case key.Matches(msg, k.First):
		m.sel = 0
		m.scroll()
		return m, nil
	case key.Matches(msg, k.Last):
		m.sel = max(0, len(m.items)-1)
		m.scroll()
		return m, nil
	case key.Matches(msg, k.NextSection):
		m.jump(1)
		return m, nil
	case key.Matches(msg, k.PrevSection):
		m.jump(-1)
		return m, nil
	case key.Matches(msg, k.Reload):
		return m, m.Load()
	}
	it, ok := m.Selected()
	if !ok {
		return m, nil
	}
	fi := forms.Item{LeadID: it.LeadID, Company: it.Company, Action: it.Action, TaskID: it.TaskID, ComplaintID: it.ComplaintID}
	switch {
	case key.Matches(msg, k.Open, k.Done) && it.ApprovalID != "":
		// A request is decided, and its decision read, in the inbox.
		return m, common.Emit(common.OpenApprovalMsg{ID: it.ApprovalID})
	case key.Matches(msg, k.Done) && it.ServiceID != "":
		return m, forms.UpdateService(m.c, it.LeadID, it.ServiceID)
	case key.Matches(msg, k.Open):
		return m, common.Emit(common.OpenLeadMsg{ID: it.LeadID})
	case key.Matches(msg, k.Done):
		return m, forms.Open(forms.Done(m.c, fi))
	case key.Matches(msg, k.Snooze):
		if it.TaskID == "" {
			return m, common.ReportErr(forms.NoTask(m.c))
		}
		return m, forms.Open(forms.Snooze(m.c, fi))
	case key.Matches(msg, k.Visit):
		return m, forms.Open(forms.Visit(m.c, it.LeadID, it.Company, ""))
	case key.Matches(msg, k.Call):
		return m, forms.Open(forms.Call(m.c, it.LeadID, it.Company, ""))
	}
	return m, nil
}

// jump selects the first item of the next (d > 0) or previous (d < 0)
// section that has items, and shows that section from its header down:
// the demo book's 1,600 overdue follow-ups are one key from "Due today".
func (m *Model) jump(d int) {
	it, ok := m.Selected()
	if !ok {
		return
	}
	cur := 0
	for i, s := range m.rep.Sections {
		if s.Key == it.Section {
			cur = i
		}
	}
	first := 0 // the first item of section i, across sections
	firsts := make([]int, len(m.rep.Sections))
	for i, s := range m.rep.Sections {
		firsts[i] = first
		first += len(s.Items)
	}
	for i := cur + d; i >= 0 && i < len(m.rep.Sections); i += d {
		if len(m.rep.Sections[i].Items) == 0 {
			continue
		}
		m.sel = firsts[i]
		lines := len(m.rep.Sections) + len(m.items)
		m.top = max(0, min(m.lineOf(m.sel)-1, lines-m.rows()))
		return
	}
}

func (m *Model) move(d int) {
	m.sel = max(0, min(m.sel+d, len(m.items)-1))
	m.scroll()
}
