//go:build man

// The man pages are built with -tags man (scripts/release.sh): cobra/doc
// brings a Markdown renderer whose package initialisation (an HTML entity
// table and regular expressions) would otherwise run at every start of
// every command on every laptop, for a command only packagers use.

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.manCmd(root))
	})
}

// manCmd writes a man page per command, made from the commands' own help
// so the pages cannot drift from it. Hidden: packagers run it
// (scripts/release.sh), users read the pages with man(1).
func (a *app) manCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages (section 1) into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		// The pages need no config or database.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			// The date comes from $SOURCE_DATE_EPOCH when it is set, so
			// that a release build writes the same pages every time.
			header := &doc.GenManHeader{Title: "FIELDCRM", Section: "1", Source: "fieldcrm", Manual: "fieldcrm manual"}
			root.DisableAutoGenTag = true
			escapeMarkdown(root)
			if err := doc.GenManTree(root, header, dir); err != nil {
				return fmt.Errorf("write the man pages: %w", err)
			}
			fmt.Fprintf(a.out, "man pages written to %s\n", dir)
			return nil
		},
	}
}

// escapeMarkdown keeps the long help's underscores, as in
// $FIELDCRM_DATABASE: cobra/doc reads the text as Markdown, where a pair of
// them would set the words between in italics and drop them.
func escapeMarkdown(c *cobra.Command) {
	c.Long = strings.ReplaceAll(c.Long, "_", `\_`)
	for _, sub := range c.Commands() {
		escapeMarkdown(sub)
	}
}
