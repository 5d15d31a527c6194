package ui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/palette"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
	"github.com/fieldcrm/fieldcrm/ui/trash"
)

// overlay is what opens over the pages: a form, the palette, quick
// capture, visit mode, the drafts offer, a question, the help, the trash
// and the refused list. They sit on one stack; the top one has the
// keyboard, and closing it gives the keyboard back to the one below.
type overlay interface {
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	KeyMap() help.KeyMap
	InputFocused() bool
	// Lead is the lead the overlay is about, for a quick note; "" when none.
	Lead() (id, company string)
}

// popMsg asks the root to take an overlay off the stack.
type popMsg struct{ o overlay }

func pop(o overlay) tea.Cmd { return func() tea.Msg { return popMsg{o} } }

// top returns the overlay that has the keyboard, nil when a page has it.
func (m *Model) top() overlay {
	if len(m.stack) == 0 {
		return nil
	}
	return m.stack[len(m.stack)-1]
}

// push puts o on top of the stack, sized to the body; an overlay already
// lower in the stack (a hidden note called back) moves up.
func (m *Model) push(o overlay) tea.Cmd {
	m.stack = append(m.without(o), o)
	m.pushes++
	return m.layout()
}

// remove takes o off the stack wherever it is.
func (m *Model) remove(o overlay) tea.Cmd {
	m.stack = slices.DeleteFunc(slices.Clone(m.stack), func(x overlay) bool { return x == o })
	return m.layout()
}

// topOf returns the topmost overlay of type T.
func topOf[T overlay](stack []overlay) (T, bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		if o, ok := stack[i].(T); ok {
			return o, true
		}
	}
	var zero T
	return zero, false
}

// binds reports whether a key map has a binding for k, so the layer that
// shows it in its help keeps it.
func binds(km help.KeyMap, k tea.KeyPressMsg) bool {
	for _, col := range km.FullHelp() {
		for _, b := range col {
			if key.Matches(k, b) {
				return true
			}
		}
	}
	return false
}

// formOverlay is an open form. endsVisit marks the form that checks out of
// the open visit: once it saves, the visit is over.
type formOverlay struct {
	f         *forms.Model
	endsVisit bool
	lead      string
}

func (o *formOverlay) Update(msg tea.Msg) tea.Cmd {
	return step(&o.f, msg)
}
func (o *formOverlay) View() string           { return o.f.View() }
func (o *formOverlay) SetSize(w, h int)       {}
func (o *formOverlay) KeyMap() help.KeyMap    { return o.f.KeyMap() }
func (o *formOverlay) InputFocused() bool     { return true }
func (o *formOverlay) Lead() (string, string) { return o.lead, "" }

type paletteOverlay struct{ p palette.Model }

func (o *paletteOverlay) Update(msg tea.Msg) tea.Cmd {
	return step(&o.p, msg)
}
func (o *paletteOverlay) View() string           { return o.p.View() }
func (o *paletteOverlay) SetSize(w, h int)       { o.p.SetWidth(w) }
func (o *paletteOverlay) KeyMap() help.KeyMap    { return o.p.KeyMap() }
func (o *paletteOverlay) InputFocused() bool     { return true }
func (o *paletteOverlay) Lead() (string, string) { return "", "" }

// captureOverlay is quick capture; hidden, it stays in the root with its
// draft until it is saved or another lead's note replaces it.
type captureOverlay struct {
	m       capture.Model
	leadID  string
	company string
}

func (o *captureOverlay) Update(msg tea.Msg) tea.Cmd {
	return step(&o.m, msg)
}
func (o *captureOverlay) View() string           { return o.m.View() }
func (o *captureOverlay) SetSize(w, h int)       { o.m.SetSize(w, h) }
func (o *captureOverlay) KeyMap() help.KeyMap    { return o.m.KeyMap() }
func (o *captureOverlay) InputFocused() bool     { return true }
func (o *captureOverlay) Lead() (string, string) { return o.leadID, o.company }

// visitOverlay is visit mode over the open visit; hidden, the visit stays
// open in the root.
type visitOverlay struct {
	v                   capture.Visit
	leadID, company     string
	activityID, draftID string
	startedAt           time.Time
}

func (o *visitOverlay) Update(msg tea.Msg) tea.Cmd {
	return step(&o.v, msg)
}
func (o *visitOverlay) View() string           { return o.v.View() }
func (o *visitOverlay) SetSize(w, h int)       { o.v.SetSize(w, h) }
func (o *visitOverlay) KeyMap() help.KeyMap    { return o.v.KeyMap() }
func (o *visitOverlay) InputFocused() bool     { return true }
func (o *visitOverlay) Lead() (string, string) { return o.leadID, o.company }

type offerOverlay struct{ o capture.Offer }

func (o *offerOverlay) Update(msg tea.Msg) tea.Cmd {
	return step(&o.o, msg)
}
func (o *offerOverlay) View() string           { return o.o.View() }
func (o *offerOverlay) SetSize(w, h int)       { o.o.SetWidth(w) }
func (o *offerOverlay) KeyMap() help.KeyMap    { return o.o.KeyMap() }
func (o *offerOverlay) InputFocused() bool     { return false }
func (o *offerOverlay) Lead() (string, string) { return "", "" }

// rejectedOverlay shows the sync's list of refused changes. The list lives
// in the sync model, which takes the sync's replies itself; the overlay
// only passes it the keys and leaves when the list closes.
type rejectedOverlay struct {
	s    *syncstatus.Model
	w, h int
}

func (o *rejectedOverlay) Update(msg tea.Msg) tea.Cmd {
	cmd := step(o.s, msg)
	if !o.s.RejectedOpen() {
		return tea.Batch(cmd, pop(o))
	}
	return cmd
}
func (o *rejectedOverlay) View() string           { return o.s.View(o.w, o.h) }
func (o *rejectedOverlay) SetSize(w, h int)       { o.w, o.h = w, h }
func (o *rejectedOverlay) KeyMap() help.KeyMap    { return o.s.KeyMap() }
func (o *rejectedOverlay) InputFocused() bool     { return false }
func (o *rejectedOverlay) Lead() (string, string) { return "", "" }

type trashOverlay struct{ t trash.Model }

func (o *trashOverlay) Update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(trash.ClosedMsg); ok {
		return pop(o)
	}
	return step(&o.t, msg)
}
func (o *trashOverlay) View() string           { return o.t.View() }
func (o *trashOverlay) SetSize(w, h int)       { o.t.SetSize(w, h) }
func (o *trashOverlay) KeyMap() help.KeyMap    { return o.t.KeyMap() }
func (o *trashOverlay) InputFocused() bool     { return false }
func (o *trashOverlay) Lead() (string, string) { return "", "" }
