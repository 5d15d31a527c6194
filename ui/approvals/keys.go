package approvals

import (
	"charm.land/bubbles/v2/key"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the inbox's keys.
type KeyMap struct {
	Up, Down, First, Last key.Binding
	Open, Approve, Reject key.Binding
	Lead, Reload, Back    key.Binding
	Help, Quit            key.Binding
	CloseDetail           key.Binding
	// showingDetail picks the help of one request shown whole.
	showingDetail bool
}

// NewKeyMap returns the keys with help in the UI language and the user's
// remaps applied.
func NewKeyMap(t func(string) string, remap map[string][]string) KeyMap {
	b := common.Binder(t, remap)
	return KeyMap{
		Up:          b("up", "key.up", "k", "up"),
		Down:        b("down", "key.down", "j", "down"),
		First:       b("first", "key.first", "g", "home"),
		Last:        b("last", "key.last", "G", "end"),
		Open:        b("open", "key.open_request", "enter"),
		Approve:     b("approve", "key.approve", "y"),
		Reject:      b("reject", "key.reject", "n"),
		Lead:        b("open_lead", "key.open_lead", "o"),
		Reload:      b("reload", "key.reload", "r"),
		Back:        b("back", "key.back", "esc"),
		CloseDetail: b("back", "key.back_to_list", "esc"),
		Help:        b("help", "key.help", "?"),
		Quit:        b("quit", "key.quit", "q", "ctrl+c"),
	}
}

// detail is the keys while one request is shown whole.
func (k KeyMap) detail() KeyMap {
	k.showingDetail = true
	return k
}

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	if k.showingDetail {
		return []key.Binding{k.Approve, k.Reject, k.Lead, k.CloseDetail, k.Help}
	}
	return []key.Binding{k.Open, k.Approve, k.Reject, k.Lead, k.Back, k.Help}
}

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	if k.showingDetail {
		return [][]key.Binding{{k.Up, k.Down}, {k.Approve, k.Reject, k.Lead}, {k.CloseDetail, k.Help, k.Quit}}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.First, k.Last},
		{k.Open, k.Approve, k.Reject, k.Lead, k.Reload},
		{k.Back, k.Help, k.Quit},
	}
}
