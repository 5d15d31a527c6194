package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
)

// uiLockWait is how long the UI's transactions wait for another
// process's: longer than a compaction of a 10,000-lead book (about 3 s).
const uiLockWait = 8 * time.Second

// demoLeads is the size of the demo book made on first use.
const demoLeads = 300

// openUI runs the terminal UI on the user's database, or with --demo on
// the demo database (filled on first use, never the user's own).
func (a *app) openUI() error {
	if !isTerminal(a.in) || !isTerminal(a.out) {
		return errors.New("the terminal UI needs a terminal on standard input and output; run fieldcrm in a terminal, or use its subcommands (fieldcrm --help)")
	}
	// A save in the UI waits out another process's compaction or first
	// backup of the day (a few seconds on a big book) instead of failing.
	a.lockWait = uiLockWait
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
	own := ui.NewOwnWrites(st.Path())
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a.inUI.Store(true) // the screen is the UI's from here, its sync's compactions included: no bars on stderr
	var sync syncstatus.Config
	if !a.demo { // the demo book never syncs with the user's server
		sync = a.startSync(ctx, st, own)
	}
	data := &savingBook{Store: st}
	m := ui.New(ui.Options{
		Data: data, Rules: st.Rules(), Lang: config.Language(a.lang, a.cfg),
		DBPath: st.Path(), User: st.User(), Now: a.now, Keys: a.cfg.Keys, Dark: true, Template: a.cfg.Template,
		Sync: sync, Own: own, Plan: a.commissionPlan(),
	})
	_, err = tea.NewProgram(m, tea.WithInput(a.in), tea.WithOutput(a.out)).Run()
	// A note saved just before quitting may still wait for the book (the
	// sync's transaction holds it for up to a second or two while it
	// stores a first pull): the sync is stopped, and the save is let
	// finish before the process ends.
	stop()
	if !data.settle(quitWait) {
		printf(a.err, "fieldcrm: "+i18n.T(a.language(), "ui.unsaved")+"\n", quitWait)
	}
	if err != nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}

// quitWait bounds how long quitting the terminal UI waits for its writes.
const quitWait = 15 * time.Second

// savingBook is the book as the terminal UI writes it: each write runs
// in a command of its own, and one may still be waiting for the book
// (another process's transaction, or this one's sync) when the user
// quits; settle waits for those.
type savingBook struct {
	*store.Store
	writes atomic.Int64 // running
}

func (b *savingBook) Update(fn func(*store.Tx) error) error {
	b.writes.Add(1)
	defer b.writes.Add(-1)
	return b.Store.Update(fn)
}

// settle waits until no write is running, at most limit, and reports
// whether none was. It looks every few milliseconds: a write may still
// start while it waits, from a command the program ran before it ended.
func (b *savingBook) settle(limit time.Duration) bool {
	end := time.Now().Add(limit)
	for b.writes.Load() > 0 {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// startSync starts the background sync of the UI when a server and a
// token are configured; the UI gets a Loop to kick and the statuses. The
// sync's writes are marked as the process's own as each sync ends, so the
// UI's file watcher does not read them back.
func (a *app) startSync(ctx context.Context, st *store.Store, own *ui.OwnWrites) syncstatus.Config {
	if a.cfg.Server == "" || a.cfg.Token == "" {
		return syncstatus.Config{}
	}
	client, err := remote.NewClient(a.cfg.Server, a.cfg.Token)
	if err != nil {
		return syncstatus.Config{Problem: err}
	}
	client.User = a.cfg.User // the loop refuses a book bound to another account
	o := remote.LoopOptions{Sync: remote.Options{LessGC: true}}
	var statuses <-chan syncstatus.StatusMsg
	o.OnStatus, statuses = syncstatus.Feed(own.Mark)
	o.OnStatus = compactAfterSyncs(st, o.OnStatus) // compact.go
	loop := remote.NewLoop(st, client, o)
	go loop.Run(ctx)
	return syncstatus.Config{Loop: loop, Statuses: statuses}
}
