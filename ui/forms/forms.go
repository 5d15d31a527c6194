// Package forms holds the UI's forms (new and edited leads, stage moves
// that need details, contacts, follow-ups, visits, complaints), built with
// huh. A form shows over the screen that opened it; when submitted it
// saves in a tea.Cmd, and when the save fails it shows again with
// everything typed still in it and the reason on top.
//
// What is typed into a form is a draft from the first key (the editor's
// Drafter saves it, as it saves notes), so esc, a crash or kill -9 loses
// nothing: esc asks whether to keep it, and the next start offers it back
// (Resume shows the form again as it was left).
package forms

import (
	"errors"
	"maps"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
)

// DraftKind marks the drafts of forms; the draft's Form says which.
const DraftKind = "form"

// Book is what the forms read and write of the book, each call one
// transaction. Every write takes the form's draft and deletes it in the
// same transaction, so saved text is never offered again as unsaved; a
// move asked by a key has no draft ("").
type Book interface {
	editor.Drafts
	Lead(id string) (model.Lead, error)
	Card(id string) (store.Card, error)
	AddLead(l *model.Lead, draft string) error
	// EditLead reads the lead as it is now, lets edit change it, and
	// writes it back.
	EditLead(id string, edit func(*model.Lead) error, draft string) error
	// SetFollowUp closes the lead's open follow-ups and sets the next.
	SetFollowUp(leadID string, due model.Date, action, draft string) error
	AddActivity(a *model.Activity, notes, draft string) error
	AddComplaint(c *model.Complaint, draft string) error
	// Close closes a daily-review item (completes its follow-up, resolves
	// its complaint, or notes review on its lead) and, when next is set,
	// sets the lead's next follow-up.
	Close(it Item, review, next string, due model.Date, draft string) error
	// Snooze moves a follow-up to the day until picks from it as stored.
	Snooze(taskID string, until func(model.Task) (model.Date, error), draft string) error
	// StopVisit checks out of a visit and deletes the draft of its notes
	// (notesDraft) too.
	StopVisit(activityID string, stop store.VisitStop, notesDraft, draft string) error
	// Move moves a lead to another stage, reading the lead once.
	Move(mv Move, draft string) (Moved, error)
	// ApprovalsOf reads a lead's approval requests, oldest first.
	ApprovalsOf(leadID string) ([]model.Approval, error)
	// RequestApproval asks for approval of a lead's deal with its figures
	// as they are; a second pending request is refused.
	RequestApproval(leadID, note, draft string) (model.Approval, error)
	// DecideApproval adds the book's user's decision to a request.
	DecideApproval(id, verdict, note, draft string) (model.Approval, error)
	// WonBlock says why a lead cannot be won yet (the reasons the rules
	// give, no request covering it); nil when it can.
	WonBlock(leadID string) ([]string, error)
	// ServicesOf reads a lead's service orders.
	ServicesOf(leadID string) ([]model.ServiceOrder, error)
	AddService(s *model.ServiceOrder, draft string) error
	// EditService reads the order as it is now, lets edit change it and
	// writes it back.
	EditService(id string, edit func(*model.ServiceOrder) error, draft string) error
}

// BookMsg asks the root to run Do in a command with the forms' Book and
// send on what it returns: how a screen opens a form on what it has not
// read (edit, won, lost, a draft resumed) or moves a lead, holding no
// book of its own for the forms.
type BookMsg struct{ Do func(Book) tea.Msg }

