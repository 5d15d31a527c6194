// Package capture is quick capture (ctrl+n from any screen: pick a lead
// or name a new prospect, type, ctrl+s saves) and visit mode (check in,
// type the notes, check out). Both type into the shared note editor, whose
// text is saved as a draft while typing.
package capture

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
)

// DraftKind marks the drafts of quick capture.
const DraftKind = "note"

// matchLimit is how many leads the picker lists.
const matchLimit = 5

// KeyMap is the keys of the capture pane.
type KeyMap struct {
	Save, Editor, Pick, Up, Down, Choose, Close key.Binding
}

// NewKeyMap returns the pane's keys with help in the UI language.
func NewKeyMap(t func(string) string) KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], t(help)))
	}
	return KeyMap{
		Save:   b("key.save", "ctrl+s"),
		Editor: b("key.editor", "ctrl+e"),
		Pick:   b("key.pick_lead", "tab"),
		Up:     b("key.up", "up"),
		Down:   b("key.down", "down"),
		Choose: b("key.open", "enter"),
		Close:  b("key.minimize", "esc"),
	}
}

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Save, k.Editor, k.Pick, k.Close} }

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Save, k.Editor, k.Close}, {k.Pick, k.Up, k.Down, k.Choose}}
}

// Book is what quick capture and visit mode read and write of the book,
// each call one transaction.
type Book interface {
	// Cards reads every lead's card, for the picker.
	Cards() ([]store.Card, error)
	// SaveNote files a note and deletes its draft in the same
	// transaction; it returns the lead's id (a new prospect's is new).
	SaveNote(n Note) (leadID string, err error)
	// Drafts reads the drafts of the kinds given that hold text, each
	// naming its lead as the lead is called now.
	Drafts(kinds ...string) ([]store.Draft, error)
	// The editor keeps the note's draft through the book.
	editor.Drafts
	// StartVisit checks in at a lead now and saves the draft of the
	// visit's notes, begun with template(stage) when template is set.
	StartVisit(leadID string, template func(stage string) string) (OpenVisit, error)
	// OpenVisit finds the newest visit this user left open, with the
	// draft of its notes; found is false when there is none.
	OpenVisit() (v OpenVisit, found bool, err error)
}

// Note is a quick note to file: on lead LeadID, or when LeadID is "" on
// a new prospect named Company in Stage.
type Note struct {
	LeadID, Company, Stage string
	Text                   string
	At                     time.Time
	// DraftID is the note's draft, deleted with the save.
	DraftID string
}

// OpenVisit is an open visit, its lead's company and its notes' draft.
type OpenVisit struct {
	Act     model.Activity
	Company string
	Draft   store.Draft
}

// Model is the quick-capture pane.
type Model struct {
	c    *common.Common
	book Book
	keys KeyMap

	picker  textinput.Model
	picking bool
	cards   []store.Card
	matches []int
	sel     int

	leadID, company string // the lead picked, or a new prospect's name (leadID "")

	ed            editor.Model
	width, height int
	saving        bool
	err           string
}

// ClosedMsg says the pane closed: Saved when the note was saved (the
// draft is gone); Kept when its text stays a draft, to be shown again by
// the next ctrl+n and offered back at the next start. A pane closed with
// neither holds nothing worth keeping: its draft is deleted and the next
// ctrl+n starts afresh.
type ClosedMsg struct {
	Saved, Kept bool
	LeadID      string
}

type cardsMsg struct {
	cards []store.Card
	err   error
}

type savedMsg struct {
	leadID, company string
	err             error
}

type editorDoneMsg struct {
	text string // what the file held when the editor ended
	err  error  // the editor failed, or its file could not be read
	kept string // after a failure, the file, still there, when it is
}

// New opens the pane over draft d (empty for a new note; d.LeadID or
// d.Company preset the lead). The command loads the leads for the picker.
func New(c *common.Common, book Book, d store.Draft) (Model, tea.Cmd) {
	d.Kind = DraftKind
	pk := textinput.New()
	pk.Prompt = c.T("capture.pick")
	pk.CharLimit = model.MaxNameLen
	m := Model{c: c, book: book, keys: NewKeyMap(c.T), picker: pk, ed: editor.New(c, book, d), leadID: d.LeadID, company: d.Company}
	m.keys.Editor.SetEnabled(!c.NoEditor) // disabled: matches no key, left out of the help
	if d.LeadID == "" && d.Company == "" {
		m.picking = true
		m.picker.Focus()
		m.ed.Blur()
	}
	return m, func() tea.Msg {
		cards, err := book.Cards()
		return cardsMsg{cards: cards, err: err}
	}
}

