package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Options control an import.
type Options struct {
	// Format forces csv, tsv, xlsx, json or vcard; empty detects it.
	Format string
	// Encoding forces a text encoding (see EncodingNames); empty detects it.
	Encoding string
	// Delimiter forces the field delimiter of CSV text; 0 detects it.
	Delimiter rune
	// Sheet names the Excel sheet to read; empty reads the first.
	Sheet string
	// Map overrides the column mapping: header -> field (see Fields),
	// "custom:NAME", or "-" to skip the column.
	Map map[string]string
	// DryRun does everything but commit: the report says what would happen.
	DryRun bool
	// BatchSize is the number of rows per transaction; 0 means 1000.
	BatchSize int
	// RejectsPath is where invalid rows are written as CSV. Empty means
	// next to the input (NAME.rejects.csv) when importing a file path, and
	// nowhere otherwise; "-" means nowhere. A dry run writes rejects only
	// to an explicit path.
	RejectsPath string
	// MaxProblems bounds the problems listed in the report; 0 means 20.
	MaxProblems int
	// Progress, when set, is called after each batch with the rows done
	// and the total.
	Progress func(done, total int)
}

// Problem is one thing wrong with one row, for the user to fix.
type Problem struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("row %d: %s", p.Row, p.Reason)
	}
	return fmt.Sprintf("row %d, column %q: %s", p.Row, p.Column, p.Reason)
}

// Report says what an import did, or would do in a dry run.
type Report struct {
	File      string   `json:"file,omitempty"`
	Format    string   `json:"format"`
	Encoding  string   `json:"encoding,omitempty"`
	Delimiter string   `json:"delimiter,omitempty"`
	Sheet     string   `json:"sheet,omitempty"`
	HeaderRow int      `json:"header_row,omitempty"`
	Columns   []Column `json:"columns,omitempty"`
	DryRun    bool     `json:"dry_run"`

	Rows      int `json:"rows"`      // data rows (or leads in a JSON dump)
	New       int `json:"new"`       // leads created
	Updated   int `json:"updated"`   // existing leads changed
	Unchanged int `json:"unchanged"` // matched an existing lead, nothing new
	Duplicate int `json:"duplicate"` // matched a lead an earlier row of this file made or changed
	Invalid   int `json:"invalid"`   // refused, see Problems and the rejects file

	Activities int `json:"activities"` // activities (notes) written
	Tasks      int `json:"tasks"`      // follow-ups written
	Complaints int `json:"complaints"`
	Approvals  int `json:"approvals"` // approval requests (JSON)
	Services   int `json:"services"`  // service orders (JSON)
	// WonNoHandoff counts the leads the import created won or moved to
	// won: deals won elsewhere, so no service order or support task was
	// made for them (a JSON export brings its own orders).
	WonNoHandoff int `json:"won_without_handoff"`

	Problems    []Problem `json:"problems,omitempty"` // the first few
	Matches     []Match   `json:"matches,omitempty"`  // the first rows that matched a lead
	Warned      int       `json:"warned"`             // rows imported with a warning
	Warnings    []Problem `json:"warnings,omitempty"` // the first few
	RejectsPath string    `json:"rejects_path,omitempty"`
}

// Match says that a row is about a lead already in the book (or made by
// an earlier row), so it updates that lead instead of creating a twin.
type Match struct {
	Row     int    `json:"row"`
	LeadID  string `json:"lead_id"`
	Company string `json:"company"`
	By      string `json:"by"` // id, company name, e-mail, phone or ByEarlierRow
}

// ByEarlierRow is Match.By for a row about a lead an earlier row of the
// same file created or changed.
const ByEarlierRow = "earlier row"

// maxMatches bounds the matches a report lists.
const maxMatches = 20

// MaxFileSize bounds what an import reads into memory.
const MaxFileSize = 1 << 30

// ImportFile imports the file at path into st.
func ImportFile(st *store.Store, path string, opt Options) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("import %s: it is a folder, not a file", path)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("import %s: the file is %d MB; split it into files under %d MB", path, fi.Size()>>20, MaxFileSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if opt.RejectsPath == "" && !opt.DryRun {
		opt.RejectsPath = strings.TrimSuffix(path, filepath.Ext(path)) + ".rejects.csv"
	}
	rep, err := Import(st, data, path, opt)
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", path, err)
	}
	return rep, nil
}

