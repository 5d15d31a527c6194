package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// sshFlags are serve's flags for the SSH front (package sshd).
type sshFlags struct {
	addr, name     string
	idle           time.Duration
	perUser, total int
}

func (f *sshFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "ssh-addr", os.Getenv("FIELDCRM_SSH_ADDR"), "also serve the terminal UI over SSH on host:port ($FIELDCRM_SSH_ADDR)")
	fs.StringVar(&f.name, "ssh-name", "", "the server's name SSH sessions show (default: the host name)")
	fs.DurationVar(&f.idle, "ssh-idle", sshd.DefaultIdle, "end an SSH session after this long without a key")
	fs.IntVar(&f.perUser, "ssh-max-per-user", sshd.DefaultPerUser, "most SSH sessions one user may have open")
	fs.IntVar(&f.total, "ssh-max-sessions", sshd.DefaultSessions, "most SSH sessions open at once")
}

// front returns the SSH front for server.Config.Fronts, or nil without
// --ssh-addr. The SSH front keeps its host key and the users' replicas
// under the data folder, also when the data is in PostgreSQL.
func (f *sshFlags) front(a *app, dir string, log *slog.Logger) server.Front {
	if f.addr == "" {
		return nil
	}
	return sshd.Config{
		Addr: f.addr, Dir: dir, Logger: log, Name: f.name,
		IdleTimeout: f.idle, MaxPerUser: f.perUser, MaxSessions: f.total,
		Settings: replicaSettings,
		Exec:     sshExec,
		Ready: func(addr, fp string) {
			fmt.Fprintf(a.out, "fieldcrm SSH front listening on %s, host key %s\n", addr, fp)
		},
	}.Front()
}

// replicaSettings reads a replica's company settings as a laptop reads
// its book's (useCompanySettings), over the defaults: a server-side book
// has no personal config file.
func replicaSettings(text string, version uint64) sshd.Settings {
	cfg := companyConfig(text, version)
	return sshd.Settings{Rules: cfg.Rules(), Template: cfg.Template, Plan: planOf(cfg), Version: version}
}

// companyConfig is the default config with the company settings document
// over it; a document that does not parse leaves the defaults.
func companyConfig(text string, version uint64) *config.Config {
	cfg := &config.Config{}
	if version == 0 {
		return cfg
	}
	doc, ps := config.ParseCompany(text)
	if len(ps) > 0 {
		return cfg
	}
	return cfg.WithCompany(doc, version)
}

// planOf is a config's commission plan, as commissionPlan builds it.
func planOf(cfg *config.Config) report.Plan {
	return (&app{cfg: cfg}).commissionPlan()
}

// sshExec runs an allowed command (sshd.Allowed) for an SSH session: the
// CLI's own command tree over the session's streams and the user's
// replica, with the replica's company settings and the session's
// language and time zone, never the server's own config file or books.
func sshExec(ctx context.Context, e sshd.Exec) int {
	a := &app{in: strings.NewReader(""), out: e.Stdout, err: e.Stderr, now: time.Now}
	root := a.rootCmd()
	// Refused over SSH (sshd.Allowed), and their help's defaults are the
	// server's own paths: left out of --help.
	_ = root.PersistentFlags().MarkHidden("db")
	_ = root.PersistentFlags().MarkHidden("config")
	_ = root.Flags().MarkHidden("demo")
	var cs store.CompanySettings
	_ = e.Store.View(func(tx *store.Tx) error {
		var err error
		cs, _, err = tx.CompanySettings()
		return err
	})
	cfg := companyConfig(cs.Text, cs.Version)
	cfg.User = e.User
	// The client's TZ, as a laptop's time_zone setting.
	cfg.TimeZone = e.Zone
	cfg.Path = filepath.Join(filepath.Dir(e.Store.Path()), e.User+".toml") // never written: the commands only read
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		a.cfg, a.st = cfg, e.Store
		a.rules = sync.OnceValue(cfg.Rules)
		if a.lang == "" {
			a.lang = e.Lang
		}
		return nil
	}
	root.SetArgs(e.Args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(e.Stderr, "fieldcrm: "+sentence(err))
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}
