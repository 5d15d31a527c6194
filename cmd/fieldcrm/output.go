package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

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

// printf is fmt.Fprintf for a line that carries stored or network text:
// every string argument (and the text of every error and fmt.Stringer) is
// passed through model.Printable first, so a company named "\x1b]0;..."
// prints as that escaped text and cannot act on the terminal. The format
// is ours and printed as is. JSON output does not come this way: it stays
// exact.
func printf(w io.Writer, format string, args ...any) {
	for i, v := range args {
		switch v := v.(type) {
		case string:
			args[i] = model.Printable(v)
		case error:
			args[i] = model.Printable(v.Error())
		case fmt.Stringer:
			args[i] = model.Printable(v.String())
		}
	}
	fmt.Fprintf(w, format, args...)
}

// table lines up columns by display width, so Chinese text (two cells a
// character) stays aligned. Cells wider than max are cut with an ellipsis.
// Every cell is shown through model.PrintableFlat (line breaks and tabs
// become spaces, other controls are escaped), so stored text cannot act on the terminal, and widths are
// measured on what is printed: an escaped ESC, \x1b, is four cells.
type table struct {
	header []string
	rows   [][]string
	max    []int // per-column width limit; 0: none
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	// Cells are cleaned and cut in place (write is a table's last use) and
	// their widths kept in one flat slice: a table can have thousands of
	// rows, and copying them doubled what a list command allocates.
	cols := len(t.header)
	rows := append([][]string{t.header}, t.rows...)
	cellW := make([]int, len(rows)*cols)
	widths := make([]int, cols)
	for r, row := range rows {
		for i, c := range row {
			c = model.PrintableFlat(c)
			cw := displayWidth(c)
			if i < len(t.max) && t.max[i] > 0 && cw > t.max[i] {
				c = ansi.Truncate(c, t.max[i], "…")
				cw = ansi.StringWidth(c)
			}
			row[i] = c
			if i < cols {
				cellW[r*cols+i] = cw
				widths[i] = max(widths[i], cw)
			}
		}
	}
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	var line []byte
	for r, row := range rows {
		line = line[:0]
		for i, c := range row {
			line = append(line, c...)
			if i < len(row)-1 && i < cols {
				for range widths[i] - cellW[r*cols+i] + 2 {
					line = append(line, ' ')
				}
			}
		}
		for len(line) > 0 && line[len(line)-1] == ' ' {
			line = line[:len(line)-1]
		}
		bw.Write(append(line, '\n'))
	}
}

// displayWidth is the cells s takes on a terminal; plain ASCII, the common
// case, is counted without the grapheme machinery.
func displayWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// stageLabel names a stage in the user's language.
func (a *app) stageLabel(key string) string {
	if s, ok := a.rules().Pipeline.Stage(key); ok {
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
