package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/palette"
	"github.com/fieldcrm/fieldcrm/ui/trash"
)

// The overlays of the daily work: quick capture, visit mode, the palette,
// the refused list and the trash, and the questions they ask.

// staleVisit is how long a visit may have been open before the UI asks
// instead of reopening it at start: a visit is not that long, so it was
// left open by mistake (or by `visit start` on another day).
const staleVisit = 12 * time.Hour

// askGuard is how long the question about a stale visit ignores keys
// after it shows: the keys a user typed while the UI came up, perhaps
// notes meant for visit mode, must not answer it.
const askGuard = 400 * time.Millisecond

// showVisitMsg asks the root to show the open visit.
type showVisitMsg struct{}

// endVisitMsg asks the root to check out of the open visit now.
type endVisitMsg struct{}

// leadHere is the lead a quick note is for: the one of the topmost overlay
// that names one, else the one the page points at.
func (m *Model) leadHere() (id, company string) {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if id, company := m.stack[i].Lead(); id != "" {
			return id, company
		}
	}
	return m.page().Lead()
}

// captureHere opens quick capture for the lead of what is on screen, or
// with no lead chosen when nothing on screen names one.
func (m *Model) captureHere() tea.Cmd {
	if _, ok := m.top().(*captureOverlay); ok {
		return nil
	}
	id, company := m.leadHere()
	return m.openCapture(id, company)
}

// openCapture shows quick capture for a lead (none when leadID is ""). The
// note hidden earlier comes back when it is for the same lead, or when it
// holds text and no lead is asked for; otherwise a new note starts, and
// the hidden one stays a draft, offered at the next start.
func (m *Model) openCapture(leadID, company string) tea.Cmd {
	if c := m.capture; c != nil && (c.leadID == leadID || (leadID == "" && c.m.Text() != "")) {
		return m.push(c)
	}
	cm, cmd := capture.New(m.c, m.book, store.Draft{Kind: capture.DraftKind, LeadID: leadID, Company: company})
	m.capture = &captureOverlay{m: cm, leadID: leadID, company: company}
	return tea.Batch(cmd, m.push(m.capture))
}

// startVisit checks in at a lead. With a visit already open it shows that
// visit when it is the same lead's (or no lead is named), and otherwise
// says which visit is open and offers to show it, instead of reopening it
// silently.
func (m *Model) startVisit(leadID string) tea.Cmd {
	if m.visit == nil {
		return capture.StartVisit(m.c, m.book, leadID, m.tmpl)
	}
	if leadID == "" || leadID == m.visit.leadID {
		return m.showVisit()
	}
	v := m.visit
	at := v.startedAt.In(m.c.Location()).Format("01-02 15:04")
	q := newAsk(m.c, m.c.Tf("visit.other_open", common.OneLine(v.company), at), m.c.T("visit.other_open_hint"),
		choice{keys: []string{"enter"}, help: m.c.T("key.show_visit"), msg: showVisitMsg{}},
		choice{keys: []string{"esc"}, help: m.c.T("key.cancel")})
	return m.push(q)
}

// showVisit puts the open visit on top.
func (m *Model) showVisit() tea.Cmd {
	if m.visit == nil {
		return nil
	}
	return m.push(m.visit)
}

// without is a new stack without o.
func (m *Model) without(o overlay) []overlay {
	out := make([]overlay, 0, len(m.stack))
	for _, x := range m.stack {
		if x != o {
			out = append(out, x)
		}
	}
	return out
}

// endVisitNow opens the form that checks out of the open visit, with the
// notes typed so far.
func (m *Model) endVisitNow() tea.Cmd {
	v := m.visit
	if v == nil {
		return nil
	}
	f := forms.EndVisit(m.c, forms.VisitEnd{ActivityID: v.activityID, LeadID: v.leadID, Company: v.company, Notes: v.v.Text(), DraftID: v.draftID})
	f.Attach(m.book)
	return tea.Batch(m.push(&formOverlay{f: f, endsVisit: true, lead: v.leadID}), f.Init())
}

// visitOpened shows a visit just checked in, or one found open at start.
// One found open that started long ago or on an earlier day does not take
// the keyboard: the UI says so and offers to end or resume it.
func (m *Model) visitOpened(msg capture.VisitOpenedMsg) tea.Cmd {
	if msg.Err != nil {
		return common.ReportErr(msg.Err)
	}
	m.visit = &visitOverlay{v: capture.NewVisit(m.c, m.book, msg), leadID: msg.Act.LeadID, company: msg.Company,
		activityID: msg.Act.ID, draftID: msg.Draft.ID, startedAt: msg.Act.StartedAt}
	m.err = ""
	if msg.Resumed && m.stale(msg.Act.StartedAt) {
		at := msg.Act.StartedAt.In(m.c.Location()).Format("2006-01-02 15:04")
		m.notice = m.c.Tf("visit.stale", common.OneLine(msg.Company), at)
		q := newAsk(m.c, m.notice, m.c.T("visit.stale_hint"),
			choice{keys: []string{"e"}, help: m.c.T("key.end_visit_now"), msg: endVisitMsg{}},
			choice{keys: []string{"enter"}, help: m.c.T("key.resume_visit"), msg: showVisitMsg{}},
			choice{keys: []string{"esc"}, help: m.c.T("key.later")})
		q.guard = askGuard
		return m.push(q)
	}
	m.notice = m.c.Tf("visit.started", msg.Act.StartedAt.In(m.c.Location()).Format("15:04"))
	if msg.Resumed {
		m.notice = m.c.Tf("visit.resumed", msg.Company)
		return m.push(m.visit)
	}
	return tea.Batch(m.push(m.visit), common.Emit(common.ChangedMsg{LeadID: msg.Act.LeadID}))
}

// stale reports whether a visit that started at t was left open: it began
// more than staleVisit ago or on an earlier day.
func (m *Model) stale(t time.Time) bool {
	now := m.c.Now()
	loc := m.c.Location()
	y1, m1, d1 := t.In(loc).Date()
	y2, m2, d2 := now.In(loc).Date()
	return now.Sub(t) > staleVisit || y1 != y2 || m1 != m2 || d1 != d2
}

// openPalette shows the command palette.
func (m *Model) openPalette() tea.Cmd {
	p, cmd := palette.New(m.c, m.book)
	return tea.Batch(cmd, m.push(&paletteOverlay{p}))
}

// openRejected shows the list of changes the server refused.
func (m *Model) openRejected() tea.Cmd {
	cmd := m.sync.OpenRejected()
	return tea.Batch(cmd, m.push(&rejectedOverlay{s: m.sync}))
}

// openTrash shows the leads in the trash.
func (m *Model) openTrash() tea.Cmd {
	t, cmd := trash.New(m.c, m.book)
	return tea.Batch(cmd, m.push(&trashOverlay{t}))
}
