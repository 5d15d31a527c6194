package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		// After the config file is read, a laptop logged in to a server
		// takes the company sections from the settings its book synced.
		load := root.PersistentPreRunE
		root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
			if err := load(cmd, args); err != nil {
				return err
			}
			a.useCompanySettings()
			return nil
		}
	})
}

// parseCompanySettings is the server's settings checker: the laptop's own
// config code (the server does not link package config).
func parseCompanySettings(text string) (server.ParsedSettings, []server.SettingsProblem, []string) {
	c, ps := config.ParseCompany(text)
	if len(ps) > 0 {
		return server.ParsedSettings{}, ps, nil
	}
	r := c.Rules()
	return server.ParsedSettings{Pipeline: r.Pipeline, Approval: r.Approval, Handoff: r.Handoff}, nil, c.Warnings
}

// useCompanySettings puts the company settings the book last synced over
// the config file's company sections, when this laptop is logged in to
// the server they came from. The book is read without writing or
// waiting for it; a book that cannot be read leaves the file in force.
// Shell completions run this pre-run too, so Tab offers the same stages.
func (a *app) useCompanySettings() {
	if a.cfg.Server == "" || a.cfg.Token == "" {
		return
	}
	c, err := remote.NewClient(a.cfg.Server, "")
	if err != nil {
		return
	}
	path := a.resolvedDBPath()
	if _, err := os.Stat(path); err != nil {
		return
	}
	st, err := store.Open(store.Options{Path: path, ReadOnly: true, CheckOnFirstUse: true})
	if err != nil {
		return
	}
	defer st.Close()
	var cs store.CompanySettings
	var ok bool
	if st.View(func(tx *store.Tx) error {
		var err error
		cs, ok, err = tx.CompanySettings()
		return err
	}) != nil || !ok || cs.Server != c.Server() {
		return
	}
	doc, ps := config.ParseCompany(cs.Text)
	if len(ps) > 0 {
		printf(a.err, "fieldcrm: warning: the server's company settings (version %d) %s; using this laptop's config file\n", cs.Version, ps[0])
		return
	}
	a.cfg = a.cfg.WithCompany(doc, cs.Version)
	a.rules = sync.OnceValue(a.cfg.Rules)
}

// adminSettingsCmd is 'admin settings': the company settings on the server.
func (a *app) adminSettingsCmd(with adminWith) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "Show, check, set and list versions of the company settings",
		Long: `The company settings are the company's sections of the config file format
(stages, screening, screening_threshold, return_visit_days, templates,
commission, approval, handoff), kept on the server as numbered versions.
Every laptop logged in fetches the newest at its next sync and uses it
over its own file, which keeps only personal things (user, lang,
time_zone, keys, login). The server checks pushed leads against the
newest version's stages, and refuses a move to won that its approval
rules say needs an approval no request covers.`,
	}
	withChecker := func(fn func(ctx context.Context, adm server.Admin) error) error {
		return with(func(ctx context.Context, adm server.Admin) error {
			if svc, ok := adm.(*server.Service); ok {
				svc.ParseSettings = parseCompanySettings
			}
			return fn(ctx, adm)
		})
	}
	cmd.AddCommand(a.settingsShowCmd(with), a.settingsWriteCmd(withChecker, true), a.settingsWriteCmd(withChecker, false), a.settingsHistoryCmd(with))
	return cmd
}

