// Package approvals is the approvals inbox (审批): the requests waiting
// for a decision first, oldest first, then the decisions of the last
// days; enter shows one whole, y approves and n rejects it with a
// comment (a form, a draft like every form). A user whose role may not
// decide sees the same list read-only, with a line saying who decides.
// `fieldcrm approval list` prints the same requests.
package approvals

import (
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// recentDays is how far back the inbox lists decided requests.
const recentDays = 30

// Inbox is what the page reads, in one transaction: every request (the
// store's order, newest first), the company of each one's lead, and the
// role the server last gave the user ("" when never synced: the server
// decides, so the page lets the user try).
type Inbox struct {
	Requests  []model.Approval
	Companies map[string]string
	Role      string
}

// Book is what the inbox reads.
type Book interface {
	Inbox() (Inbox, error)
}

// Model is the approvals inbox.
type Model struct {
	c    *common.Common
	book Book
	keys KeyMap

	in      Inbox
	pending []model.Approval // waiting, oldest first
	decided []model.Approval // decided within recentDays, newest decision first
	loaded  bool
	req     int

	sel, top int
	// open is the request shown whole, "" for the list; want is one to
	// open once the inbox is read (asked for before it was); dtop is the
	// first line of the request shown, scrolled with j and k.
	open, want    string
	dtop          int
	width, height int
}

type loadedMsg struct {
	req int
	in  Inbox
	err error
}

// New returns the inbox over book; Load reads it.
func New(c *common.Common, remap map[string][]string, book Book) Model {
	return Model{c: c, book: book, keys: NewKeyMap(c.T, remap)}
}

// Load reads the inbox again; a late reply of an earlier load is dropped.
func (m *Model) Load() tea.Cmd {
	m.req++
	req, bk := m.req, m.book
	return func() tea.Msg {
		in, err := bk.Inbox()
		return loadedMsg{req: req, in: in, err: err}
	}
}

// Loaded reports whether the inbox has been read: until then keys typed
// right after 5 wait (the root holds them while it can).
func (m Model) Loaded() bool { return m.loaded }

// Show opens request id whole, once it is read.
func (m *Model) Show(id string) {
	m.want = id
	m.apply()
}

// SetSize sets the area the page draws in.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h; m.scroll() }

// KeyMap returns the keys for the help: the list's, or one request's.
func (m Model) KeyMap() KeyMap {
	if m.open != "" {
		return m.keys.detail()
	}
	return m.keys
}

// MayDecide reports whether the user may approve or reject, as far as
// the book knows their role.
func (m Model) MayDecide() bool {
	return m.in.Role == "" || m.c.Rules.Approval.MayDecide(m.in.Role)
}

// Selected returns the request the keys act on: the one open, else the
// one selected in the list.
func (m Model) Selected() (model.Approval, bool) {
	if m.open != "" {
		for _, a := range m.in.Requests {
			if a.ID == m.open {
				return a, true
			}
		}
		return model.Approval{}, false
	}
	if m.sel < 0 || m.sel >= m.count() {
		return model.Approval{}, false
	}
	return m.row(m.sel), true
}

// Company is the company of a request's lead.
func (m Model) Company(a *model.Approval) string { return m.in.Companies[a.LeadID] }

func (m Model) count() int { return len(m.pending) + len(m.decided) }

func (m Model) row(i int) model.Approval {
	if i < len(m.pending) {
		return m.pending[i]
	}
	return m.decided[i-len(m.pending)]
}

// setInbox shows a new read of the inbox, keeping the selection on the
// same request when it is still listed.
func (m *Model) setInbox(in Inbox) {
	old, had := m.Selected()
	m.in, m.loaded = in, true
	m.pending, m.decided = m.pending[:0], m.decided[:0]
	since := m.c.Now().Add(-recentDays * 24 * time.Hour)
	for _, a := range in.Requests {
		d, ok := a.Decision()
		switch {
		case !ok:
			m.pending = append(m.pending, a)
		case !d.At.Before(since):
			m.decided = append(m.decided, a)
		}
	}
	slices.SortStableFunc(m.pending, func(a, b model.Approval) int { return a.RequestedAt.Compare(b.RequestedAt) })
	slices.SortStableFunc(m.decided, func(a, b model.Approval) int {
		da, _ := a.Decision()
		db, _ := b.Decision()
		return db.At.Compare(da.At)
	})
	if had {
		m.selectID(old.ID)
	}
	m.apply()
	m.sel = max(0, min(m.sel, m.count()-1))
	m.scroll()
}

// apply opens the request asked for, once the inbox is read.
func (m *Model) apply() {
	if m.want == "" || !m.loaded {
		return
	}
	if m.selectID(m.want) {
		m.open, m.dtop = m.want, 0
	}
	m.want = ""
}

func (m *Model) selectID(id string) bool {
	for i := range m.count() {
		if m.row(i).ID == id {
			m.sel = i
			return true
		}
	}
	for _, a := range m.in.Requests { // decided long ago: shown whole all the same
		if a.ID == id {
			m.open, m.dtop = id, 0
			return true
		}
	}
	return false
}
