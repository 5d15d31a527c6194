package syncstatus

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the keys of the refused-changes list.
type KeyMap struct {
	Up, Down, Dismiss, SyncNow, Close key.Binding
}

// ShortHelp lists the keys for the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Dismiss, k.SyncNow, k.Close}
}

// FullHelp lists every key.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

func newKeyMap(t func(string) string) KeyMap {
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", t("key.up"))),
		Down:    key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", t("key.down"))),
		Dismiss: key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", t("key.dismiss"))),
		SyncNow: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", t("key.sync_now"))),
		Close:   key.NewBinding(key.WithKeys("esc", "!"), key.WithHelp("esc", t("key.close"))),
	}
}

// rejectedList is the overlay listing the refused changes.
type rejectedList struct {
	c     *common.Common
	keys  KeyMap
	open  bool
	items []store.RejectedOp
	sel   int
	req   int
}

// rejectedMsg carries the list read from the book.
type rejectedMsg struct {
	req   int
	items []store.RejectedOp
	err   error
}

// dismissedMsg says a refused change was removed from the list.
type dismissedMsg struct{ err error }

func newRejectedList(c *common.Common) rejectedList {
	return rejectedList{c: c, keys: newKeyMap(c.T)}
}

func (l *rejectedList) load() tea.Cmd {
	l.req++
	req, data := l.req, l.c.Data
	return func() tea.Msg {
		var items []store.RejectedOp
		err := data.View(func(tx *store.Tx) error {
			var err error
			items, err = tx.Rejected()
			return err
		})
		return rejectedMsg{req: req, items: items, err: err}
	}
}

func (l rejectedList) update(msg tea.Msg, m Model) (rejectedList, tea.Cmd) {
	switch msg := msg.(type) {
	case rejectedMsg:
		if msg.req != l.req {
			return l, nil
		}
		if msg.err != nil {
			return l, common.ReportErr(msg.err)
		}
		keep := ""
		if l.sel < len(l.items) {
			keep = l.items[l.sel].Op.ID
		}
		l.items = msg.items
		if i := slices.IndexFunc(l.items, func(r store.RejectedOp) bool { return r.Op.ID == keep }); i >= 0 {
			l.sel = i
		}
		l.sel = max(0, min(l.sel, len(l.items)-1))
		return l, nil
	case dismissedMsg:
		if msg.err != nil {
			return l, common.ReportErr(msg.err)
		}
		m.Kick() // the loop re-reads the counts for the status line
		return l, tea.Batch(l.load(), common.Emit(common.StatusMsg{Text: l.c.T("rejected.dismissed")}))
	case tea.KeyPressMsg:
		if !l.open {
			return l, nil
		}
		switch {
		case key.Matches(msg, l.keys.Close):
			l.open = false
		case key.Matches(msg, l.keys.Up):
			l.sel = max(0, l.sel-1)
		case key.Matches(msg, l.keys.Down):
			l.sel = max(0, min(l.sel+1, len(l.items)-1))
		case key.Matches(msg, l.keys.SyncNow):
			m.SyncNow()
		case key.Matches(msg, l.keys.Dismiss):
			if l.sel < len(l.items) {
				return l, l.dismiss(l.items[l.sel].Op.ID)
			}
		}
	}
	return l, nil
}

func (l rejectedList) dismiss(opID string) tea.Cmd {
	data := l.c.Data
	return func() tea.Msg {
		return dismissedMsg{err: data.Update(func(tx *store.Tx) error { return tx.DismissRejected(opID) })}
	}
}

// OpenRejected shows the list of refused changes and reads it.
func (m *Model) OpenRejected() tea.Cmd {
	m.list.open = true
	return m.list.load()
}

// RejectedOpen reports whether the list of refused changes is shown.
func (m Model) RejectedOpen() bool { return m.list.open }

// KeyMap returns the keys of the list of refused changes.
func (m Model) KeyMap() help.KeyMap { return m.list.keys }

// View draws the list of refused changes, w cells wide and h lines high:
// each change (what it was, when) with the server's reason under it.
func (m Model) View(w, h int) string {
	l := m.list
	st := m.c.Styles
	lines := []string{st.App.Title.Render(m.c.Tf("rejected.title", len(l.items))), st.App.Status.Render(common.Cut(m.c.T("rejected.hint"), w)), ""}
	if len(l.items) == 0 {
		lines = append(lines, st.Board.Empty.Render(m.c.T("rejected.empty")))
	}
	// Three lines per change (the reason may take two); scroll so the
	// selection shows.
	room := max(1, (h-len(lines))/3)
	first := max(0, l.sel-room+1)
	for i := first; i < len(l.items) && i < first+room; i++ {
		r := l.items[i]
		gutter := "  "
		what := describe(r)
		if i == l.sel {
			gutter = st.Board.Selected.Render("› ")
			what = st.Board.Selected.Render(common.Cut(what, max(1, w-2)))
		}
		lines = append(lines, gutter+common.Cut(what, max(1, w-2)))
		reason := strings.Split(ansi.Wrap(m.c.Tf("rejected.reason", common.OneLine(r.Reason)), max(1, w-4), ""), "\n")
		if len(reason) > 2 {
			reason = []string{reason[0], reason[1] + " " + strings.Join(reason[2:], " ")}
		}
		for _, l := range reason {
			lines = append(lines, "    "+st.Lead.Overdue.Render(common.Cut(l, max(1, w-4))))
		}
	}
	return strings.Join(lines, "\n")
}

// describe names a refused change: when, what kind, what it touched.
func describe(r store.RejectedOp) string {
	s := r.At.Local().Format("01-02 15:04") + "  " + r.Op.Kind + " " + r.Op.Entity.Type + " " + store.ShortID(r.Op.Entity.ID)
	fields := make([]string, 0, len(r.Op.Fields))
	for f := range r.Op.Fields {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	if r.Op.Field != "" {
		fields = append(fields, r.Op.Field)
	}
	if len(fields) > 0 {
		s += " (" + strings.Join(fields, ", ") + ")"
	}
	return s
}