// Model is one open form.
type Model struct {
	c     *common.Common
	book  Book
	title string
	keys  KeyMap
	spec  spec
	// build makes the huh form over the form's data, which lives on the
	// heap, so a rebuilt form shows what was typed.
	build func() *huh.Form
	// save writes the data (in a write that also deletes the draft); its
	// command replies with a savedMsg.
	save func() tea.Cmd
	// opened is the draft the form starts from: a new one, or the one
	// resumed; Attach makes its drafter.
	opened store.Draft
	form   *huh.Form
	err    string
	saving bool // from submit on, unless the save fails: the form takes no more input

	// dr keeps what is typed as a draft; initial is what the fields held
	// when the form opened, so only typing makes a draft.
	dr      editor.Drafter
	initial map[string]string
	// asking is set while esc asks whether to keep what was typed.
	asking bool
	// offer is set while the form says its lead needs approval before it
	// can be won, with a to ask; any other key goes back to the form.
	offer bool
	// held are keys typed after one that moves the focus, until the move
	// is done: huh moves it in a later message, and keys typed quickly
	// after enter went into the field just left. from is that field.
	held    []tea.Msg
	from    huh.Field
	holdSeq int
	// fitted is the terminal height each notes box was last sized for:
	// a box grows or shrinks with the terminal when it has the focus.
	fitted map[*huh.Text]int
}

// spec is what a form's draft records to show the form again: its name,
// its lead, what it was opened with and its typed fields, by name.
type spec struct {
	form, leadID, company string
	args                  map[string]string
	fields                []field
}

// field is one draftable value of a form.
type field struct {
	name  string
	get   func() string
	set   func(string)
	notes bool // a multi-line notes field: its text leads the draft's summary
}

func str(name string, p *string) field {
	return field{name: name, get: func() string { return *p }, set: func(v string) { *p = v }}
}

func notes(name string, p *string) field {
	f := str(name, p)
	f.notes = true
	return f
}

// list is a multi-select's keys, one a line.
func list(name string, p *[]string) field {
	return field{name: name,
		get: func() string { return strings.Join(*p, "\n") },
		set: func(v string) {
			*p = nil
			if v != "" {
				*p = strings.Split(v, "\n")
			}
		}}
}

// OpenMsg asks the root to show a form.
type OpenMsg struct{ Form *Model }

// DoneMsg says the form closed. Then is what the save produced
// (common.ChangedMsg, common.MovedMsg) for the root to pass on; nil when
// the form was cancelled (what was typed may stay a draft).
type DoneMsg struct{ Then tea.Msg }

// savedMsg is the reply of form's save. The root sends replies to every
// overlay, and a form can wait under another (the won form under the
// request for approval it offered): each takes only its own.
type savedMsg struct {
	form *Model
	err  error
	then tea.Msg
}

// releaseMsg lets held keys go when the focus move they waited for never
// came (a check failed on the way).
type releaseMsg struct{ seq int }

// holdFor is how long keys wait for a focus move at most.
const holdFor = 150 * time.Millisecond

// Open returns a command that opens f.
func Open(f *Model) tea.Cmd { return common.Emit(OpenMsg{Form: f}) }

// saver writes a form's data in bk, deleting the form's draft in the
// same write, and says what changed.
type saver func(bk Book, draft string) (tea.Msg, error)

func newModel(c *common.Common, sp spec, title string, build func() *huh.Form, save saver) *Model {
	// A title names the lead, stored text: shown escaped.
	m := &Model{c: c, title: common.OneLine(title), keys: NewKeyMap(c.T), spec: sp, fitted: map[*huh.Text]int{}}
	m.opened = store.Draft{Kind: DraftKind, Form: sp.form, LeadID: sp.leadID, Company: sp.company, Args: sp.args}
	m.initial = m.values()
	m.build = func() *huh.Form {
		km := huh.NewDefaultKeyMap()
		km.Quit = key.NewBinding(key.WithDisabled()) // esc is ours: it asks first
		// In notes, enter is a new line; tab moves on and ctrl+s saves.
		km.Text.NewLine = key.NewBinding(key.WithKeys("enter", "alt+enter", "ctrl+j"))
		km.Text.Next = key.NewBinding(key.WithKeys("tab"))
		km.Text.Submit = key.NewBinding(key.WithDisabled())
		// Built once: huh asks for the theme on every field it draws, and
		// ThemeCharm builds it afresh each time (two thirds of a key's time).
		theme := huh.ThemeCharm(c.Styles.IsDark)
		return build().
			WithKeyMap(km).
			WithShowHelp(false).
			WithShowErrors(false).
			WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return theme })).
			WithWidth(m.formWidth()).
			WithHeight(m.formHeight())
	}
	m.save = func() tea.Cmd {
		bk, id := m.book, m.dr.ID()
		return func() tea.Msg {
			then, err := save(bk, id)
			return savedMsg{form: m, err: err, then: then}
		}
	}
	return m
}

