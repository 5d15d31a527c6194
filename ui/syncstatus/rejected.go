package syncstatus

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the keys of the list of refused and set-aside changes.
type KeyMap struct {
	Up, Down, Dismiss, Switch, SyncNow, Close key.Binding
}

// ShortHelp lists the keys for the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Dismiss, k.Switch, k.SyncNow, k.Close}
}

// FullHelp lists every key.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

func newKeyMap(t func(string) string) KeyMap {
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", t("key.up"))),
		Down:    key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", t("key.down"))),
		Dismiss: key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", t("key.dismiss"))),
		Switch:  key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", t("key.switch_list"))),
		SyncNow: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", t("key.sync_now"))),
		Close:   key.NewBinding(key.WithKeys("esc", "!"), key.WithHelp("esc", t("key.close"))),
	}
}

// rejectedList is the overlay listing the changes the server refused
// and, on its second tab, the changes from the server this device set
// aside because it could not apply them.
type rejectedList struct {
	c     *common.Common
	book  Book
	keys  KeyMap
	open  bool
	aside bool // the set-aside tab is shown
	items []store.RejectedOp
	set   []store.SetAside
	sel   int
	req   int
	// chose says the tab was picked since the list opened, by the user or
	// by the first reply; until then a reply with no refused changes but
	// some set aside opens on the set-aside tab.
	chose bool
}

// rejectedMsg carries the lists read from the book.
type rejectedMsg struct {
	req   int
	items []store.RejectedOp
	set   []store.SetAside
	err   error
}

// dismissedMsg says a refused or set-aside change was removed from its list.
type dismissedMsg struct {
	aside bool
	err   error
}

// Book is what the list reads and writes, each call one transaction.
type Book interface {
	// Refused reads the changes the server refused and those set aside.
	Refused() ([]store.RejectedOp, []store.SetAside, error)
	DismissRefused(opID string) error
	DismissSetAside(id uint64) error
}

func newRejectedList(c *common.Common, b Book) rejectedList {
	return rejectedList{c: c, book: b, keys: newKeyMap(c.T)}
}

func (l *rejectedList) load() tea.Cmd {
	l.req++
	req, bk := l.req, l.book
	return func() tea.Msg {
		msg := rejectedMsg{req: req}
		msg.items, msg.set, msg.err = bk.Refused()
		return msg
	}
}

// count is how many entries the shown tab has.
func (l rejectedList) count() int {
	if l.aside {
		return len(l.set)
	}
	return len(l.items)
}

// selectedKey names the selected entry, to find it again after a reload.
func (l rejectedList) selectedKey() string {
	switch {
	case l.sel >= l.count():
		return ""
	case l.aside:
		return "aside " + strconv.FormatUint(l.set[l.sel].ID, 10)
	}
	return "refused " + l.items[l.sel].Op.ID
}

// selectKey selects the entry selectedKey named k, or keeps the place.
func (l *rejectedList) selectKey(k string) {
	sel := l.sel
	for i := range l.count() {
		if l.sel = i; k != "" && l.selectedKey() == k {
			return
		}
	}
	l.sel = max(0, min(sel, l.count()-1))
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
		keep := l.selectedKey()
		l.items, l.set = msg.items, msg.set
		if !l.chose {
			l.chose, l.aside = true, len(l.items) == 0 && len(l.set) > 0
		}
		l.selectKey(keep)
		return l, nil
	case dismissedMsg:
		if msg.err != nil {
			return l, common.ReportErr(msg.err)
		}
		m.Kick() // the loop re-reads the counts for the status line
		done := "rejected.dismissed"
		if msg.aside {
			done = "aside.dismissed"
		}
		return l, tea.Batch(l.load(), common.Emit(common.StatusMsg{Text: l.c.T(done)}))
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
			l.sel = max(0, min(l.sel+1, l.count()-1))
		case key.Matches(msg, l.keys.Switch):
			l.aside, l.chose, l.sel = !l.aside, true, 0
		case key.Matches(msg, l.keys.SyncNow):
			m.SyncNow()
		case key.Matches(msg, l.keys.Dismiss):
			if l.sel < l.count() {
				return l, l.dismiss()
			}
		}
	}
	return l, nil
}