// Import imports data (the content of a file named name; the name only
// helps to tell formats apart) into st.
func Import(st *store.Store, data []byte, name string, opt Options) (*Report, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 1000
	}
	if opt.MaxProblems <= 0 {
		opt.MaxProblems = 20
	}
	if opt.RejectsPath == "-" {
		opt.RejectsPath = ""
	}
	rep := &Report{File: name, DryRun: opt.DryRun}
	format := strings.ToLower(opt.Format)
	if format == "" {
		f, err := DetectFormat(name, data)
		if err != nil {
			return rep, err
		}
		format = f
	}
	if format == "tsv" {
		format, opt.Delimiter = FormatCSV, '\t'
	}
	if format == "vcf" {
		format = FormatVCard
	}
	rep.Format = format
	var table Table
	switch format {
	case FormatXLSX:
		t, sheet, err := ReadXLSX(data, opt.Sheet)
		if err != nil {
			return rep, err
		}
		table, rep.Sheet = t, sheet
	case FormatCSV, FormatVCard, FormatJSON:
		if len(bytes.TrimSpace(data)) == 0 {
			return rep, ErrEmpty
		}
		if opt.Encoding == "" && looksBinary(data) {
			return rep, fmt.Errorf("it does not look like text (binary data); import CSV, TSV, .xlsx, .vcf or a fieldcrm JSON export")
		}
		text, enc, err := Decode(data, opt.Encoding)
		if err != nil {
			return rep, err
		}
		rep.Encoding = enc
		switch format {
		case FormatJSON:
			return importJSON(st, []byte(text), rep, opt)
		case FormatVCard:
			if table, err = ReadVCard(text); err != nil {
				return rep, err
			}
		default:
			t, d, err := ReadCSV(text, opt.Delimiter)
			if err != nil {
				return rep, err
			}
			table, rep.Delimiter = t, DelimiterName(d)
		}
	default:
		return rep, fmt.Errorf("format %q is not one of csv, tsv, xlsx, json, vcard", opt.Format)
	}
	if len(table.Header) == 0 {
		return rep, ErrEmpty
	}
	rep.HeaderRow = table.HeaderRow
	if len(table.Rows) == 0 {
		return rep, fmt.Errorf("the file has a header row but no data rows under it")
	}
	cols, err := MapColumns(table.Header, opt.Map)
	if err != nil {
		return rep, err
	}
	rep.Columns = cols
	if indexOf(cols, FieldCompany) < 0 && indexOf(cols, FieldID) < 0 {
		return rep, fmt.Errorf("no column holds the company name (headers: %s); name it with --map 'Column=company'", strings.Join(table.Header, ", "))
	}
	return importRows(st, table, cols, rep, opt)
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

func importRows(st *store.Store, table Table, cols []Column, rep *Report, opt Options) (*Report, error) {
	m, err := newMatcher(st)
	if err != nil {
		return rep, err
	}
	m.cols = cols
	rules := st.Rules()
	stages := newStageIndex(rules.Pipeline)
	var rejects []*rowData
	total := len(table.Rows)
	rep.Rows = total
	for start := 0; start < total; start += opt.BatchSize {
		end := min(start+opt.BatchSize, total)
		var counts Report
		var batchRejects []*rowData
		err := st.Update(func(tx *store.Tx) error {
			counts, batchRejects = Report{}, nil
			today := model.Today(tx.Now(), rules.Location)
			for _, row := range table.Rows[start:end] {
				r := parseRowWith(row, cols, rules.Pipeline, stages, today)
				if len(r.problems) == 0 {
					if err := importRow(tx, m, r, &counts, opt.DryRun); err != nil {
						return err
					}
				}
				if len(r.problems) > 0 {
					counts.Invalid++
					batchRejects = append(batchRejects, r)
				} else if len(r.warnings) > 0 {
					counts.Warned++
					counts.Warnings = append(counts.Warnings, r.warnings...)
				}
			}
			if opt.DryRun {
				return errDryRun
			}
			return nil
		})
		if err != nil && !errors.Is(err, errDryRun) {
			return rep, fmt.Errorf("rows %d to %d were not saved (%d rows before them were): %w", table.Rows[start].Num, table.Rows[end-1].Num, start, err)
		}
		rep.New += counts.New
		rep.Updated += counts.Updated
		rep.Unchanged += counts.Unchanged
		rep.Duplicate += counts.Duplicate
		rep.Invalid += counts.Invalid
		rep.Activities += counts.Activities
		rep.Tasks += counts.Tasks
		rep.WonNoHandoff += counts.WonNoHandoff
		for _, mt := range counts.Matches {
			if len(rep.Matches) < maxMatches {
				rep.Matches = append(rep.Matches, mt)
			}
		}
		rep.Warned += counts.Warned
		for _, w := range counts.Warnings {
			if len(rep.Warnings) < opt.MaxProblems {
				rep.Warnings = append(rep.Warnings, w)
			}
		}
		for _, r := range batchRejects {
			for _, p := range r.problems {
				if len(rep.Problems) < opt.MaxProblems {
					rep.Problems = append(rep.Problems, p)
				}
			}
		}
		rejects = append(rejects, batchRejects...)
		if opt.Progress != nil {
			opt.Progress(end, total)
		}
	}
	if len(rejects) > 0 && opt.RejectsPath != "" {
		if err := writeRejects(opt.RejectsPath, table.Header, rejects); err != nil {
			return rep, err
		}
		rep.RejectsPath = opt.RejectsPath
	}
	return rep, nil
}
