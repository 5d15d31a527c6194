package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWidth is the width --help is written for: a terminal's default.
const helpWidth = 80

func init() {
	cobra.AddTemplateFunc("flagUsages", func(f *pflag.FlagSet) string { return f.FlagUsagesWrapped(helpWidth) })
	commandGroups = append(commandGroups, func(root *cobra.Command, _ *app) {
		// cobra's own template, with the flags' usages wrapped (cobra
		// leaves each on one line, however long).
		t := root.UsageTemplate()
		t = strings.ReplaceAll(t, "{{.LocalFlags.FlagUsages", "{{flagUsages .LocalFlags")
		t = strings.ReplaceAll(t, "{{.InheritedFlags.FlagUsages", "{{flagUsages .InheritedFlags")
		root.SetUsageTemplate(t)
		help := root.HelpFunc()
		root.SetHelpFunc(func(c *cobra.Command, args []string) {
			out := c.OutOrStdout()
			var b bytes.Buffer
			c.SetOut(&b)
			help(c, args)
			c.SetOut(out)
			io.WriteString(out, fitHelp(b.String(), helpWidth))
		})
	})
}

var (
	sectionRE = regexp.MustCompile(`^[A-Z][A-Za-z ]*:$`)
	columnRE  = regexp.MustCompile(`^ +\S+(?: \S+)* {2,}`) // "  name   text": text's column
)

// fitHelp wraps the lines of a help text wider than width: a command
// list's or a flag's description under its own column, prose under its
// indent, and a command line (usage, examples) as a shell continuation
// ("\" at the end), broken only outside quotes so it still pastes.
func fitHelp(text string, width int) string {
	var b strings.Builder
	section := ""
	for _, line := range strings.SplitAfter(text, "\n") {
		body := strings.TrimSuffix(line, "\n")
		if sectionRE.MatchString(body) {
			section = body
		}
		if ansi.StringWidth(body) <= width {
			b.WriteString(line)
			continue
		}
		indent := len(body) - len(strings.TrimLeft(body, " "))
		switch {
		case section == "Usage:" || section == "Examples:":
			b.WriteString(wrapShell(body, indent, width))
		default:
			hang := indent
			if m := columnRE.FindString(body); m != "" && len(m) < width/2 {
				hang = len(m)
			}
			wrapped := ansi.Wrap(strings.TrimLeft(body[hang:], " "), width-hang, "")
			b.WriteString(body[:hang])
			b.WriteString(strings.ReplaceAll(wrapped, "\n", "\n"+strings.Repeat(" ", hang)))
		}
		if strings.HasSuffix(line, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// wrapShell breaks a command line between words (never inside quotes),
// ending each broken line with " \" and indenting the rest by four.
func wrapShell(line string, indent, width int) string {
	var words []string
	var quote rune
	start := indent
	for i, r := range line[indent:] {
		i += indent
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == ' ':
			if i > start {
				words = append(words, line[start:i])
			}
			start = i + 1
		}
	}
	if start < len(line) {
		words = append(words, line[start:])
	}
	var b strings.Builder
	cur := line[:indent]
	first := true
	for _, w := range words {
		sep := " "
		if first || strings.TrimSpace(cur) == "" {
			sep = ""
		}
		if !first && strings.TrimSpace(cur) != "" && ansi.StringWidth(cur+sep+w)+2 > width {
			b.WriteString(cur + " \\\n")
			cur, sep = strings.Repeat(" ", indent+4), ""
		}
		cur += sep + w
		first = false
	}
	b.WriteString(cur)
	return b.String()
}