// DraftID returns the id of the pane's draft.
func (m Model) DraftID() string { return m.ed.ID() }

// KeyMap returns the keys for the help line.
func (m Model) KeyMap() KeyMap { return m.keys }

// Text returns the note typed.
func (m Model) Text() string { return m.ed.Value() }

// SetSize sets the pane's area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.picker.SetWidth(max(10, w-common.Width(m.picker.Prompt)-2))
	m.ed.SetSize(w, max(3, h-4-matchLimit))
}

// Update handles typing and replies.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case cardsMsg:
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.cards = msg.cards
		m.match()
		if m.leadID != "" && m.company == "" {
			for _, c := range m.cards {
				if c.ID == m.leadID {
					// The draft names the lead too, so the offer at the
					// next start can say whose note it is.
					m.company = c.Company
					m.ed.SetCompany(c.Company)
				}
			}
		}
		return m, nil
	case savedMsg:
		if msg.err != nil {
			m.saving = false
			m.err = common.Sentence(msg.err)
			return m, m.ed.Reopen()
		}
		// Saved: saving stays set, so a ctrl+s typed before the root
		// closes the pane cannot file the note a second time.
		return m, tea.Sequence(
			common.Emit(ClosedMsg{Saved: true, LeadID: msg.leadID}),
			common.Emit(common.ChangedMsg{LeadID: msg.leadID}),
			common.Emit(common.StatusMsg{Text: m.c.Tf("capture.saved", msg.company)}))
	case editorDoneMsg:
		return m.editorDone(msg)
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		if m.picking {
			var cmd tea.Cmd
			m.picker, cmd = m.picker.Update(msg)
			m.match()
			return m, cmd
		}
	}
	var cmd tea.Cmd
	m.ed, cmd = m.ed.Update(msg)
	return m, cmd
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	if m.saving {
		return m, nil // the note is being saved: a key now would be lost with the pane
	}
	switch {
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Editor):
		return m, m.openEditor()
	case key.Matches(msg, k.Close):
		if m.picking && (m.leadID != "" || m.company != "") {
			m.setPicking(false)
			return m, nil
		}
		if strings.TrimSpace(m.ed.Value()) == "" {
			return m, tea.Batch(m.ed.Discard(), common.Emit(ClosedMsg{LeadID: m.leadID}))
		}
		return m, tea.Batch(m.ed.SaveNow(), common.Emit(ClosedMsg{Kept: true, LeadID: m.leadID}))
	case key.Matches(msg, k.Pick):
		m.setPicking(!m.picking)
		return m, nil
	}
	if !m.picking {
		var cmd tea.Cmd
		m.ed, cmd = m.ed.Update(msg)
		return m, cmd
	}
	switch {
	case key.Matches(msg, k.Up):
		m.sel = max(0, m.sel-1)
		return m, nil
	case key.Matches(msg, k.Down):
		m.sel = min(m.sel+1, len(m.matches)) // the last line is "new prospect"
		return m, nil
	case key.Matches(msg, k.Choose):
		m.choose()
		if strings.TrimSpace(m.ed.Value()) == "" {
			return m, nil // nothing typed yet: the first key saves the draft with its lead
		}
		return m, m.ed.SetValue(m.ed.Value()) // saves the draft with its lead
	}
	var cmd tea.Cmd
	m.picker, cmd = m.picker.Update(msg)
	m.match()
	return m, cmd
}

func (m *Model) setPicking(on bool) {
	m.picking = on
	if on {
		m.picker.Focus()
		m.ed.Blur()
	} else {
		m.picker.Blur()
		m.ed.Focus()
	}
}

func (m *Model) match() {
	q := strings.TrimSpace(m.picker.Value())
	m.matches = common.MatchCards(m.cards, q, matchLimit)
	// Nothing typed selects no lead: a reflexive enter must not file the
	// note on the first lead of the list (issue 13, finding 3).
	if q == "" && m.sel <= 0 {
		m.sel = -1
		return
	}
	m.sel = max(0, min(m.sel, len(m.matches)))
}

