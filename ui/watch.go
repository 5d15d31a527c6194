package ui

import (
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The book may change under the UI: a CLI command, an import or a sync
// writes to the same file. The root watches the file's size and time and
// reloads what is on screen when another process wrote.

// defaultWatch is how often the database file is checked.
const defaultWatch = 2 * time.Second

// WatchMsg asks the root to check the database file now; the watch timer
// sends it.
type WatchMsg struct{}

// fileStamp identifies a state of the database file.
type fileStamp struct {
	mod  time.Time
	size int64
}

// stampMsg carries the file's stamp; own says it was read right after
// one of the UI's writes, which need no reload.
type stampMsg struct {
	stamp fileStamp
	own   bool
	err   error
}

func stampCmd(path string, own bool) tea.Cmd {
	return func() tea.Msg {
		fi, err := os.Stat(path)
		if err != nil {
			return stampMsg{err: err, own: own}
		}
		return stampMsg{stamp: fileStamp{mod: fi.ModTime(), size: fi.Size()}, own: own}
	}
}

func (m Model) watchTick() tea.Cmd {
	if m.watch <= 0 {
		return nil
	}
	return tea.Tick(m.watch, func(time.Time) tea.Msg { return WatchMsg{} })
}

// handleStamp reloads the board (and the open lead) when the file changed
// since the UI last looked and the change was not the UI's own.
func (m Model) handleStamp(msg stampMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		return m, nil // a missing file shows up as a store error elsewhere
	}
	changed := m.seen != (fileStamp{}) && msg.stamp != m.seen
	m.seen = msg.stamp
	if msg.own || !changed {
		return m, nil
	}
	cmd := m.reload()
	return m, cmd
}

// reload reads the board (and the open lead) again; the board keeps its
// selection.
func (m *Model) reload() tea.Cmd {
	cmd := m.board.Reload()
	if m.screen == screenLead {
		cmd = tea.Batch(cmd, m.lead.Open(m.lead.ID()))
	}
	if m.screen == screenReports {
		cmd = tea.Batch(cmd, m.reports.Open())
	}
	return cmd
}
