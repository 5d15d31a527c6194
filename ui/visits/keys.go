package visits

import (
	"charm.land/bubbles/v2/key"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the visit log's keys.
type KeyMap struct {
	Up, Down, First, Last, PageUp, PageDown key.Binding
	Open, Back, Edit                        key.Binding
	Search, Kind, Lead, Range, Clear        key.Binding
	Help, Quit                              key.Binding
	// While a filter field has the keyboard:
	Accept, Cancel key.Binding
	// While editing notes:
	Save, Close key.Binding
}

// NewKeyMap returns the keys with help in the UI language and the user's
// remaps applied.
func NewKeyMap(t func(string) string, remap map[string][]string) KeyMap {
	b := common.Binder(t, remap)
	return KeyMap{
		Up:       b("up", "key.up", "k", "up"),
		Down:     b("down", "key.down", "j", "down"),
		First:    b("first", "key.first", "g", "home"),
		Last:     b("last", "key.last", "G", "end"),
		PageUp:   b("page_up", "key.page_up", "pgup", "b"),
		PageDown: b("page_down", "key.page_down", "pgdown", "space"),
		Open:     b("open", "key.open", "enter"),
		Back:     b("back", "key.back", "esc"),
		Edit:     b("edit_notes", "key.edit_notes", "e"),
		Search:   b("filter", "key.filter", "/"),
		Kind:     b("filter_kind", "key.filter_kind", "t"),
		Lead:     b("filter_lead", "key.filter_lead", "l"),
		Range:    b("filter_dates", "key.filter_dates", "r"),
		Clear:    b("clear", "key.clear", "x"),
		Help:     b("help", "key.help", "?"),
		Quit:     b("quit", "key.quit", "q", "ctrl+c"),
		Accept:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", t("key.accept_filter"))),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t("key.clear_filter"))),
		Save:     key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", t("key.save"))),
		Close:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t("key.minimize"))),
	}
}

// ShortHelp is the help line of the list.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Search, k.Kind, k.Lead, k.Range, k.Clear, k.Help}
}

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.First, k.Last, k.PageUp, k.PageDown},
		{k.Open, k.Edit, k.Back},
		{k.Search, k.Kind, k.Lead, k.Range, k.Clear},
		{k.Help, k.Quit},
	}
}

type keyList []key.Binding

func (l keyList) ShortHelp() []key.Binding  { return l }
func (l keyList) FullHelp() [][]key.Binding { return [][]key.Binding{l} }
