package main

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
)

// demoLeads is the size of the demo book made on first use.
const demoLeads = 300

// openUI runs the terminal UI on the user's database, or with --demo on
// the demo database (filled on first use, never the user's own).
func (a *app) openUI() error {
	if !isTerminal(a.in) || !isTerminal(a.out) {
		return errors.New("the terminal UI needs a terminal on standard input and output; run fieldcrm in a terminal, or use its subcommands (fieldcrm --help)")
	}
	st, err := a.store()
	if err == nil {
		err = st.Ready() // a locked or newer file is said here, not inside the UI
	}
	if err != nil {
		return err
	}
	st, goOn, err := a.askName(st)
	if err != nil || !goOn {
		return err
	}
	if a.demo {
		err := demo.Generate(st, demo.Options{Leads: demoLeads, Now: a.now()})
		if err != nil && !errors.Is(err, demo.ErrNotEmpty) {
			return fmt.Errorf("create the demo database %s: %w", st.Path(), err)
		}
	}
	// The demo book never syncs with the user's server.
	sync := syncstatus.Config{Store: st, Server: a.cfg.Server, Token: a.cfg.Token, User: a.cfg.User}
	if a.demo {
		sync = syncstatus.Config{}
	}
	m := ui.New(ui.Options{
		Data: st, Rules: st.Rules(), Lang: config.Language(a.lang, a.cfg),
		DBPath: st.Path(), User: st.User(), Now: a.now, Keys: a.cfg.Keys, Dark: true, Template: a.cfg.Template,
		Sync: sync, Plan: a.commissionPlan(),
	})
	_, err = tea.NewProgram(m, tea.WithInput(a.in), tea.WithOutput(a.out)).Run()
	if err != nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
