package ui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// A page asks for a form, another page or a question with a message that
// a command returns, and the keys typed meanwhile reach the root before
// it: given to the page, they were lost or worse (after enter on the
// board, e opened the board's edit form; after c on a lead, the first
// letters of the contact's name were dropped). So after a key to a page,
// or to an overlay that takes no text, returns a command, the root holds
// what is typed next until that command and whatever its messages led
// to have been handled, or until something opened (an overlay pushed,
// another page shown, a text field focused); then it gives the held keys
// in order to what has the keyboard. The wait is bounded as the forms'
// wait for huh's focus move is: holdFor, maxHeld keys.
//
// Pages could instead return their requests from Update for the root to
// act on at once; but opening the edit, won and lost forms needs a read
// first (forms.BookMsg), which must not run in Update, so that would
// still leave a gap. The hold covers every path without changing pages.
const (
	holdFor = 150 * time.Millisecond
	maxHeld = 64
)

// hold is the keys waiting for what a key started. While on, every
// command the root returns is followed by a mark (tea.Sequence runs the
// command, waits for all its messages to be sent, then sends the mark,
// so the mark arrives after they were all handled); pending counts the
// marks to come. A message not caused by the key may be counted too: it
// only lengthens the wait, never past until.
type hold struct {
	on      bool
	at      spot // where the keyboard was when the hold began
	gen     int  // which hold a mark or an end belongs to
	pending int
	until   time.Time
	keys    []tea.Msg
}

// holdMarkMsg says the messages of one command of hold gen are handled.
type holdMarkMsg struct{ gen int }

// holdEndMsg ends hold gen when its time is up.
type holdEndMsg struct{ gen int }

func holdMark(gen int) tea.Cmd { return func() tea.Msg { return holdMarkMsg{gen} } }

// spot is where the keyboard is: the page, how many overlays were pushed
// so far, and whether a text field has it. A change means something
// opened (or closed onto a text field).
type spot struct {
	screen screen
	pushes int
	input  bool
}

func (m *Model) spot() spot {
	input := m.page().InputFocused()
	if o := m.top(); o != nil {
		input = o.InputFocused()
	}
	return spot{m.screen, m.pushes, input}
}

// input takes a key or a paste: held while a hold is on and within its
// bounds, else routed; a key that may open something starts a hold.
func (m *Model) input(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.ForceQuit) {
		return tea.Quit
	}
	var cmds []tea.Cmd
	if m.hold.on {
		if len(m.hold.keys) < maxHeld && time.Now().Before(m.hold.until) {
			m.hold.keys = append(m.hold.keys, msg)
			return nil
		}
		cmds = append(cmds, m.release(false))
		if m.hold.on { // the last held key started a hold of its own
			m.hold.keys = append(m.hold.keys, msg)
			return cmds[0]
		}
	}
	cmd, opens := m.deliver(msg)
	if opens {
		cmd = m.startHold(cmd, time.Now().Add(holdFor))
	}
	return tea.Batch(append(cmds, cmd)...)
}

// deliver gives a key to the root's keys or to what has the keyboard, and
// says whether its command may still open something: it returned one,
// and no text field had the keyboard (text keys open nothing, and their
// cursor's blink would hold every next key), and either nothing opened at
// once or a page did that is not ready for keys yet (the approvals inbox
// until it is read).
func (m *Model) deliver(msg tea.Msg) (cmd tea.Cmd, opens bool) {
	at := m.spot()
	done := false
	if k, ok := msg.(tea.KeyPressMsg); ok {
		cmd, done = m.globalKey(k)
	}
	if !done {
		cmd = m.focus().Update(msg)
	}
	waits := m.spot() == at || m.top() == nil && !m.page().Ready()
	return cmd, cmd != nil && !at.input && waits
}

// startHold holds the keys typed after a key whose command is cmd, until
// at most until.
func (m *Model) startHold(cmd tea.Cmd, until time.Time) tea.Cmd {
	gen := m.hold.gen + 1
	m.hold = hold{on: true, gen: gen, at: m.spot(), pending: 1, until: until}
	end := tea.Tick(time.Until(until), func(time.Time) tea.Msg { return holdEndMsg{gen} })
	return tea.Batch(tea.Sequence(cmd, holdMark(gen)), end)
}

// follow is called with each command the root returns for a message
// other than a key while a hold is on: when something opened since the
// hold began and is ready for keys (a lead being opened is not, until it
// is on screen), the keys go to it; otherwise cmd is followed by a mark.
func (m *Model) follow(cmd tea.Cmd) tea.Cmd {
	switch {
	case !m.hold.on:
		return cmd
	case m.spot() != m.hold.at && (m.top() != nil || m.page().Ready()):
		return tea.Batch(cmd, m.release(true))
	case cmd == nil:
		return nil
	}
	m.hold.pending++
	return tea.Sequence(cmd, holdMark(m.hold.gen))
}

// holdStep counts a mark, and ends the hold when every mark is in or its
// time is up.
func (m *Model) holdStep(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case holdMarkMsg:
		if m.hold.on && msg.gen == m.hold.gen {
			if m.hold.pending--; m.hold.pending == 0 {
				return m.release(true)
			}
		}
	case holdEndMsg:
		if m.hold.on && msg.gen == m.hold.gen {
			return m.release(false)
		}
	}
	return nil
}

// release ends the hold and gives its keys, in order, to what has the
// keyboard. A key among them that may open something holds the ones
// after it again, until the same time (again says it may; the last key
// always may, with a time of its own, as a key typed now would).
func (m *Model) release(again bool) tea.Cmd {
	keys, until := m.hold.keys, m.hold.until
	m.hold = hold{gen: m.hold.gen}
	var cmds []tea.Cmd
	for i, k := range keys {
		cmd, opens := m.deliver(k)
		rest := keys[i+1:]
		if opens && (again || len(rest) == 0) {
			if len(rest) == 0 {
				until = time.Now().Add(holdFor)
			}
			cmds = append(cmds, m.startHold(cmd, until))
			m.hold.keys = slices.Clone(rest)
			break
		}
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}
