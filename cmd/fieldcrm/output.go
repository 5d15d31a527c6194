package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
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

// table is a list as the CLI prints it, laid out by the one table printer
// the reports use too (report.Table): columns lined up by display width
// (Chinese text is two cells a character), the whole fitted to the
// terminal's width (see outputWidth). Columns with a max are free text:
// cut to max, and cut further, the widest first, when the table is too
// wide; the others (ids, dates, amounts) are never cut. Every cell is
// shown through model.PrintableFlat, so stored text cannot act on the
// terminal, and widths are measured on what is printed.
type table struct {
	header []string
	rows   [][]string
	max    []int  // per-column width limit of a free-text column; 0: not free text, never cut
	right  []bool // right-align the column (amounts)
}

// noCap is the max of a free-text column with no limit of its own: it is
// cut only to fit the terminal.
const noCap = 1 << 20

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	free := make([]bool, len(t.header))
	for i := range free {
		free[i] = i < len(t.max) && t.max[i] > 0
	}
	rt := report.Table{Head: t.header, Rows: t.rows, Right: t.right, Cap: t.max, Free: free}
	io.WriteString(w, rt.Text(outputWidth(w)))
}

// outputWidth is the width to fit text written to w: $COLUMNS when set,
// else the terminal's, else 80 (a pipe or a file).
func outputWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return max(n, 20)
	}
	if file, ok := w.(*os.File); ok && isTerminal(file) {
		if n, _, err := term.GetSize(int(file.Fd())); err == nil && n > 0 {
			return n
		}
	}
	return 80
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

// shortMoney formats an amount compactly for a list as a reader of lang
// counts, 1.2M CNY or 120万 CNY; show and --json give it exactly.
func shortMoney(lang string, amount int64, currency string) string {
	if currency == "" {
		return i18n.Amount(lang, amount)
	}
	return i18n.Amount(lang, amount) + " " + currency
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

// writeRow runs write in one transaction and prints the row it returns:
// as JSON, or in words with say.
func writeRow[R any](a *app, asJSON bool, write func(*store.Tx) (R, error), say func(R)) error {
	var row R
	err := a.update(func(tx *store.Tx) error {
		var err error
		row, err = write(tx)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(a.out, row)
	}
	say(row)
	return nil
}

// listRows prints what read finds in one read-only transaction: as JSON,
// as the catalog's sentence none when it finds nothing, or as the table
// text makes of the rows.
func listRows[R any](a *app, asJSON bool, none string, read func(*store.Tx) ([]R, error), text func(lang string, rows []R) *table) error {
	rows := []R{}
	err := a.view(func(tx *store.Tx) error {
		got, err := read(tx)
		rows = append(rows, got...)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(a.out, rows)
	}
	lang := a.language()
	if len(rows) == 0 {
		printf(a.out, "%s\n", i18n.T(lang, none))
		return nil
	}
	text(lang, rows).write(a.out)
	return nil
}
