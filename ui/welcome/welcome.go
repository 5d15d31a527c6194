// Package welcome is the first-start screen: it asks who the user is when
// neither the config nor the book names anyone, and hands the name to a
// save function the caller passes in (the UI reads no config file).
package welcome

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/fieldcrm/fieldcrm/i18n"
)

// KeyMap is the screen's keys. While the name field has focus every letter
// belongs to the name, so the keys are shown under it all the time.
type KeyMap struct{ Save, Skip, Quit key.Binding }

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Save, k.Skip, k.Quit} }

// FullHelp is the same keys; the screen has no others.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// savedMsg is the save function's answer.
type savedMsg struct {
	name string
	err  error
}

// Model asks for the user's name.
type Model struct {
	cat   i18n.Catalog
	keys  KeyMap
	input textinput.Model
	help  help.Model
	save  func(name string) error
	err   string
	busy  bool
	// Name is the name saved; "" when the user skipped or quit.
	Name string
	// Quit says the user asked to leave fieldcrm, not only this screen.
	Quit  bool
	width int
}

// New returns the screen in lang; save stores the name (the config file's
// user line) and its error is shown on the screen.
func New(lang string, save func(name string) error) Model {
	cat := i18n.New(lang)
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = cat.T("welcome.placeholder")
	in.CharLimit = 64
	in.Focus()
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], cat.T(help)))
	}
	return Model{cat: cat, input: in, help: help.New(), save: save, keys: KeyMap{
		Save: b("welcome.key_save", "enter"), Skip: b("welcome.key_skip", "esc"), Quit: b("key.quit", "ctrl+c"),
	}}
}

// KeyMap returns the keys for a help view.
func (m Model) KeyMap() KeyMap { return m.keys }

// Init focuses the field.
func (m Model) Init() tea.Cmd { return textinput.Blink }

// Update handles keys and the save's answer.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
		m.input.SetWidth(max(10, msg.Width-4))
		return m, nil
	case savedMsg:
		m.busy = false
		if msg.err != nil {
			m.err = m.cat.Tf("welcome.err_save", msg.err.Error())
			return m, nil
		}
		m.Name = msg.name
		return m, tea.Quit
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Quit):
			m.Quit = true
			return m, tea.Quit
		case key.Matches(msg, m.keys.Skip):
			return m, tea.Quit
		case key.Matches(msg, m.keys.Save):
			if m.busy {
				return m, nil
			}
			name := strings.TrimSpace(m.input.Value())
			if err := checkName(name); err != nil {
				m.err = m.cat.T(err.Error())
				return m, nil
			}
			m.err, m.busy = "", true
			save := m.save
			return m, func() tea.Msg { return savedMsg{name: name, err: save(name)} }
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// checkName applies the server's rule for user names, so a name chosen
// here can later log in: 1 to 64 bytes, no spaces, quotes, slashes or
// control characters. The error is a catalog key.
func checkName(name string) error {
	if name == "" || len(name) > 64 {
		return errors.New("welcome.err_empty")
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '/' || r == '"' || r == '\\' || r == '\u3000' {
			return errors.New("welcome.err_chars")
		}
	}
	return nil
}

// View draws the question, the field, any problem and the keys.
func (m Model) View() tea.View {
	title := lipgloss.NewStyle().Bold(true)
	faint := lipgloss.NewStyle().Faint(true)
	lines := []string{
		title.Render(m.cat.T("welcome.title")),
		"",
		m.cat.T("welcome.ask"),
		"",
		m.input.View(),
	}
	if m.err != "" {
		lines = append(lines, lipgloss.NewStyle().Foreground(lipgloss.Red).Render(m.err))
	}
	lines = append(lines, "", faint.Render(m.cat.T("welcome.later")), "", m.help.ShortHelpView(m.keys.ShortHelp()))
	return tea.NewView(lipgloss.NewStyle().Padding(1, 2).Render(strings.Join(lines, "\n")))
}