// Attach gives the form the book it saves in and keeps its draft in. The
// root attaches every form it shows, once.
func (m *Model) Attach(bk Book) {
	if m.book != nil {
		return
	}
	m.book = bk
	m.dr = editor.NewDrafter(bk, m.opened)
}

// notesLines is the height of a notes box: half the screen, so it grows
// with the terminal; the form scrolls to the field being typed in.
func notesLines(c *common.Common) int { return max(4, (c.Height-footerLines-4)/2) }

func (m *Model) formWidth() int { return max(20, min(m.c.Width-4, 76)) }

// formHeight is what is left under the title (and the last error or the
// question) above the help and status lines; the form scrolls to its
// focused field.
func (m *Model) formHeight() int {
	h := m.c.Height - footerLines - 2 - len(m.errLines())
	if m.asking || m.offer {
		h -= 2
	}
	return max(4, h)
}

// errLines is the last error wrapped to the form's width, at most three
// lines: a refusal for want of approval says why and what to do.
func (m *Model) errLines() []string {
	if m.err == "" {
		return nil
	}
	lines := strings.Split(ansi.Wrap(m.err, m.formWidth(), ""), "\n")
	if len(lines) > 3 {
		lines = lines[:3]
		lines[2] = common.Cut(lines[2]+" …", m.formWidth())
	}
	return lines
}

// footerLines is the help line and the status line the root draws.
const footerLines = 2

// values returns what the form's fields hold, by name.
func (m *Model) values() map[string]string {
	out := make(map[string]string, len(m.spec.fields))
	for _, f := range m.spec.fields {
		out[f.name] = f.get()
	}
	return out
}

// typed reports whether anything differs from what the form opened with.
func (m *Model) typed() bool {
	for _, f := range m.spec.fields {
		if f.get() != m.initial[f.name] {
			return true
		}
	}
	return false
}

// draft is the form's draft as the fields are now; its text is the words
// typed, notes first, for the offer to show.
func (m *Model) draft() store.Draft {
	d := m.dr.Draft()
	d.Fields = m.values()
	var words, rest []string
	for _, f := range m.spec.fields {
		v := strings.TrimSpace(f.get())
		if v == "" || v == m.initial[f.name] {
			continue
		}
		if f.notes {
			words = append(words, v)
		} else {
			rest = append(rest, v)
		}
	}
	d.Text = strings.Join(append(words, rest...), "\n")
	return d
}

// Init builds the form and focuses its first field.
func (m *Model) Init() tea.Cmd {
	m.form = m.build()
	m.held, m.from = nil, nil
	return m.form.Init()
}

