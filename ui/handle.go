package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/palette"
	"github.com/fieldcrm/fieldcrm/ui/styles"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// handle takes the messages addressed to the root. done says the pages and
// overlays need not see msg; otherwise they get it after the root.
func (m *Model) handle(msg tea.Msg) (cmd tea.Cmd, done bool) {
	switch msg := msg.(type) {
	case common.ErrMsg:
		m.err, m.notice = common.Sentence(msg.Err), ""
		return nil, true
	case common.StatusMsg:
		m.notice, m.err = msg.Text, ""
		return nil, true
	case tea.BackgroundColorMsg:
		if msg.IsDark() == m.c.Styles.IsDark {
			return nil, true
		}
		m.c.Styles = styles.New(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return m.pages[screenLead].Reload(), true // drawn with the old colours
	case WatchMsg:
		return tea.Batch(m.stamp(), m.watchTick()), true
	case stampMsg:
		return m.handleStamp(msg), true
	case popMsg:
		return m.remove(msg.o), true
	case common.GoMsg:
		return m.goTo(map[common.Screen]screen{common.ScreenToday: screenToday, common.ScreenVisits: screenVisits,
			common.ScreenApprovals: screenApprovals}[msg.To]), true
	case common.OpenApprovalMsg:
		m.approvals.m.Show(msg.ID)
		return m.goTo(screenApprovals), true
	case common.HelpMsg:
		return m.openHelp(), true
	case common.QuitMsg:
		return tea.Quit, true
	case common.PaletteMsg:
		return m.openPalette(), true
	case common.TrashMsg:
		return m.openTrash(), true
	case palette.ClosedMsg:
		return m.closeTop(func(o overlay) bool { _, ok := o.(*paletteOverlay); return ok }, msg.Then), true
	case forms.BookMsg:
		bk := m.book
		return func() tea.Msg { return msg.Do(bk) }, true
	case forms.OpenMsg:
		return m.openForm(msg.Form), true
	case forms.DoneMsg:
		return m.formDone(msg), true
	case common.ChangedMsg:
		m.notice, m.err = m.c.T("status.saved"), ""
		return m.changed(), false
	case common.MovedMsg:
		m.sync.Kick()
		if m.screen == screenLead && msg.Err == nil {
			return m.page().Reload(), false
		}
		return nil, false
	case common.OpenLeadMsg:
		m.from = m.screen
		if m.screen == screenLead {
			m.from = screenBoard
		}
		m.screen = screenLead
		return m.layout(), false
	case common.BackMsg:
		return m.back(), true
	case syncstatus.PulledMsg:
		return m.reload(), true
	}
	if cmd, done := m.handleDaily(msg); done {
		return cmd, true
	}
	if syncstatus.Owns(msg) {
		var cmd tea.Cmd
		*m.sync, cmd = m.sync.Update(msg)
		return cmd, true
	}
	return nil, false
}

// closeTop takes the topmost overlay that is(o) off the stack, then sends
// then, the message the overlay closed with.
func (m *Model) closeTop(is func(overlay) bool, then tea.Msg) tea.Cmd {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if is(m.stack[i]) {
			cmd := m.remove(m.stack[i])
			if then != nil {
				cmd = tea.Batch(cmd, common.Emit(then))
			}
			return cmd
		}
	}
	if then != nil {
		return common.Emit(then)
	}
	return nil
}

// back leaves the lead screen for the page it was opened from, and any
// other page for the board.
func (m *Model) back() tea.Cmd {
	if m.screen == screenLead && m.from != screenBoard && m.from != screenLead {
		m.screen = m.from
		return tea.Batch(m.page().Reload(), m.layout())
	}
	m.screen = screenBoard
	return m.layout()
}

// changed follows a write of this UI: the sync is told, and the pages that
// show more than the changed card (the board refreshes that itself) read
// again.
func (m *Model) changed() tea.Cmd {
	m.sync.Kick()
	var cmds []tea.Cmd
	if m.today.m.Loaded() {
		cmds = append(cmds, m.today.Reload())
	}
	// The visit log reads every activity: only while it shows.
	if m.screen == screenVisits || m.screen == screenLead || m.screen == screenReports || m.screen == screenApprovals {
		cmds = append(cmds, m.page().Reload())
	}
	return tea.Batch(cmds...)
}

// reload reads again everything shown, after another process or the sync
// wrote to the book; the board keeps its selection.
func (m *Model) reload() tea.Cmd {
	cmds := []tea.Cmd{m.board.Reload()}
	if m.today.m.Loaded() {
		cmds = append(cmds, m.today.Reload())
	}
	if m.screen != screenBoard && m.screen != screenToday {
		cmds = append(cmds, m.page().Reload())
	}
	return tea.Batch(cmds...)
}

