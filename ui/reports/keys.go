package reports

import (
	"charm.land/bubbles/v2/key"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the reports screen's keys.
type KeyMap struct {
	Next, Prev     key.Binding
	Period, Custom key.Binding
	Rep            key.Binding
	Up, Down       key.Binding
	Back           key.Binding
	// In the custom-period form:
	Field, Apply, Cancel key.Binding
}

// NewKeyMap returns the keys with help in the UI language and the user's
// remaps (config "keys": action name to keys) applied.
func NewKeyMap(t func(string) string, remap map[string][]string) KeyMap {
	b := common.Binder(t, remap)
	return KeyMap{
		Next:   b("next_report", "key.next_report", "tab", "]"),
		Prev:   b("prev_report", "key.prev_report", "shift+tab", "["),
		Period: b("period", "key.period", "p"),
		Custom: b("custom_period", "key.custom_period", "P"),
		Rep:    b("rep", "key.rep", "r"),
		Up:     b("up", "key.scroll_up", "k", "up"),
		Down:   b("down", "key.scroll_down", "j", "down"),
		Back:   b("back", "key.back", "esc"),
		Field:  key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", t("key.form_next"))),
		Apply:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", t("key.apply"))),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t("key.form_cancel"))),
	}
}

// ShortHelp lists the main keys for the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Period, k.Custom, k.Rep, k.Back}
}

// FullHelp lists every key.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev}, {k.Period, k.Custom, k.Rep}, {k.Up, k.Down, k.Back}}
}

// customKeys are the keys while the custom period is typed.
type customKeys struct{ k KeyMap }

func (c customKeys) ShortHelp() []key.Binding { return []key.Binding{c.k.Field, c.k.Apply, c.k.Cancel} }
func (c customKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{c.ShortHelp()}
}