// Update passes msg to the form; on submit it saves.
func (m *Model) Update(msg tea.Msg) (*Model, tea.Cmd) {
	switch msg := msg.(type) {
	case savedMsg:
		if msg.form != m {
			return m, nil
		}
		if msg.err != nil {
			m.saving = false
			m.err = common.Sentence(msg.err)
			m.offer = errors.As(msg.err, new(*model.ApprovalError))
			// The form shows again with everything in it, still a draft.
			return m, tea.Batch(m.Init(), m.dr.Reopen())
		}
		// Saved: the form stays shut to every key and message until the
		// root takes it away, for its huh form is still complete and any
		// message reaching it would save it a second time.
		return m, common.Emit(DoneMsg{Then: msg.then})
	case editor.SavedMsg:
		var cmd tea.Cmd
		m.dr, cmd = m.dr.Update(msg)
		return m, cmd
	case tea.WindowSizeMsg:
		if m.form != nil {
			m.fitNotes()
			m.form = m.form.WithWidth(m.formWidth()).WithHeight(m.formHeight())
		}
	case releaseMsg:
		if msg.seq == m.holdSeq {
			return m.release()
		}
		return m, nil
	case tea.KeyPressMsg:
		if m.saving || m.form == nil {
			return m, nil
		}
		if m.asking {
			return m.answer(msg)
		}
		if m.offer {
			m.offer = false
			m.form = m.form.WithHeight(m.formHeight())
			switch {
			case key.Matches(msg, m.keys.Ask):
				return m, RequestApproval(m.c, m.spec.leadID)
			case key.Matches(msg, m.keys.Back):
				return m, nil
			}
		}
		if m.from != nil {
			m.held = append(m.held, msg)
			return m, nil
		}
		return m.key(msg)
	case tea.PasteMsg:
		switch {
		case m.saving || m.form == nil || m.asking:
			return m, nil
		case m.from != nil:
			m.held = append(m.held, msg)
			return m, nil
		}
		m, cmd := m.updateForm(msg)
		return m, tea.Batch(cmd, m.edited())
	}
	if m.saving || m.form == nil {
		// The pause ticks of the draft still count while saving.
		var cmd tea.Cmd
		m.dr, cmd = m.dr.Update(msg)
		return m, cmd
	}
	var dc tea.Cmd
	m.dr, dc = m.dr.Update(msg)
	m, cmd := m.updateForm(msg)
	return m, tea.Batch(dc, cmd)
}

// key handles one key press while the form has the keyboard.
func (m *Model) key(msg tea.KeyPressMsg) (*Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Save):
		return m.submit()
	case key.Matches(msg, m.keys.Cancel):
		if !m.typed() {
			return m, tea.Batch(m.dr.Discard(), common.Emit(DoneMsg{}))
		}
		m.asking = true
		m.form = m.form.WithHeight(m.formHeight())
		return m, nil
	}
	before := m.form.GetFocusedField()
	m, cmd := m.updateForm(msg)
	if m.form.State == huh.StateNormal && moves(before, msg, m.keys) &&
		m.form.GetFocusedField() == before && before.Error() == nil {
		// The field asked for the focus to move, in a message still
		// on its way: hold the keys typed meanwhile.
		m.from = before
		m.holdSeq++
		seq := m.holdSeq
		cmd = tea.Batch(cmd, tea.Tick(holdFor, func(time.Time) tea.Msg { return releaseMsg{seq: seq} }))
	}
	return m, tea.Batch(cmd, m.edited())
}

// edited saves the draft when typing changed a field: from the first
// change on, and on every change after (back to the start too).
func (m *Model) edited() tea.Cmd {
	if !m.typed() && m.dr.SavedAt().IsZero() {
		return nil
	}
	if d := m.draft(); d.Text != m.dr.Draft().Text || !maps.Equal(d.Fields, m.dr.Draft().Fields) {
		return m.dr.Edit(d)
	}
	return nil
}

// moves reports whether msg asks field f to hand the focus on: enter and
// tab, but in notes enter is a new line.
func moves(f huh.Field, msg tea.KeyPressMsg, k KeyMap) bool {
	if _, ok := f.(*huh.Text); ok {
		return msg.String() == "tab" || key.Matches(msg, k.Prev)
	}
	return key.Matches(msg, k.Next, k.Prev)
}

// updateForm passes msg to the huh form, saves when it completes, and
// lets held keys go once the focus has moved.
func (m *Model) updateForm(msg tea.Msg) (*Model, tea.Cmd) {
	fm, cmd := m.form.Update(msg)
	if f, ok := fm.(*huh.Form); ok {
		m.form = f
	}
	switch m.form.State {
	case huh.StateCompleted:
		m.held, m.from = nil, nil
		m.saving = true
		// From here no draft save may write the form back: see
		// editor.Drafter.
		m.dr.End()
		return m, tea.Batch(cmd, m.save())
	case huh.StateAborted:
		return m, common.Emit(DoneMsg{})
	}
	m.fitNotes()
	if m.from != nil && m.form.GetFocusedField() != m.from {
		m2, rc := m.release()
		return m2, tea.Batch(cmd, rc)
	}
	return m, cmd
}

