package visits

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	mdrender "github.com/fieldcrm/fieldcrm/ui/markdown"
)

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
		m.rows, m.days, m.docRow, m.companies, m.loaded = msg.rows, msg.days, msg.docRow, msg.companies, true
		// The last answer's bits number the old rows: until an answer for
		// these, every row shows.
		m.match = nil
		if m.text != msg.found.text {
			m.apply()
			return m, m.find(m.text) // typed while loading
		}
		if err := m.found(msg.found); err != nil {
			m.apply()
			return m, common.ReportErr(err)
		}
		return m, nil
	case foundMsg:
		if err := m.found(msg); err != nil {
			return m, common.ReportErr(err)
		}
		return m, nil
	case detailMsg:
		if m.detail == nil || msg.req != m.detail.req {
			return m, nil
		}
		if msg.err != nil {
			m.detail = nil
			return m, common.ReportErr(msg.err)
		}
		m.detail.act, m.detail.body = msg.act, msg.body
		m.detail.vp.SetContent(msg.body)
		return m, nil
	case editMsg:
		if m.detail != nil && m.detail.act.ID == msg.id && m.edit == nil {
			return m.startEdit(m.detail.act, nil)
		}
		return m, nil
	case notesSavedMsg:
		m.savingNotes = false
		if msg.err != nil {
			return m, tea.Batch(common.ReportErr(msg.err), m.edit.Reopen())
		}
		m.edit = nil
		return m, tea.Batch(m.openDetail(msg.id), common.Emit(common.ChangedMsg{LeadID: m.editFor.LeadID}))
	case tea.KeyPressMsg:
		switch {
		case m.edit != nil:
			return m.editKey(msg)
		case m.searching:
			return m.searchKey(msg)
		case m.ranging:
			return m.rangeKey(msg)
		case m.detail != nil:
			return m.detailKey(msg)
		}
		return m.listKey(msg)
	case tea.PasteMsg:
		if m.edit != nil {
			var cmd tea.Cmd
			*m.edit, cmd = m.edit.Update(msg)
			return m, cmd
		}
	}
	if m.edit != nil { // draft saves and the editor's ticks
		var cmd tea.Cmd
		*m.edit, cmd = m.edit.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m Model) listKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.sel = max(0, m.sel-1)
	case key.Matches(msg, k.Down):
		m.sel = min(len(m.shown)-1, m.sel+1)
	case key.Matches(msg, k.PageUp):
		m.sel = max(0, m.sel-m.listRows())
	case key.Matches(msg, k.PageDown):
		m.sel = min(len(m.shown)-1, m.sel+m.listRows())
	case key.Matches(msg, k.First):
		m.sel = 0
	case key.Matches(msg, k.Last):
		m.sel = len(m.shown) - 1
	case key.Matches(msg, k.Search):
		m.searching = true
		return m, m.search.Focus()
	case key.Matches(msg, k.Range):
		m.ranging = true
		return m, m.rangeIn.Focus()
	case key.Matches(msg, k.Kind):
		m.kind = (m.kind + 1) % (len(model.ActivityKinds) + 1)
		m.apply()
	case key.Matches(msg, k.Lead):
		if m.leadID != "" {
			m.leadID = ""
		} else if r, ok := m.Selected(); ok {
			m.leadID = r.LeadID
		}
		m.apply()
	case key.Matches(msg, k.Clear):
		m.kind, m.leadID, m.from, m.to = 0, "", model.Date{}, model.Date{}
		m.rangeIn.SetValue("")
		m.clearText()
	case key.Matches(msg, k.Open):
		if r, ok := m.Selected(); ok {
			return m, m.openDetail(r.ID)
		}
	case key.Matches(msg, k.Edit):
		if r, ok := m.Selected(); ok {
			return m, m.openDetailAndEdit(r.ID)
		}
	}
	m.sel = max(0, m.sel)
	m.scroll()
	return m, nil
}

func (m Model) searchKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Accept):
		m.searching = false
		m.search.Blur()
		return m, nil
	case key.Matches(msg, m.keys.Cancel):
		m.searching = false
		m.search.Blur()
		m.clearText()
		return m, nil
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	if q := strings.TrimSpace(m.search.Value()); q != m.text {
		// The list changes when the index answers, in a tea.Cmd: typing
		// never waits for the book.
		m.text = q
		if q == "" {
			m.match = nil
			m.apply()
			return m, cmd
		}
		return m, tea.Batch(cmd, m.find(q))
	}
	return m, cmd
}

// clearText drops the words filter.
func (m *Model) clearText() {
	m.search.SetValue("")
	m.text, m.match = "", nil
	m.apply()
}

func (m Model) rangeKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Accept):
		from, to, err := ParseRange(m.rangeIn.Value(), m.c.Today())
		if err != nil {
			return m, common.ReportErr(errors.New(m.c.T("visits.bad_range")))
		}
		m.from, m.to, m.ranging = from, to, false
		m.rangeIn.Blur()
		m.apply()
		return m, nil
	case key.Matches(msg, m.keys.Cancel):
		m.ranging = false
		m.rangeIn.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.rangeIn, cmd = m.rangeIn.Update(msg)
	return m, cmd
}

