package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/model"
	"golang.org/x/term"
)

// printJSON writes v as indented JSON, the form every list and show command
// gives with --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table lines up columns by display width, so Chinese text (two cells a
// character) stays aligned. Cells wider than max are cut with an ellipsis.
type table struct {
	header []string
	rows   [][]string
	max    []int // per-column width limit; 0: none
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	widths := make([]int, len(t.header))
	cell := func(i int, s string) string {
		s = strings.ReplaceAll(s, "\n", " ")
		if i < len(t.max) && t.max[i] > 0 {
			s = ansi.Truncate(s, t.max[i], "…")
		}
		return s
	}
	all := append([][]string{t.header}, t.rows...)
	for _, r := range all {
		for i, c := range r {
			if w := ansi.StringWidth(cell(i, c)); i < len(widths) && w > widths[i] {
				widths[i] = w
			}
		}
	}
	for _, r := range all {
		var b strings.Builder
		for i, c := range r {
			c = cell(i, c)
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// stageLabel names a stage in the user's language.
func (a *app) stageLabel(key string) string {
	if s, ok := a.cfg.Rules().Pipeline.Stage(key); ok {
		return s.Label(a.language())
	}
	return key + "?"
}

func (a *app) language() string { return config.Language(a.lang, a.cfg) }

// money formats minor units with the currency.
func money(amount int64, currency string) string {
	return model.Money{Amount: amount, Currency: currency}.String()
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