// fitNotes sizes the notes box that has the focus to the terminal as it
// is now (it was sized for the terminal the form opened in).
func (m *Model) fitNotes() {
	t, ok := m.form.GetFocusedField().(*huh.Text)
	if !ok || m.fitted[t] == m.c.Height {
		return
	}
	t.Lines(notesLines(m.c))
	m.fitted[t] = m.c.Height
}

// release types the held keys into the field that now has the focus.
func (m *Model) release() (*Model, tea.Cmd) {
	held := m.held
	m.held, m.from = nil, nil
	var cmds []tea.Cmd
	for i, k := range held {
		var cmd tea.Cmd
		m, cmd = m.Update(k)
		cmds = append(cmds, cmd)
		if m.from != nil { // that key moved the focus again: hold the rest
			m.held = append(m.held, held[i+1:]...)
			break
		}
	}
	return m, tea.Batch(cmds...)
}

// submit checks every field and saves, from whichever field has the
// focus: huh checks a field as the focus leaves it, so the focus walks
// to the end of each group, and a group with a field in error stops the
// walk there, its message on top and next to the field's title.
func (m *Model) submit() (*Model, tea.Cmd) {
	var cmds []tea.Cmd
	steps := 0      // fields passed in the group the walk is in
	for range 200 { // far more fields than any form has
		before := m.form.GetFocusedField()
		cmds = append(cmds, m.form.NextField())
		if m.form.GetFocusedField() != before {
			steps++
			continue
		}
		// The last field of its group: on to the next group, or done.
		cmds = append(cmds, m.form.NextGroup())
		if m.form.State != huh.StateNormal || m.form.GetFocusedField() == before {
			break
		}
		steps = 0
	}
	if m.form.State == huh.StateCompleted {
		m.held, m.from = nil, nil
		m.saving = true
		m.dr.End()
		return m, m.save()
	}
	// Back to the first field in error, which gets the keyboard again
	// (the walk left the last one blurred).
	for ; steps > 0 && m.form.GetFocusedField().Error() == nil; steps-- {
		cmds = append(cmds, m.form.PrevField())
	}
	cmds = append(cmds, m.form.GetFocusedField().Focus())
	m.err = m.c.T("form.fix_fields")
	if errs := m.form.Errors(); len(errs) > 0 {
		m.err = errs[0].Error() // the checks' messages are sentences in the UI language
	}
	m.form = m.form.WithHeight(m.formHeight())
	return m, tea.Batch(cmds...)
}

// answer takes the reply to "keep what you typed?".
func (m *Model) answer(msg tea.KeyPressMsg) (*Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Keep):
		d := m.draft()
		m.dr.Set(d)
		return m, tea.Batch(m.dr.SaveNow(), common.Emit(DoneMsg{}),
			common.Emit(common.StatusMsg{Text: m.c.T("form.kept")}))
	case key.Matches(msg, m.keys.Discard):
		return m, tea.Batch(m.dr.Discard(), common.Emit(DoneMsg{}))
	case key.Matches(msg, m.keys.Back):
		m.asking = false
		m.form = m.form.WithHeight(m.formHeight())
	}
	return m, nil
}

// View draws the title, the last save error, the question, and the form.
func (m *Model) View() string {
	st := m.c.Styles.App
	w := m.formWidth()
	out := st.Title.Render(common.Cut(m.title, w))
	if state := m.draftState(); state != "" {
		out += "  " + m.c.Styles.List.Faint.Render(state)
	}
	out += "\n"
	for _, l := range m.errLines() {
		out += st.Error.Render(l) + "\n"
	}
	if m.asking {
		out += st.Notice.Render(common.Cut(m.c.T("form.keep_question"), w)) + "\n"
	}
	if m.offer {
		out += st.Notice.Render(common.Cut(m.c.T("approval.offer"), w)) + "\n"
	}
	if m.form != nil {
		out += "\n" + m.form.View()
	}
	return out
}

