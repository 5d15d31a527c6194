package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// choice is one answer to a question: its keys, its help, and the message
// it sends (nil: just close).
type choice struct {
	keys []string
	help string
	msg  tea.Msg
}

// askOverlay is a question with a few answers, each a key; esc is always
// one of them. It asks before a lead goes to the trash, when a visit is
// already open elsewhere, and when a visit left open is found at start.
type askOverlay struct {
	c        *common.Common
	question string
	hint     string
	choices  []choice
	keys     []key.Binding
	width    int
	// guard, when set, is how long after opening the question ignores
	// keys: a question that comes up by itself (at start) is not answered
	// by keys typed before it showed.
	guard  time.Duration
	opened time.Time
}

func newAsk(c *common.Common, question, hint string, choices ...choice) *askOverlay {
	o := &askOverlay{c: c, question: question, hint: hint, choices: choices, opened: time.Now()}
	for _, ch := range choices {
		o.keys = append(o.keys, key.NewBinding(key.WithKeys(ch.keys...), key.WithHelp(ch.keys[0], ch.help)))
	}
	return o
}

func (o *askOverlay) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || time.Since(o.opened) < o.guard {
		return nil
	}
	for i, b := range o.keys {
		if key.Matches(k, b) {
			if o.choices[i].msg == nil {
				return pop(o)
			}
			return tea.Sequence(pop(o), common.Emit(o.choices[i].msg))
		}
	}
	return nil
}

func (o *askOverlay) View() string {
	st := o.c.Styles.App
	lines := []string{st.Title.Render(common.Cut(o.question, o.width))}
	if o.hint != "" {
		lines = append(lines, "", common.Cut(o.hint, o.width))
	}
	var answers []string
	for _, b := range o.keys {
		answers = append(answers, b.Help().Key+" "+b.Help().Desc)
	}
	lines = append(lines, "", common.Cut(strings.Join(answers, " · "), o.width))
	return strings.Join(lines, "\n")
}
func (o *askOverlay) SetSize(w, h int)       { o.width = w }
func (o *askOverlay) KeyMap() help.KeyMap    { return keyList(o.keys) }
func (o *askOverlay) InputFocused() bool     { return false }
func (o *askOverlay) Lead() (string, string) { return "", "" }
