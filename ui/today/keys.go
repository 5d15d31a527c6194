package today

import (
	"charm.land/bubbles/v2/key"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the daily review's keys.
type KeyMap struct {
	Up, Down, First, Last    key.Binding
	NextSection, PrevSection key.Binding
	Open, Done, Snooze       key.Binding
	Visit, Call, Reload      key.Binding
	Help, Quit               key.Binding
}

// NewKeyMap returns the keys with help in the UI language and the user's
// remaps applied.
func NewKeyMap(t func(string) string, remap map[string][]string) KeyMap {
	b := common.Binder(t, remap)
	return KeyMap{
		Up:    b("up", "key.up", "k", "up"),
		Down:  b("down", "key.down", "j", "down"),
		First: b("first", "key.first", "g", "home"),
		Last:  b("last", "key.last", "G", "end"),
		// The reports screen's tabs move with the same keys.
		NextSection: b("next_section", "key.next_section", "tab", "]"),
		PrevSection: b("prev_section", "key.prev_section", "shift+tab", "["),
		Open:        b("open", "key.open", "enter"),
		Done:        b("done", "key.done", "d"),
		Snooze:      b("snooze", "key.snooze", "z"),
		Visit:       b("visit", "key.visit", "v"),
		Call:        b("call", "key.call", "c"),
		Reload:      b("reload", "key.reload", "r"),
		Help:        b("help", "key.help", "?"),
		Quit:        b("quit", "key.quit", "q", "ctrl+c"),
	}
}

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Done, k.Snooze, k.Visit, k.Call, k.Help}
}

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.First, k.Last, k.NextSection, k.PrevSection},
		{k.Open, k.Done, k.Snooze, k.Visit, k.Call, k.Reload},
		{k.Help, k.Quit},
	}
}