// draftState says whether what was typed is kept as a draft.
func (m *Model) draftState() string {
	switch {
	case m.dr.Err() != nil:
		return common.Sentence(m.dr.Err())
	case m.dr.Dirty():
		return m.c.T("capture.draft_unsaved")
	case !m.dr.SavedAt().IsZero():
		return m.c.Tf("capture.draft_saved", m.dr.SavedAt().In(m.c.Location()).Format("15:04:05"))
	}
	return ""
}

// KeyMap is the help the footer shows while a form is open; in notes it
// says that enter is a new line.
func (m *Model) KeyMap() help.KeyMap {
	if m.asking {
		return askHelp{m.keys}
	}
	if m.offer {
		return keyList{m.keys.Ask, m.keys.Back}
	}
	if m.form != nil {
		if _, ok := m.form.GetFocusedField().(*huh.Text); ok {
			return notesHelp{m.keys}
		}
	}
	return m.keys
}

// KeyMap is a form's keys: the same in every form, and in visit mode.
type KeyMap struct {
	Next, Prev, Save, Cancel key.Binding
	// In notes: enter is a new line, tab the next field.
	NewLine, NextNotes key.Binding
	// While esc asks whether to keep what was typed:
	Keep, Discard, Back key.Binding
	// While a won form says the lead needs approval: a asks.
	Ask key.Binding
}

// NewKeyMap returns the keys of forms with help in the UI language.
func NewKeyMap(t func(string) string) KeyMap {
	b := func(help, shown string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(shown, t(help)))
	}
	return KeyMap{
		Next:      b("key.form_next_field", "enter/tab", "enter", "tab"),
		Prev:      b("key.form_prev", "shift+tab", "shift+tab"),
		Save:      b("key.save", "ctrl+s", "ctrl+s"),
		Cancel:    b("key.form_cancel", "esc", "esc"),
		NewLine:   b("key.new_line", "enter", "enter"),
		NextNotes: b("key.form_next_field", "tab", "tab"),
		Keep:      b("key.keep_draft", "k/enter", "k", "enter"),
		Discard:   b("key.discard", "d", "d"),
		Back:      b("key.back_to_form", "esc", "esc"),
		Ask:       b("key.ask_approval", "a", "a"),
	}
}

// ShortHelp is the help line of a form.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Save, k.Next, k.Prev, k.Cancel} }

// FullHelp is the same as the short help.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// keyList is a fixed list of keys as a help.KeyMap.
type keyList []key.Binding

// ShortHelp is the list.
func (l keyList) ShortHelp() []key.Binding { return l }

// FullHelp is the list in one column.
func (l keyList) FullHelp() [][]key.Binding { return [][]key.Binding{l} }

// notesHelp is the help while notes have the keyboard.
type notesHelp struct{ k KeyMap }

// ShortHelp is the help line in notes.
func (n notesHelp) ShortHelp() []key.Binding {
	return []key.Binding{n.k.Save, n.k.NewLine, n.k.NextNotes, n.k.Prev, n.k.Cancel}
}

// FullHelp is the same as the short help.
func (n notesHelp) FullHelp() [][]key.Binding { return [][]key.Binding{n.ShortHelp()} }

// askHelp is the help while esc asks whether to keep what was typed.
type askHelp struct{ k KeyMap }

// ShortHelp is the help line of the question.
func (a askHelp) ShortHelp() []key.Binding { return []key.Binding{a.k.Keep, a.k.Discard, a.k.Back} }

// FullHelp is the same as the short help.
func (a askHelp) FullHelp() [][]key.Binding { return [][]key.Binding{a.ShortHelp()} }