func (a *app) settingsShowCmd(with adminWith) *cobra.Command {
	var version uint64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the newest company settings (or --version N) as TOML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				st, err := adm.ShowSettings(ctx, version)
				if err != nil || asJSON {
					if err == nil {
						err = printJSON(a.out, st)
					}
					return err
				}
				printf(a.out, "# company settings version %d, set by %s on %s\n", st.Version, st.By, st.At.Local().Format(time.DateTime))
				// Stored text: its newlines kept, anything that could act
				// on the terminal escaped.
				fmt.Fprint(a.out, model.PrintableLines(st.Text))
				if !strings.HasSuffix(st.Text, "\n") {
					fmt.Fprintln(a.out)
				}
				return nil
			})
		},
	}
	cmd.Flags().Uint64Var(&version, "version", 0, "the version to show (default the newest)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// settingsWriteCmd is 'settings set FILE', or 'settings check FILE'
// when set is false.
func (a *app) settingsWriteCmd(with adminWith, set bool) *cobra.Command {
	var asJSON bool
	use, short := "check FILE", "Check a company settings file; store nothing"
	if set {
		use, short = "set FILE", "Check a company settings file and store it as the next version"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `. Problems name their
line. A file that would leave leads in a stage it no longer has is refused
with those leads (the first 20 and how many): move them first, or keep
the stage. Every stored version is in the audit log and the history.`,
		Example: "  fieldcrm admin settings " + strings.Fields(use)[0] + " company.toml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			data, err := os.ReadFile(path)
			if err != nil {
				return exitError{code: 2, err: fmt.Errorf("read %s: %w", path, err)}
			}
			if len(data) > server.MaxSettingsBytes {
				return exitError{code: 1, err: fmt.Errorf("%s is %d bytes; company settings may be at most %d (is it the right file?)", path, len(data), server.MaxSettingsBytes)}
			}
			return with(func(ctx context.Context, adm server.Admin) error {
				write := adm.CheckSettings
				if set {
					write = adm.SetSettings
				}
				res, err := write(ctx, string(data))
				if err != nil {
					return err
				}
				if asJSON {
					if err := printJSON(a.out, res); err != nil {
						return err
					}
				} else {
					a.printSettingsResult(path, res, set)
				}
				if !res.OK() {
					return exitError{code: 1, err: settingsRefusal(path, res)}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// printSettingsResult prints a check's or a change's warnings, problems
// and orphaned leads (the first problem is the command's error).
func (a *app) printSettingsResult(path string, res server.SettingsResult, set bool) {
	for _, w := range res.Warnings {
		printf(a.err, "%s: warning: %s\n", path, w)
	}
	if len(res.Problems) > 1 {
		for _, p := range res.Problems[1:] {
			printf(a.err, "%s: also %s\n", path, p)
		}
	}
	if res.OrphanCount > 0 {
		for _, o := range res.Orphans {
			trash := ""
			if o.Trashed {
				trash = " (in the trash)"
			}
			printf(a.err, "  %s  %s  stage %s%s\n", o.ID, o.Company, o.Stage, trash)
		}
		if more := res.OrphanCount - len(res.Orphans); more > 0 {
			printf(a.err, "  and %d more\n", more)
		}
	}
	switch {
	case !res.OK():
	case !set:
		printf(a.out, "%s: ok\n", path)
	case res.Unchanged:
		printf(a.out, "unchanged: the company settings are version %d already\n", res.Version)
	default:
		printf(a.out, "stored as company settings version %d; laptops use it from their next sync\n", res.Version)
	}
}

// settingsRefusal is the one sentence a refused file gets.
func settingsRefusal(path string, res server.SettingsResult) error {
	if len(res.Problems) > 0 {
		return fmt.Errorf("%s %s", path, res.Problems[0])
	}
	return fmt.Errorf("%s would leave %d %s in stages it does not have (listed above); move them to another stage first, or keep their stages",
		path, res.OrphanCount, plural(res.OrphanCount, "lead", "leads"))
}

func (a *app) settingsHistoryCmd(with adminWith) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the versions of the company settings, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				h, err := adm.SettingsHistory(ctx)
				if err != nil || asJSON {
					if err == nil {
						err = printJSON(a.out, h)
					}
					return err
				}
				if len(h) == 0 {
					printf(a.out, "%s\n", server.ErrNoSettings)
					return nil
				}
				t := &table{header: []string{"VERSION", "WHEN", "WHO", "BYTES", "STAGES"}, max: []int{0, 0, 24, 0, noCap}, right: []bool{true, false, false, true, false}}
				for _, v := range h {
					t.add(fmt.Sprint(v.Version), v.At.Local().Format(time.DateTime), v.By, fmt.Sprint(v.Bytes), strings.Join(v.Stages, " "))
				}
				t.write(a.out)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
