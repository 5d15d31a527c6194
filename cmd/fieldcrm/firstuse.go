package main

import (
	"fmt"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/welcome"

	tea "charm.land/bubbletea/v2"
)

// unnamed reports whether nobody is named as the book's user: the config
// has no user line and the book is bound to no account, so writes fall
// back to the login name ("root" on many laptops). The demo book never
// asks.
func (a *app) unnamed(tx *store.Tx) bool {
	return !a.demo && a.cfg.User == "" && tx.Binding().IsZero()
}

// hintName says once, on stderr, how to set the user name; commands that
// write call it after an unnamed write.
func (a *app) hintName(writer string) {
	if a.namedHint {
		return
	}
	a.namedHint = true
	printf(a.err, "fieldcrm: you have no user name, so you write as %q: add user = \"NAME\" to %s, or run fieldcrm (the UI asks)\n", writer, a.configFile())
}

// saveName writes name as the config's user line. The file is read again
// first, so a file that does not parse is refused rather than replaced by
// the defaults.
func (a *app) saveName(name string) error {
	cfg, err := config.Load(a.configFile())
	if err != nil {
		return fmt.Errorf("%w; fix it, then add user = %q", err, name)
	}
	cfg.User = name
	if err := cfg.Save(); err != nil {
		return fmt.Errorf("write %s: %w", cfg.Path, err)
	}
	a.cfg.User = name
	return nil
}

// askName runs the first-start screen when nobody is named, and reopens
// the book as the name given. It returns false when the user chose to
// quit.
func (a *app) askName(st *store.Store) (*store.Store, bool, error) {
	unnamed := false
	if err := st.View(func(tx *store.Tx) error { unnamed = a.unnamed(tx); return nil }); err != nil || !unnamed {
		return st, true, err
	}
	final, err := tea.NewProgram(welcome.New(config.Language(a.lang, a.cfg), a.saveName), tea.WithInput(a.in), tea.WithOutput(a.out)).Run()
	if err != nil {
		return st, false, fmt.Errorf("terminal UI: %w", err)
	}
	w := final.(welcome.Model)
	if w.Quit {
		return st, false, nil
	}
	if w.Name == "" {
		return st, true, nil
	}
	// The store fixed its writer when it opened: open it again as the
	// name just saved.
	st.Close()
	a.st = nil
	st, err = a.store()
	if err == nil {
		err = st.Ready()
	}
	return st, true, err
}