// choose takes the selected lead, or the name typed as a new prospect.
func (m *Model) choose() {
	name := strings.TrimSpace(m.picker.Value())
	switch {
	case m.sel >= 0 && m.sel < len(m.matches):
		c := m.cards[m.matches[m.sel]]
		m.leadID, m.company = c.ID, c.Company
	case name != "":
		m.leadID, m.company = "", name
	default:
		return
	}
	m.ed.SetDraft(m.leadID, m.company)
	m.err = ""
	m.setPicking(false)
}

func (m Model) save() (Model, tea.Cmd) {
	if m.saving {
		return m, nil
	}
	text := m.ed.Value()
	if m.leadID == "" && m.company == "" {
		m.err = m.c.T("capture.no_lead")
		m.setPicking(true)
		return m, nil
	}
	if strings.TrimSpace(text) == "" {
		return m, nil
	}
	m.saving = true
	// From here no draft save may write the note back: see editor.Drafter.
	m.ed.End()
	n := Note{LeadID: m.leadID, Company: m.company, Stage: m.c.Rules.Pipeline.Stages[0].Key,
		Text: text, At: m.c.Now(), DraftID: m.ed.ID()}
	bk := m.book
	return m, func() tea.Msg {
		id, err := bk.SaveNote(n)
		return savedMsg{leadID: id, company: n.Company, err: err}
	}
}

// openEditor saves the draft and hands the text to $VISUAL or $EDITOR in
// a temp file; the program gives the editor the terminal meanwhile.
func (m Model) openEditor() tea.Cmd {
	ed := os.Getenv("VISUAL")
	if ed == "" {
		ed = os.Getenv("EDITOR")
	}
	if ed == "" {
		ed = "vi"
	}
	path, remove, err := common.EditorFile(m.ed.ID()+".md", []byte(m.ed.Value()))
	if err != nil {
		return common.ReportErr(err)
	}
	parts := strings.Fields(ed)
	cmd := settledCmd{exec.Command(parts[0], append(parts[1:], path)...)}
	return tea.Batch(m.ed.SaveNow(), tea.Exec(cmd, func(err error) tea.Msg { return readBack(path, remove, err) }))
}

// settledCmd runs its command a moment after the program has let go of
// the terminal. Bubble Tea v2.1.1 stops its frame ticker from the
// renderer's goroutine after telling that goroutine to end, and starts
// the ticker again when the terminal comes back (tea.go, stopRenderer and
// startRenderer): when that goroutine is kept waiting for longer than the
// editor runs (a loaded machine, a quick editor), its Stop lands after the
// new Reset, no frame is drawn again, and the terminal stays on the main
// screen (seen in TestDraftSurvivesSIGKILL: 4 of 24 runs failed so with
// eight at once on two cores, none of 48 with the wait). Waiting first
// lets that goroutine finish.
type settledCmd struct{ *exec.Cmd }

// settle is how long settledCmd waits; no one notices it before an editor.
const settle = 40 * time.Millisecond

func (c settledCmd) Run() error {
	time.Sleep(settle)
	return c.Cmd.Run()
}

// SetStdin, SetStdout and SetStderr give the command the program's
// terminal where it has none of its own, as tea.ExecProcess does.
func (c settledCmd) SetStdin(r io.Reader) {
	if c.Stdin == nil {
		c.Stdin = r
	}
}

func (c settledCmd) SetStdout(w io.Writer) {
	if c.Stdout == nil {
		c.Stdout = w
	}
}

func (c settledCmd) SetStderr(w io.Writer) {
	if c.Stderr == nil {
		c.Stderr = w
	}
}

// readBack reads the editor's file once the editor has ended (outside
// Update, which does no I/O) and removes it with its folder when read;
// after a failure it stays, and is named, and the draft saved before the
// editor started keeps the text as it was then.
func readBack(path string, remove func(), err error) editorDoneMsg {
	if err == nil {
		var data []byte
		if data, err = os.ReadFile(path); err == nil {
			remove()
			return editorDoneMsg{text: strings.TrimRight(string(data), "\n")}
		}
	}
	msg := editorDoneMsg{err: err}
	if _, serr := os.Stat(path); serr == nil {
		msg.kept = path
	}
	return msg
}

func (m Model) editorDone(msg editorDoneMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		m.err = m.c.T("capture.editor_failed")
		if msg.kept != "" {
			m.err = m.c.Tf("capture.editor_failed_kept", model.Printable(msg.kept))
		}
		return m, nil
	}
	m.err = ""
	return m, m.ed.SetValue(msg.text)
}