// dismiss removes the selected entry from its list.
func (l rejectedList) dismiss() tea.Cmd {
	bk, aside := l.book, l.aside
	var opID string
	var id uint64
	if aside {
		id = l.set[l.sel].ID
	} else {
		opID = l.items[l.sel].Op.ID
	}
	return func() tea.Msg {
		if aside {
			return dismissedMsg{aside: true, err: bk.DismissSetAside(id)}
		}
		return dismissedMsg{err: bk.DismissRefused(opID)}
	}
}

// OpenRejected shows the list of refused changes (or, when there are none
// but some changes were set aside, those) and reads it.
func (m *Model) OpenRejected() tea.Cmd {
	m.list.open, m.list.chose, m.list.aside, m.list.sel = true, false, false, 0
	return m.list.load()
}

// RejectedOpen reports whether the list of refused changes is shown.
func (m Model) RejectedOpen() bool { return m.list.open }

// KeyMap returns the keys of the list of refused changes.
func (m Model) KeyMap() help.KeyMap { return m.list.keys }

// View draws the list of refused changes, or of the changes set aside, w
// cells wide and h lines high: each change (what it was, when) with the
// reason under it. Text that came from the network is shown with its
// control characters made visible.
func (m Model) View(w, h int) string {
	l := m.list
	st := m.c.Styles
	title, other, hint, empty := m.c.Tf("rejected.title", len(l.items)), m.c.Tf("aside.tab", len(l.set)), m.c.T("rejected.hint"), m.c.T("rejected.empty")
	if l.aside {
		title, other, hint, empty = m.c.Tf("aside.title", len(l.set)), m.c.Tf("rejected.tab", len(l.items)), m.c.T("aside.hint"), m.c.T("aside.empty")
	}
	head := st.App.Title.Render(title) + "  " + st.App.Status.Render("tab: "+other)
	lines := []string{common.Cut(head, w), st.App.Status.Render(common.Cut(hint, w)), ""}
	if l.count() == 0 {
		lines = append(lines, st.Board.Empty.Render(empty))
	}
	// Three lines per change (the reason may take two); scroll so the
	// selection shows.
	room := max(1, (h-len(lines))/3)
	first := max(0, l.sel-room+1)
	for i := first; i < l.count() && i < first+room; i++ {
		var what, why string
		if l.aside {
			what, why = m.describeSetAside(l.set[i]), l.set[i].Reason
		} else {
			what, why = describe(l.items[i]), l.items[i].Reason
		}
		gutter := "  "
		if i == l.sel {
			gutter = st.Board.Selected.Render("› ")
			what = st.Board.Selected.Render(common.Cut(what, max(1, w-2)))
		}
		lines = append(lines, gutter+common.Cut(what, max(1, w-2)))
		reason := strings.Split(ansi.Wrap(m.c.Tf("rejected.reason", printable(why)), max(1, w-4), ""), "\n")
		if len(reason) > 2 {
			reason = []string{reason[0], reason[1] + " " + strings.Join(reason[2:], " ")}
		}
		for _, l := range reason {
			lines = append(lines, "    "+st.Lead.Overdue.Render(common.Cut(l, max(1, w-4))))
		}
	}
	return strings.Join(lines, "\n")
}

// printable is text from the network made safe for the terminal: one
// line, every control character shown escaped (\x1b), never acted on.
func printable(s string) string { return model.Printable(common.OneLine(s)) }

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
	return printable(s)
}

// describeSetAside names a set-aside change: when, the server's seq, what
// kind of change, the entity and the op.
func (m Model) describeSetAside(sa store.SetAside) string {
	seq := m.c.T("aside.push")
	if sa.Seq > 0 {
		seq = m.c.Tf("aside.seq", sa.Seq)
	}
	kind := m.c.T("aside.unreadable")
	switch sa.Kind {
	case store.SetAsideOp:
		kind = m.c.T("aside.op")
	case store.SetAsideState:
		kind = m.c.T("aside.state")
	case store.SetAsideRemove:
		kind = m.c.T("aside.remove")
	}
	s := sa.At.Local().Format("01-02 15:04") + "  " + seq + "  " + kind
	if sa.Entity.Type != "" {
		s += " " + sa.Entity.Type + " " + store.ShortID(sa.Entity.ID)
	}
	if sa.OpID != "" {
		s += " (op " + store.ShortID(sa.OpID) + ")"
	}
	return printable(s)
}
