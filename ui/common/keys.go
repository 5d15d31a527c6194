package common

import "charm.land/bubbles/v2/key"

// Binder returns the constructor every screen's keymap uses: a binding for
// the action name with its default keys, unless the config file's [keys]
// section remaps that action, and its help text from the catalog.
func Binder(t func(string) string, remap map[string][]string) func(name, help string, keys ...string) key.Binding {
	return func(name, help string, keys ...string) key.Binding {
		if k, ok := remap[name]; ok && len(k) > 0 {
			keys = k
		}
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], t(help)))
	}
}