// openForm shows a form over what has the keyboard; a form opened from
// visit mode is the one that ends the visit.
func (m *Model) openForm(f *forms.Model) tea.Cmd {
	_, fromVisit := m.top().(*visitOverlay)
	id, _ := m.leadHere()
	m.err, m.notice = "", ""
	f.Attach(m.book)
	return tea.Batch(m.push(&formOverlay{f: f, endsVisit: fromVisit, lead: id}), f.Init())
}

// formDone closes the top form. A form that saved says what changed in
// msg.Then; when it ended the visit, visit mode closes too.
func (m *Model) formDone(msg forms.DoneMsg) tea.Cmd {
	f, ok := topOf[*formOverlay](m.stack)
	if !ok {
		return nil
	}
	cmd := m.remove(f)
	if f.endsVisit && msg.Then != nil && m.visit != nil {
		cmd = tea.Batch(cmd, m.remove(m.visit))
		m.visit = nil
	}
	if msg.Then != nil {
		cmd = tea.Batch(cmd, common.Emit(msg.Then))
	}
	return cmd
}

// handleDaily takes the messages of quick capture, visit mode and the
// drafts offer.
func (m *Model) handleDaily(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case common.CaptureMsg:
		if msg.LeadID == "" {
			return m.captureHere(), true
		}
		return m.openCapture(msg.LeadID, msg.Company), true
	case capture.ClosedMsg:
		c := m.capture
		if c == nil {
			return nil, true
		}
		// A saved note, or an empty one, is not kept for later.
		if msg.Saved || c.m.Text() == "" {
			m.capture = nil
		}
		return m.remove(c), true
	case common.StartVisitMsg:
		return m.startVisit(msg.LeadID), true
	case showVisitMsg:
		return m.showVisit(), true
	case endVisitMsg:
		return m.endVisitNow(), true
	case capture.VisitOpenedMsg:
		return m.visitOpened(msg), true
	case capture.VisitHiddenMsg:
		if m.visit == nil {
			return nil, true
		}
		return m.remove(m.visit), true
	case capture.DraftsMsg:
		if msg.Err != nil {
			return common.ReportErr(msg.Err), true
		}
		// Under whatever opened first (the question about a stale visit, a
		// form the user was quicker to open): shown when that closes.
		o := &offerOverlay{capture.NewOffer(m.c, m.book, msg.Drafts)}
		m.stack = append([]overlay{o}, m.stack...)
		return m.layout(), true
	case capture.ResumeMsg:
		cmd := m.closeTop(isOffer, nil)
		if msg.Draft.Kind == visits.EditDraftKind {
			m.screen = screenVisits
			vp := m.visits
			load := vp.m.Load()
			var rc tea.Cmd
			vp.m, rc = vp.m.ResumeEdit(msg.Draft)
			return tea.Batch(cmd, load, rc, m.layout()), true
		}
		cm, cc := capture.New(m.c, m.book, msg.Draft)
		m.capture = &captureOverlay{m: cm, leadID: msg.Draft.LeadID, company: msg.Draft.Company}
		return tea.Batch(cmd, cc, m.push(m.capture)), true
	case capture.OfferDoneMsg:
		return m.closeTop(isOffer, nil), true
	case common.TrashLeadMsg:
		q := newAsk(m.c, m.c.Tf("trash.ask", common.OneLine(msg.Company)), m.c.T("trash.ask_hint"),
			choice{keys: []string{"y"}, help: m.c.T("key.yes_trash"), msg: trashMsg(msg)},
			choice{keys: []string{"n", "esc"}, help: m.c.T("key.no_keep")})
		return m.push(q), true
	case trashMsg:
		bk := m.book
		return func() tea.Msg { return trashedMsg{company: msg.Company, err: bk.TrashLead(msg.ID)} }, true
	case trashedMsg:
		if msg.err != nil {
			return common.ReportErr(msg.err), true
		}
		m.notice, m.err = m.c.Tf("trash.moved", common.OneLine(msg.company), m.keys.Trash.Help().Key), ""
		m.sync.Kick()
		m.screen = screenBoard
		return tea.Batch(m.board.Reload(), m.layout()), true
	}
	return nil, false
}

// trashMsg is the answer yes to "move this lead to the trash?".
type trashMsg common.TrashLeadMsg

// trashedMsg says a lead went to the trash.
type trashedMsg struct {
	company string
	err     error
}

func isOffer(o overlay) bool { _, ok := o.(*offerOverlay); return ok }