// ParseRange reads "from..to" (either end may be empty; one date alone is
// that day) in any form model.ParseDate takes. Empty clears the range.
func ParseRange(s string, today model.Date) (from, to model.Date, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return from, to, nil
	}
	a, b, isRange := strings.Cut(s, "..")
	if !isRange {
		d, err := model.ParseDate(s, today)
		return d, d, err
	}
	if a = strings.TrimSpace(a); a != "" {
		if from, err = model.ParseDate(a, today); err != nil {
			return from, to, err
		}
	}
	if b = strings.TrimSpace(b); b != "" {
		if to, err = model.ParseDate(b, today); err != nil {
			return from, to, err
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, fmt.Errorf("%s is before %s", to, from)
	}
	return from, to, nil
}

// openDetail shows an activity: it loads it and renders its notes in a
// tea.Cmd.
func (m *Model) openDetail(id string) tea.Cmd {
	req := 1
	if m.detail != nil {
		req = m.detail.req + 1
	}
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{}
	vp.SetWidth(m.width)
	vp.SetHeight(max(1, m.hgt))
	m.detail = &detail{req: req, vp: vp}
	c, w, company, bk := *m.c, m.width, m.companies, m.book
	return func() tea.Msg {
		a, err := bk.Activity(id)
		if err != nil {
			return detailMsg{req: req, err: err}
		}
		return detailMsg{req: req, act: a, body: renderDetail(&c, &a, company[a.LeadID], w)}
	}
}

type editMsg struct{ id string }

func (m *Model) openDetailAndEdit(id string) tea.Cmd {
	return tea.Sequence(m.openDetail(id), common.Emit(editMsg{id: id}))
}

func (m Model) detailKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	vp := &m.detail.vp
	switch {
	case key.Matches(msg, k.Back):
		m.detail = nil
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.First):
		vp.GotoTop()
	case key.Matches(msg, k.Last):
		vp.GotoBottom()
	case key.Matches(msg, k.Edit):
		if m.detail.act.ID != "" {
			return m.startEdit(m.detail.act, nil)
		}
	}
	return m, nil
}

// startEdit opens the note editor on the newest notes, or on the draft of
// an edit left unsaved.
func (m Model) startEdit(a model.Activity, draft *store.Draft) (Model, tea.Cmd) {
	d := store.Draft{Kind: EditDraftKind, LeadID: a.LeadID, ActivityID: a.ID, Company: m.companies[a.LeadID], Text: a.Notes()}
	if draft != nil {
		d = *draft
	}
	ed := editor.New(m.c, m.book, d)
	ed.SetSize(m.width, max(3, m.hgt-2))
	m.edit, m.editFor = &ed, a
	return m, nil
}

// ResumeEdit reopens an edit of notes left in a draft.
func (m Model) ResumeEdit(d store.Draft) (Model, tea.Cmd) {
	a := model.Activity{ID: d.ActivityID, LeadID: d.LeadID}
	cmd := m.openDetail(d.ActivityID)
	m, c2 := m.startEdit(a, &d)
	return m, tea.Batch(cmd, c2)
}

func (m Model) editKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Save):
		if m.savingNotes {
			return m, nil
		}
		m.savingNotes = true
		m.edit.End() // no pause tick may write back the draft the save deletes
		id, text, draftID, bk := m.editFor.ID, m.edit.Value(), m.edit.ID(), m.book
		return m, func() tea.Msg {
			return notesSavedMsg{id: id, err: bk.SaveNotes(id, text, draftID)}
		}
	case key.Matches(msg, m.keys.Close):
		cmd := m.edit.SaveNow()
		m.edit = nil
		return m, cmd
	}
	var cmd tea.Cmd
	*m.edit, cmd = m.edit.Update(msg)
	return m, cmd
}

// renderDetail draws an activity: its facts, its newest notes rendered,
// and every earlier revision. It runs in a tea.Cmd.
func renderDetail(c *common.Common, a *model.Activity, company string, w int) string {
	st := &c.Styles.List
	loc := c.Location()
	var b []string
	b = append(b, st.Title.Render(common.OneLine(company))+"  "+st.Faint.Render(c.ChannelLabel(model.ActivityKinds, a.Kind)))
	when := a.StartedAt.In(loc).Format("2006-01-02 15:04")
	if d := a.Duration(); d > 0 {
		when += " · " + c.Tf("lead.minutes", int(d/time.Minute))
	} else if a.Open() {
		when += " · " + c.T("visits.open")
	}
	if a.Contact != "" {
		when += " · " + common.OneLine(a.Contact)
	}
	if a.Author != "" {
		when += " · " + common.OneLine(a.Author)
	}
	b = append(b, st.Faint.Render(when))
	field := func(label, v string) {
		if v != "" {
			b = append(b, st.Faint.Render(label+": ")+common.OneLine(v))
		}
	}
	field(c.T("field.outcome"), a.Outcome)
	field(c.T("field.feedback"), a.Feedback)
	if a.NextStep != "" {
		field(c.T("field.next_step"), a.NextStep+" ("+a.NextDue.String()+")")
	}
	mdst := mdrender.DefaultStyles(c.Styles.IsDark)
	n := len(a.Revisions)
	for i := n - 1; i >= 0; i-- {
		r := a.Revisions[i]
		if i == n-2 {
			b = append(b, "", st.Section.Render(c.T("visits.revisions")))
		}
		b = append(b, "", st.Faint.Render(c.Tf("visits.revision", i+1, n, r.At.In(loc).Format("2006-01-02 15:04"), common.OneLine(r.Author))))
		b = append(b, mdrender.Render(r.Text, max(10, w-2), mdst))
	}
	out := strings.Split(strings.Join(b, "\n"), "\n")
	for i, l := range out {
		out[i] = common.Cut(l, w)
	}
	return strings.Join(out, "\n")
}
