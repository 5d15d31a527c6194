package ui

import (
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// The book may change under the UI: a CLI command, an import or another
// device's sync writes to the same file. The root watches the file's size
// and time and reloads what is on screen when another process wrote. This
// process's own writes (the UI's, and its sync's) are marked as they
// commit, so the watcher does not read them back.

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

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}, nil
}

// OwnWrites remembers the file's stamp after this process's last write.
// Every writer of the process marks it right after its commit, on its own
// goroutine: the UI through its Data, the sync loop when a sync ends. A
// write by another process between a commit and its mark would be taken
// for ours; the window is a stat call long.
type OwnWrites struct {
	path string
	mu   sync.Mutex
	last fileStamp
}

// NewOwnWrites returns the record of own writes to the book at path.
func NewOwnWrites(path string) *OwnWrites { return &OwnWrites{path: path} }

// Mark records the file as this process left it.
func (o *OwnWrites) Mark() {
	st, err := statFile(o.path)
	if err != nil {
		return
	}
	o.mu.Lock()
	o.last = st
	o.mu.Unlock()
}

func (o *OwnWrites) stamp() fileStamp {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// ownData marks every write of the UI as its own.
type ownData struct {
	common.Data
	own *OwnWrites
}

func (d ownData) Update(fn func(*store.Tx) error) error {
	err := d.Data.Update(fn)
	d.own.Mark()
	return err
}

// stampMsg carries the file's stamp, and the stamp of this process's last
// write.
type stampMsg struct {
	stamp, own fileStamp
	err        error
}

func (m Model) stamp() tea.Cmd {
	path, own := m.c.DBPath, m.own
	return func() tea.Msg {
		st, err := statFile(path)
		return stampMsg{stamp: st, own: own.stamp(), err: err}
	}
}

func (m Model) watchTick() tea.Cmd {
	if m.watch <= 0 {
		return nil
	}
	return tea.Tick(m.watch, func(time.Time) tea.Msg { return WatchMsg{} })
}

// handleStamp reloads what is shown when the file changed since the UI
// last looked and the change was not this process's own.
func (m *Model) handleStamp(msg stampMsg) tea.Cmd {
	if msg.err != nil {
		return nil // a missing file shows up as a store error elsewhere
	}
	changed := m.seen != (fileStamp{}) && msg.stamp != m.seen && msg.stamp != msg.own
	m.seen = msg.stamp
	if !changed {
		return nil
	}
	return m.reload()
}
