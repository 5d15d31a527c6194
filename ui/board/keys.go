package board

import "charm.land/bubbles/v2/key"

// KeyMap is the board's keys. Help comes from the same bindings, so the
// help line cannot drift from what the keys do.
type KeyMap struct {
	Up, Down, Left, Right key.Binding
	MoveLeft, MoveRight   key.Binding
	Won, Lost             key.Binding // from any stage, asking the contract or the reason
	// WonLost shows Won and Lost as one entry of the help line, which has
	// no room for two at 80 columns.
	WonLost         key.Binding
	Undo            key.Binding
	Open, New, Edit key.Binding
	Approval        key.Binding // asks for approval of the selected deal
	Filter, Sort    key.Binding
	First, Last     key.Binding
	Help, Quit      key.Binding
	// While filtering:
	Accept, Clear key.Binding
}

// NewKeyMap returns the board keys with their help in the UI language,
// with the user's remaps (config "keys": action name to keys) applied.
func NewKeyMap(t func(string) string, remap map[string][]string) KeyMap {
	b := func(name, help string, keys ...string) key.Binding {
		if k, ok := remap[name]; ok && len(k) > 0 {
			keys = k
		}
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keysHelp(keys), t(help)))
	}
	km := KeyMap{
		Up:        b("up", "key.up", "k", "up"),
		Down:      b("down", "key.down", "j", "down"),
		Left:      b("left", "key.left", "h", "left"),
		Right:     b("right", "key.right", "l", "right"),
		MoveLeft:  b("move_left", "key.move_left", "H", "shift+left"),
		MoveRight: b("move_right", "key.move_right", "L", "shift+right"),
		Won:       b("mark_won", "key.mark_won", "W"),
		Lost:      b("mark_lost", "key.mark_lost", "X"),
		Undo:      b("undo", "key.undo", "u"),
		Open:      b("open", "key.open", "enter"),
		New:       b("new", "key.new", "n"),
		Edit:      b("edit", "key.edit", "e"),
		Approval:  b("request_approval", "key.request_approval", "a"),
		Filter:    b("filter", "key.filter", "/"),
		Sort:      b("sort", "key.sort", "s"),
		First:     b("first", "key.first", "g", "home"),
		Last:      b("last", "key.last", "G", "end"),
		Help:      b("help", "key.help", "?"),
		Quit:      b("quit", "key.quit", "q", "ctrl+c"),
		Accept:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", t("key.accept_filter"))),
		Clear:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t("key.clear_filter"))),
	}
	km.WonLost = key.NewBinding(key.WithKeys(append(km.Won.Keys(), km.Lost.Keys()...)...),
		key.WithHelp(km.Won.Help().Key+"/"+km.Lost.Help().Key, t("key.won_lost")))
	return km
}

// keysHelp shows the first key and, when it is a letter, the arrow too.
func keysHelp(keys []string) string {
	arrows := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "shift+left": "⇧←", "shift+right": "⇧→"}
	out := keys[0]
	if len(keys) > 1 {
		if a, ok := arrows[keys[1]]; ok {
			out += "/" + a
		}
	}
	return out
}

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.MoveRight, k.WonLost, k.Open, k.New, k.Filter, k.Help, k.Undo, k.Quit}
}

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.First, k.Last},
		{k.MoveLeft, k.MoveRight, k.Won, k.Lost, k.Undo, k.Open},
		{k.New, k.Edit, k.Approval, k.Filter, k.Sort},
		{k.Help, k.Quit},
	}
}

// filterKeys is the help while the filter has the keyboard.
type filterKeys struct{ k KeyMap }

// ShortHelp is the help line while filtering.
func (f filterKeys) ShortHelp() []key.Binding { return []key.Binding{f.k.Accept, f.k.Clear} }

// FullHelp is the same as the short help.
func (f filterKeys) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }
