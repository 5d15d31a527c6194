package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.exportCmd())
	})
}

// outIsTerminal reports whether standard output is a terminal. Tests
// replace it.
var outIsTerminal = func(a *app) bool { return isTerminal(a.out) }

func (a *app) exportCmd() *cobra.Command {
	var (
		opt      exchange.ExportOptions
		from, to string
		output   string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export leads to CSV, Excel, JSON or a calendar (ICS)",
		Long: `Export the book, or the leads a filter selects.

  csv   the leads as a spreadsheet (UTF-8 with BOM, so Excel shows Chinese)
  xlsx  an Excel workbook: leads, activities and follow-ups
  json  everything, losslessly, approval requests and service orders too:
        'fieldcrm import' reads it back exactly
  ics   open follow-ups and open or planned visits, for your calendar

--from and --to select leads created in that range (for ics: events due
in it). Headers and labels are in the language of --lang.`,
		Example: `  fieldcrm export --format xlsx -o 2026Q4.xlsx --from 2026-10-01 --to 2026-12-31
  fieldcrm export --format json -o backup.json
  fieldcrm export --format ics --owner ann -o followups.ics`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opt.Format == "" {
				opt.Format = strings.TrimPrefix(strings.ToLower(filepath.Ext(output)), ".")
				if opt.Format == "" {
					opt.Format = exchange.ExportCSV
				}
			}
			opt.Format = strings.ToLower(opt.Format)
			today := model.Today(a.now(), a.rules().Location)
			var err error
			if from != "" {
				if opt.From, err = model.ParseDate(from, today); err != nil {
					return fmt.Errorf("--from: %w", err)
				}
			}
			if to != "" {
				if opt.To, err = model.ParseDate(to, today); err != nil {
					return fmt.Errorf("--to: %w", err)
				}
			}
			opt.Lang = a.language()
			st, err := a.store()
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				if !outIsTerminal(a) {
					_, err := exchange.Export(st, a.out, opt)
					return err
				}
				if opt.Format == exchange.ExportXLSX {
					return fmt.Errorf("an Excel file cannot go to the terminal; give -o FILE.xlsx")
				}
				// On a terminal the export is read, not kept: its text is
				// shown escaped, as every listing shows it. A pipe or a
				// file gets it exactly.
				var buf bytes.Buffer
				if _, err := exchange.Export(st, &buf, opt); err != nil {
					return err
				}
				_, err := io.WriteString(a.out, model.PrintableLines(strings.ReplaceAll(buf.String(), "\r\n", "\n")))
				return err
			}
			rep, err := exchange.ExportFile(st, output, opt)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("Exported %d leads", rep.Leads)
			switch opt.Format {
			case exchange.ExportJSON, exchange.ExportXLSX:
				msg += fmt.Sprintf(", %d activities, %d follow-ups", rep.Activities, rep.Tasks)
				if opt.Format == exchange.ExportJSON {
					msg += fmt.Sprintf(", %d complaints", rep.Complaints)
					msg += i18n.Tf(a.language(), "cli.export.approvals", rep.Approvals, rep.Services)
				}
			case exchange.ExportICS:
				msg = fmt.Sprintf("Exported %d calendar events", rep.Events)
			}
			fmt.Fprintf(a.err, "%s to %s.\n", msg, output)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Format, "format", "", "csv, xlsx, json or ics (default: from -o's extension, else csv)")
	f.StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	f.StringVar(&opt.Stage, "stage", "", "only leads in this stage")
	f.StringVar(&opt.Owner, "owner", "", "only leads of this owner")
	f.StringVar(&from, "from", "", "only leads created on or after this day (ics: events due)")
	f.StringVar(&to, "to", "", "only leads created on or before this day (ics: events due)")
	return cmd
}
