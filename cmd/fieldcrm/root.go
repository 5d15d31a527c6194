package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

// app is what every command shares: the streams, the flags, the config and
// the store, opened on first use.
type app struct {
	in       io.Reader
	out, err io.Writer

	dbPath     string
	configPath string
	lang       string
	demo       bool

	cfg   *config.Config
	rules func() model.Rules // the config's rules, worked out once
	st    *store.Store
	now   func() time.Time
	// namedHint is set once the missing user name has been pointed out.
	namedHint bool
	// lockWait bounds the wait for another process's transaction; zero
	// is the store's default (a second).
	lockWait time.Duration
	// inUI is set while the terminal UI owns the screen: no bar is drawn
	// on stderr then (copyProgress).
	inUI atomic.Bool
	// watching and memoryLimit are watchMemory's (watchdog.go).
	watching    atomic.Bool
	memoryLimit atomic.Uint64
}

func newRootCmd(in io.Reader, out, errw io.Writer) *cobra.Command {
	return (&app{in: in, out: out, err: errw, now: time.Now}).rootCmd()
}

// rootCmd is the command tree over a; the SSH front builds one over a
// session's streams and replica (serve_ssh.go).
func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fieldcrm",
		Short: "An offline-first CRM for field sales, in the terminal",
		Long: `fieldcrm keeps your leads, visits and follow-ups in a local database that
works offline, and syncs with your team's server when you are online.

Run it bare to open the terminal UI; the subcommands script everything.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          a.runUI,
	}
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbPath, "db", "", "database file (default $FIELDCRM_DB, then "+config.DefaultDBPath()+")")
	pf.StringVar(&a.configPath, "config", "", "config file (default $FIELDCRM_CONFIG, then "+config.DefaultPath()+")")
	pf.StringVar(&a.lang, "lang", "", "language of the UI: en or zh (default $FIELDCRM_LANG, then $LANG)")
	root.Flags().BoolVar(&a.demo, "demo", false, "open the UI on the demo database (created on first use), never your own")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return a.loadConfig() }
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())
	})
	for _, add := range commandGroups {
		add(root, a)
	}
	a.registerCompletions(root)
	return root
}

// commandGroups is filled by each command file's init, so main.go only
// wires them.
var commandGroups []func(root *cobra.Command, a *app)

func (a *app) loadConfig() error {
	path := a.configPath
	if path == "" {
		path = os.Getenv("FIELDCRM_CONFIG")
	}
	cfg, err := config.Load(path)
	if err != nil {
		// A bad config file must not lock the user out: warn, use defaults.
		printf(a.err, "fieldcrm: warning: %v; using the defaults\n", err)
	}
	a.cfg = cfg
	a.rules = sync.OnceValue(cfg.Rules)
	return nil
}

// resolvedDBPath is --db, then $FIELDCRM_DB, then the XDG default.
func (a *app) resolvedDBPath() string {
	switch {
	case a.demo:
		return config.DemoDBPath()
	case a.dbPath != "":
		return a.dbPath
	case os.Getenv("FIELDCRM_DB") != "":
		return os.Getenv("FIELDCRM_DB")
	}
	return config.DefaultDBPath()
}

// store opens the database on first use. The file is opened, checked and
// migrated by the first transaction, so a command opens it once.
func (a *app) store() (*store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	rules := a.rules()
	bar := a.progress(i18n.T(a.language(), "search.building"))
	shown := func(done, total int) {
		if bar.update(done, total); done >= total {
			bar.finish()
		}
	}
	st, err := store.Open(store.Options{Path: a.resolvedDBPath(), User: a.cfg.User, Rules: &rules, Now: a.now, LockTimeout: a.lockWait,
		CheckOnFirstUse: true, AutoBackup: true, Progress: shown, CopyProgress: a.copyProgress()})
	if err != nil {
		return nil, err
	}
	a.st = st
	a.watchMemory(st.Path())
	return st, nil
}

// update runs fn in one write transaction on the store. A write by nobody
// named says how to set a name.
func (a *app) update(fn func(*store.Tx) error) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	unnamed := false
	err = st.Update(func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		unnamed = a.unnamed(tx) // after fn, which may have bound the book
		return nil
	})
	if err == nil && unnamed {
		a.hintName(st.User())
	}
	return err
}

// view runs fn in one read transaction on the store.
func (a *app) view(fn func(*store.Tx) error) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.View(fn)
}

func (a *app) runUI(cmd *cobra.Command, _ []string) error {
	return a.openUI()
}
