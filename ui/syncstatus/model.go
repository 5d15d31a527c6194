// Package syncstatus runs the background sync for the terminal UI and
// shows what it is doing: the status-line segment (online or offline, ops
// waiting, last sync, refused ops, changes set aside) and the list of
// changes the server refused, with a second tab of the changes from the
// server this device could not apply, each of which stays until the user
// dismisses it.
//
// The sync loop (remote.Loop) is built and started by cmd/fieldcrm and runs
// in its own goroutine; the UI sees it only as a Loop to kick and a channel
// of statuses (Feed), which reach Update as StatusMsg through a command
// that waits on the channel, so Update itself never does I/O.
package syncstatus

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Loop is what the UI asks of the background sync, which cmd/fieldcrm
// builds and runs: a sync soon after a write, or one now. *remote.Loop is
// one.
type Loop interface {
	Kick()
	SyncNow()
}

// Config connects the UI to the sync. Without a Loop the UI does not sync
// and says so.
type Config struct {
	Loop Loop
	// Statuses delivers the loop's status; see Feed.
	Statuses <-chan StatusMsg
	// Problem says why the sync could not start (a bad server address); the
	// status line says it once.
	Problem error
}

// StatusMsg carries the sync loop's status to the UI.
type StatusMsg struct {
	Status remote.Status
	// Pulls counts the syncs so far that brought remote changes.
	Pulls uint64
}

// PulledMsg says a sync brought remote changes into the book: the open
// screen should reload (keeping its selection).
type PulledMsg struct{}

// Model is the sync state the UI shows, and the refused-changes list.
type Model struct {
	c       *common.Common
	loop    Loop
	ch      <-chan StatusMsg
	problem error

	st      remote.Status
	have    bool   // a status has arrived
	pulls   uint64 // Pulls of the last status: reloads done
	errText string // the last sync error reported to the status line

	list rejectedList
}

// New returns the sync model over the loop cfg names; the list of refused
// changes reads and writes through b.
func New(c *common.Common, cfg Config, b Book) Model {
	return Model{c: c, loop: cfg.Loop, ch: cfg.Statuses, problem: cfg.Problem, list: newRejectedList(c, b)}
}

// Feed returns the function to set as the loop's OnStatus and the channel
// to give the UI as Config.Statuses. The channel keeps only the newest
// status: the UI needs no history, only to know whether some sync it
// missed brought changes, which the count of such syncs tells. OnStatus
// runs on the loop's goroutine, one call at a time, so its variables need
// no lock. after, when set, runs there too as each sync ends, before its
// status is sent: the UI marks the sync's writes as its own with it.
func Feed(after func()) (func(remote.Status), <-chan StatusMsg) {
	ch := make(chan StatusMsg, 1)
	var pulls uint64
	var syncing bool
	return func(s remote.Status) {
		if syncing && !s.Syncing {
			if after != nil {
				after()
			}
			if s.Err == nil && (s.Last.Pulled > 0 || s.Last.Removed > 0) {
				pulls++
			}
		}
		syncing = s.Syncing
		select {
		case <-ch:
		default:
		}
		select {
		case ch <- StatusMsg{Status: s, Pulls: pulls}:
		default:
		}
	}, ch
}

// Enabled reports whether a server is configured and the loop runs.
func (m Model) Enabled() bool { return m.loop != nil }

// Init waits for the loop's first status, or says why there is none.
func (m Model) Init() tea.Cmd {
	if m.problem != nil {
		return common.ReportErr(m.problem)
	}
	if m.loop == nil {
		return nil
	}
	return m.wait()
}

// wait returns a command that delivers the loop's next status.
func (m Model) wait() tea.Cmd {
	ch := m.ch
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Kick tells the loop the user wrote something; it syncs after a quiet
// moment. It only signals a channel, so it is safe in Update.
func (m Model) Kick() {
	if m.loop != nil {
		m.loop.Kick()
	}
}

// SyncNow asks the loop for a sync at once.
func (m Model) SyncNow() {
	if m.loop != nil {
		m.loop.SyncNow()
	}
}

// Status returns the last status received.
func (m Model) Status() remote.Status { return m.st }

// Update takes the loop's status, and keys and replies while the list of
// refused changes is open.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case StatusMsg:
		return m.handleStatus(msg)
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.update(msg, m)
	return m, cmd
}

func (m Model) handleStatus(msg StatusMsg) (Model, tea.Cmd) {
	s, prev := msg.Status, m.st
	m.st, m.have = s, true
	cmds := []tea.Cmd{m.wait()}
	// Syncs brought changes since the last status: reload once.
	if msg.Pulls != m.pulls {
		m.pulls = msg.Pulls
		cmds = append(cmds, common.Emit(PulledMsg{}))
	}
	// A server that answers but refuses (a revoked token, a full disk)
	// is worth a sentence once; being offline shows in the segment.
	text := ""
	if s.Err != nil && !remote.IsOffline(s.Err) {
		text = s.Err.Error()
	}
	if text != m.errText {
		m.errText = text
		if text != "" {
			cmds = append(cmds, common.ReportErr(s.Err))
		}
	}
	if m.list.open && (s.Rejected != prev.Rejected || s.SetAside != prev.SetAside) {
		cmds = append(cmds, m.list.load())
	}
	return m, tea.Batch(cmds...)
}

// Line is the status-line segment: "online · 2 waiting · synced 14:05 ·
// 1 refused · 1 set aside", "syncing… · 5000 pulled · …" while a sync
// brings changes, or "offline · not connected" without a server.
func (m Model) Line() string {
	if m.loop == nil {
		return m.c.T("sync.not_connected")
	}
	if !m.have {
		return m.c.T("sync.syncing")
	}
	s := m.st
	var parts []string
	switch {
	case s.Syncing:
		parts = append(parts, m.c.T("sync.syncing"))
		if s.Pulled > 0 {
			parts = append(parts, m.c.Tf("sync.pulled", s.Pulled))
		}
	case s.Online:
		parts = append(parts, m.c.T("sync.online"))
	default:
		parts = append(parts, m.c.T("sync.offline"))
	}
	if s.Waiting > 0 {
		parts = append(parts, m.c.Tf("sync.waiting", s.Waiting))
	}
	if s.LastSync.IsZero() {
		parts = append(parts, m.c.T("sync.never"))
	} else {
		parts = append(parts, m.c.Tf("sync.last", m.when(s.LastSync)))
	}
	if s.Rejected > 0 {
		parts = append(parts, m.c.Tf("sync.refused", s.Rejected))
	}
	if s.SetAside > 0 {
		parts = append(parts, m.c.Tf("sync.set_aside", s.SetAside))
	}
	return join(parts)
}

// when shows a time of today as 14:05, of another day as 11-26 14:05.
func (m Model) when(t time.Time) string {
	loc := m.c.Rules.Location
	if loc == nil {
		loc = time.Local
	}
	t, now := t.In(loc), m.c.Now().In(loc)
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	return t.Format("01-02 15:04")
}

func join(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " · "
		}
		out += p
	}
	return out
}

// Owns reports whether msg is one of this package's own messages, which
// the root hands to Update.
func Owns(msg tea.Msg) bool {
	switch msg.(type) {
	case StatusMsg, rejectedMsg, dismissedMsg:
		return true
	}
	return false
}

// CloseRejected hides the list of refused changes.
func (m *Model) CloseRejected() { m.list.open = false }
