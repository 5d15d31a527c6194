package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/BurntSushi/toml"
	"github.com/fieldcrm/fieldcrm/config"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		c := &cobra.Command{Use: "config", Short: "Show the configuration in force, or check a config file"}
		c.AddCommand(a.configShowCmd(), a.configCheckCmd())
		root.AddCommand(c)
	})
}

// configFile is the file the config comes from: --config, then
// $FIELDCRM_CONFIG, then the XDG default.
func (a *app) configFile() string {
	switch {
	case a.configPath != "":
		return a.configPath
	case os.Getenv("FIELDCRM_CONFIG") != "":
		return os.Getenv("FIELDCRM_CONFIG")
	}
	return config.DefaultPath()
}

func (a *app) configShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration (the file over the defaults; the token is never shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e := a.cfg.Effective(a.language())
			if asJSON {
				return printJSON(a.out, e)
			}
			printf(a.out, "# effective configuration; file: %s\n", a.configFile())
			for _, s := range config.CompanySections { // where each company section comes from (admin_settings.go)
				printf(a.out, "# %s: %s\n", s, e.Sources[s])
			}
			for _, w := range a.cfg.Warnings {
				printf(a.out, "# warning: %s\n", w)
			}
			enc := toml.NewEncoder(a.out)
			enc.Indent = ""
			return enc.Encode(e)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) configCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a config file; exit non-zero on the first problem, naming its line",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := a.configFile()
			if len(args) == 1 {
				path = args[0]
			}
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				return exitError{code: 2, err: fmt.Errorf("%s does not exist (without it, fieldcrm runs on the defaults)", path)}
			}
			if err != nil {
				return exitError{code: 2, err: fmt.Errorf("read %s: %w", path, err)}
			}
			problems, warnings := config.Check(string(data))
			for _, w := range warnings {
				printf(a.err, "%s: warning: %s\n", path, w)
			}
			if len(problems) > 0 {
				for _, p := range problems[1:] {
					printf(a.err, "%s: also %s\n", path, p)
				}
				return exitError{code: 1, err: fmt.Errorf("%s %s", path, problems[0])}
			}
			printf(a.out, "%s: ok\n", path)
			return nil
		},
	}
	return cmd
}
