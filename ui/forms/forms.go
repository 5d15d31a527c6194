// Package forms holds the UI's forms (new and edited leads, stage moves
// that need details, contacts, follow-ups, visits, complaints), built with
// huh. A form shows over the screen that opened it; when submitted it
// saves in a tea.Cmd, and when the save fails it shows again with
// everything typed still in it and the reason on top.
package forms

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Model is one open form.
type Model struct {
	c     *common.Common
	title string
	// build makes the huh form over the form's data, which lives on the
	// heap, so a rebuilt form shows what was typed.
	build func() *huh.Form
	// save writes the data; its command replies with a savedMsg.
	save   func() tea.Cmd
	form   *huh.Form
	err    string
	saving bool
}

// OpenMsg asks the root to show a form.
type OpenMsg struct{ Form *Model }

// DoneMsg says the form closed. Then is what the save produced
// (common.ChangedMsg, common.MovedMsg) for the root to pass on; nil when
// the form was cancelled.
type DoneMsg struct{ Then tea.Msg }

type savedMsg struct {
	err  error
	then tea.Msg
}

// Open returns a command that opens f.
func Open(f *Model) tea.Cmd { return common.Emit(OpenMsg{Form: f}) }

func newModel(c *common.Common, title string, build func() *huh.Form, save func() (tea.Msg, error)) *Model {
	// A title names the lead, stored text: shown escaped.
	m := &Model{c: c, title: common.OneLine(title)}
	m.build = func() *huh.Form {
		km := huh.NewDefaultKeyMap()
		km.Quit = key.NewBinding(key.WithKeys("esc", "ctrl+c"))
		dark := c.Styles.IsDark
		return build().
			WithKeyMap(km).
			WithShowHelp(false).
			WithShowErrors(false).
			WithTheme(huh.ThemeFunc(func(bool) *huh.Styles { return huh.ThemeCharm(dark) })).
			WithWidth(m.formWidth()).
			WithHeight(m.formHeight())
	}
	m.save = func() tea.Cmd {
		return func() tea.Msg {
			then, err := save()
			return savedMsg{err: err, then: then}
		}
	}
	return m
}

func (m *Model) formWidth() int { return max(20, min(m.c.Width-4, 76)) }

// formHeight is what is left under the title (and the last error) above
// the help and status lines; the form scrolls to its focused field.
func (m *Model) formHeight() int {
	h := m.c.Height - footerLines - 2
	if m.err != "" {
		h--
	}
	return max(4, h)
}

// footerLines is the help line and the status line the root draws.
const footerLines = 2

// Init builds the form and focuses its first field.
func (m *Model) Init() tea.Cmd {
	m.form = m.build()
	return m.form.Init()
}

// Update passes msg to the form; on submit it saves.
func (m *Model) Update(msg tea.Msg) (*Model, tea.Cmd) {
	switch msg := msg.(type) {
	case savedMsg:
		m.saving = false
		if msg.err != nil {
			m.err = common.Sentence(msg.err)
			return m, m.Init()
		}
		return m, common.Emit(DoneMsg{Then: msg.then})
	case tea.WindowSizeMsg:
		m.form = m.form.WithWidth(m.formWidth()).WithHeight(m.formHeight())
	}
	if m.saving || m.form == nil {
		return m, nil
	}
	fm, cmd := m.form.Update(msg)
	if f, ok := fm.(*huh.Form); ok {
		m.form = f
	}
	switch m.form.State {
	case huh.StateCompleted:
		m.saving = true
		return m, tea.Batch(cmd, m.save())
	case huh.StateAborted:
		return m, common.Emit(DoneMsg{})
	}
	return m, cmd
}

// View draws the title, the last save error and the form.
func (m *Model) View() string {
	st := m.c.Styles.App
	out := st.Title.Render(common.Cut(m.title, m.formWidth())) + "\n"
	if m.err != "" {
		out += st.Error.Render(common.Cut(m.err, m.formWidth())) + "\n"
	}
	if m.form != nil {
		out += "\n" + m.form.View()
	}
	return out
}

// KeyMap is the help the footer shows while a form is open.
func (m *Model) KeyMap() KeyHelp { return KeyHelp{t: m.c.T} }

// KeyHelp lists a form's keys for the help line.
type KeyHelp struct{ t func(string) string }

// ShortHelp is the help line of a form.
func (k KeyHelp) ShortHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", k.t("key.form_next"))),
		key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", k.t("key.form_prev"))),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", k.t("key.form_cancel"))),
	}
}

// FullHelp is the same as the short help.
func (k KeyHelp) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
