package main

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.importCmd())
	})
}

func (a *app) importCmd() *cobra.Command {
	var (
		opt       exchange.Options
		maps      []string
		delimiter string
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import leads from CSV, TSV, Excel (.xlsx), vCard or a fieldcrm JSON export",
		Long: `Import leads from a spreadsheet, another CRM's export, a vCard file or a
fieldcrm JSON export. The format, the text encoding (UTF-8, UTF-16,
GBK/GB18030, Big5, Windows-1252) and the delimiter are detected; columns
are mapped from their headers in English or Chinese. Columns it does not
know become custom fields. Rows that match an existing lead (by id,
company name, phone or e-mail) update it; re-importing the same file
changes nothing.

Won leads are taken as deals won before (in another system): no approval
is asked and nothing is handed on to after-sales; the summary counts
them. A row that moves a lead of the book to won needs the approval a
move does. A JSON export brings its approvals and service orders along.

Invalid rows are listed with row, column and reason and written to
FILE.rejects.csv next to the input; the valid rows still import.
Run with --dry-run first to see what would happen.`,
		Example: `  fieldcrm import 展会名单.csv --dry-run
  fieldcrm import leads.xlsx --sheet 客户
  fieldcrm import export.csv --map 'Kunde=company' --map 'Intern=-'
  fieldcrm import book.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt.Map = map[string]string{}
			for _, m := range maps {
				col, field, ok := strings.Cut(m, "=")
				if !ok || strings.TrimSpace(col) == "" {
					return fmt.Errorf("--map %q: write it as 'Column=field', e.g. --map '客户=company'", m)
				}
				opt.Map[strings.TrimSpace(col)] = strings.TrimSpace(field)
			}
			d, err := parseDelimiter(delimiter)
			if err != nil {
				return err
			}
			opt.Delimiter = d
			st, err := a.store()
			if err != nil {
				return err
			}
			a.allowMemoryFor(args[0]) // a large file takes more than its book
			done := a.progress(i18n.T(a.language(), "import.progress"))
			opt.Progress = done.update
			rep, err := exchange.ImportFile(st, args[0], opt)
			done.finish()
			if err != nil {
				if rep != nil && rep.New+rep.Updated > 0 {
					a.printImport(rep)
				}
				return err
			}
			if asJSON {
				return printJSON(a.out, rep)
			}
			a.printImport(rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opt.DryRun, "dry-run", false, "show what would happen; change nothing")
	f.StringVar(&opt.Format, "format", "", "csv, tsv, xlsx, json or vcard (default: detected)")
	f.StringVar(&opt.Encoding, "encoding", "", "text encoding: "+exchange.EncodingNames+" (default: detected)")
	f.StringVar(&delimiter, "delimiter", "", "field delimiter: comma, tab, semicolon, pipe or one character (default: detected)")
	f.StringVar(&opt.Sheet, "sheet", "", "Excel sheet to read (default: the first lead list)")
	f.StringArrayVar(&maps, "map", nil, "map a column to a field: 'Column=field', 'Column=custom:name' or 'Column=-' to skip (repeatable)")
	f.StringVar(&opt.RejectsPath, "rejects", "", "where to write invalid rows (default: FILE.rejects.csv; - for nowhere)")
	f.IntVar(&opt.BatchSize, "batch", 1000, "rows per transaction")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "comma", ",":
		return ',', nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case "semicolon", ";":
		return ';', nil
	case "pipe", "|":
		return '|', nil
	}
	if r := []rune(s); len(r) == 1 && r[0] != '"' && r[0] != '\n' && r[0] != '\r' {
		return r[0], nil
	}
	return 0, fmt.Errorf("--delimiter %q: use comma, tab, semicolon, pipe or one character", s)
}

func (a *app) printImport(rep *exchange.Report) {
	w := a.out
	src := []string{rep.Format}
	if rep.Sheet != "" {
		src = append(src, "sheet "+rep.Sheet)
	}
	if rep.Encoding != "" {
		src = append(src, rep.Encoding)
	}
	if rep.Delimiter != "" {
		src = append(src, rep.Delimiter+"-separated")
	}
	if rep.HeaderRow > 1 {
		src = append(src, fmt.Sprintf("header on row %d", rep.HeaderRow))
	}
	printf(w, "Read %s (%s): %d rows.\n", rep.File, strings.Join(src, ", "), rep.Rows)
	if len(rep.Columns) > 0 {
		t := &table{header: []string{"COLUMN", "FIELD"}, max: []int{40, 40}}
		for _, c := range rep.Columns {
			field := c.Field
			switch {
			case c.Field == exchange.FieldSkip:
				field = "(skipped)"
			case strings.HasPrefix(c.Field, "custom:"):
				field = "custom field " + strings.TrimPrefix(c.Field, "custom:")
			}
			t.add(c.Header, field)
		}
		t.write(w)
	}
	verb := "Imported"
	if rep.DryRun {
		verb = "Would import (dry run, nothing changed)"
	}
	printf(w, "%s: %d new, %d updated, %d unchanged, %d duplicate, %d invalid.\n",
		verb, rep.New, rep.Updated, rep.Unchanged, rep.Duplicate, rep.Invalid)
	if rep.Activities+rep.Tasks+rep.Complaints > 0 {
		printf(w, "  and %d activities, %d follow-ups, %d complaints.\n", rep.Activities, rep.Tasks, rep.Complaints)
	}
	lang := a.language()
	if rep.Approvals+rep.Services > 0 {
		printf(w, i18n.T(lang, "cli.import.children")+"\n", rep.Approvals, rep.Services)
	}
	if rep.WonNoHandoff > 0 {
		printf(w, i18n.T(lang, "cli.import.won_no_handoff")+"\n", rep.WonNoHandoff)
	}
	if len(rep.Matches) > 0 {
		fmt.Fprintln(w, "Rows that update a lead instead of making a twin:")
		for _, m := range rep.Matches {
			why := "same " + m.By
			if m.By == exchange.ByEarlierRow {
				why = "as an earlier row of this file"
			}
			printf(w, "  row %d: %s %s (%s)\n", m.Row, store.ShortID(m.LeadID), m.Company, why)
		}
		if n := rep.Updated + rep.Unchanged + rep.Duplicate; n > len(rep.Matches) {
			printf(w, "  ... %d rows in all\n", n)
		}
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w, "Problems:")
		for _, p := range rep.Problems {
			printf(w, "  %s\n", p)
		}
		if rep.Invalid > len(rep.Problems) {
			printf(w, "  ... %d invalid rows in all\n", rep.Invalid)
		}
	}
	if len(rep.Warnings) > 0 {
		if rep.DryRun {
			printf(w, "Would import with a warning (%d rows):\n", rep.Warned)
		} else {
			printf(w, "Imported with a warning (%d rows):\n", rep.Warned)
		}
		for _, p := range rep.Warnings {
			printf(w, "  %s\n", p)
		}
	}
	if rep.RejectsPath != "" {
		printf(w, "Invalid rows were written to %s: fix them there and import that file.\n", rep.RejectsPath)
	}
}
