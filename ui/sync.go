package ui

import (
	"slices"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
)

// rootKeys are the keys every screen shares beyond quit and help: the
// reports screen, the refused-changes list and sync now.
type rootKeys struct {
	Reports, Rejected, SyncNow key.Binding
}

func newRootKeys(t func(string) string, remap map[string][]string) rootKeys {
	b := common.Binder(t, remap)
	return rootKeys{
		Reports:  b("reports", "key.reports", "4"),
		Rejected: b("rejected", "key.rejected", "!"),
		SyncNow:  b("sync_now", "key.sync_now", "ctrl+s"),
	}
}

// withRootKeys adds the root's keys to the last column of the full help
// (a column of their own would not fit 80 columns).
type withRootKeys struct {
	help.KeyMap
	root rootKeys
}

func (k withRootKeys) FullHelp() [][]key.Binding {
	cols := k.KeyMap.FullHelp()
	mine := []key.Binding{k.root.Reports, k.root.Rejected, k.root.SyncNow}
	if n := len(cols); n > 0 {
		cols[n-1] = append(slices.Clone(cols[n-1]), mine...)
		return cols
	}
	return append(cols, mine)
}

// handleSync takes the sync's messages: its status, the refused-changes
// list's replies, and remote changes (reload, keeping the selection). A
// local write kicks the loop, and the message goes on to the screens.
func (m Model) handleSync(msg tea.Msg) (Model, tea.Cmd, bool) {
	if m2, cmd, done := m.handleReports(msg); done {
		return m2, cmd, true
	}
	switch msg.(type) {
	case syncstatus.PulledMsg:
		cmd := m.reload()
		return m, cmd, true
	case common.ChangedMsg, common.MovedMsg:
		m.sync.Kick()
		return m, nil, false
	}
	if syncstatus.Owns(msg) || (m.sync.RejectedOpen() && isInput(msg)) {
		var cmd tea.Cmd
		m.sync, cmd = m.sync.Update(msg)
		return m, cmd, true
	}
	return m, nil, false
}

// syncKey opens or closes the refused-changes list and syncs now.
func (m *Model) syncKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(k, m.rootKeys.Reports):
		return m.openReports(), true
	case key.Matches(k, m.rootKeys.Rejected):
		if m.sync.RejectedOpen() {
			m.sync.CloseRejected()
			return nil, true
		}
		return m.sync.OpenRejected(), true
	case key.Matches(k, m.rootKeys.SyncNow):
		m.sync.SyncNow()
		return nil, true
	}
	return nil, false
}
