package exchange

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
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

// matcher finds existing leads by id, normalised company, e-mail and phone.
type matcher struct {
	ids                   map[string]bool
	company, email, phone map[string]string
	touched               map[string]bool // leads an earlier row created or changed
	cols                  []Column        // the file's columns, to name them in problems
}

func newMatcher(st *store.Store) (*matcher, error) {
	m := &matcher{ids: map[string]bool{}, company: map[string]string{}, email: map[string]string{}, phone: map[string]string{}, touched: map[string]bool{}}
	err := st.View(func(tx *store.Tx) error {
		leads, err := tx.Leads(store.LeadFilter{})
		if err != nil {
			return err
		}
		for i := range leads {
			m.add(&leads[i])
		}
		return nil
	})
	return m, err
}

func (m *matcher) add(l *model.Lead) {
	m.ids[l.ID] = true
	k := KeysOf(l)
	if k.Company != "" {
		if _, ok := m.company[k.Company]; !ok {
			m.company[k.Company] = l.ID
		}
	}
	for _, e := range k.Emails {
		if _, ok := m.email[e]; !ok {
			m.email[e] = l.ID
		}
	}
	for _, p := range k.Phones {
		if _, ok := m.phone[p]; !ok {
			m.phone[p] = l.ID
		}
	}
}

// match returns the lead a row is about, and how it was found: by id,
// then company, e-mail, phone.
func (m *matcher) match(r *rowData) (string, string) {
	if r.matchID != "" && m.ids[r.matchID] {
		return r.matchID, "id"
	}
	k := KeysOf(&r.lead)
	if id, ok := m.company[k.Company]; ok && k.Company != "" {
		return id, "company name"
	}
	for _, e := range k.Emails {
		if id, ok := m.email[e]; ok {
			return id, "e-mail"
		}
	}
	for _, p := range k.Phones {
		if id, ok := m.phone[p]; ok {
			return id, "phone"
		}
	}
	return "", ""
}

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

// importRow creates or updates the lead of one valid row, counting what it
// did; a row the store refuses gets a problem. The lead it wrote is
// remembered, so later rows about the same customer update it.
func importRow(tx *store.Tx, m *matcher, r *rowData, rep *Report, dryRun bool) error {
	l, err := importOne(tx, m, r, rep, dryRun)
	if l != nil && err == nil {
		m.add(l)
		m.touched[l.ID] = true
	}
	return err
}

func importOne(tx *store.Tx, m *matcher, r *rowData, rep *Report, dryRun bool) (*model.Lead, error) {
	id, by := m.match(r)
	if id == "" {
		l := r.lead
		if r.matchID != "" {
			if isOurID(r.matchID) {
				l.ID = r.matchID
			} else {
				setCustom(&l, "id", r.matchID)
			}
		}
		if err := tx.AddLead(&l); err != nil {
			return nil, r.storeProblem(err, m.cols)
		}
		rep.New++
		if err := addExtras(tx, &l, r, rep, true); err != nil {
			return nil, r.storeProblem(err, m.cols)
		}
		return &l, nil
	}
	dup := m.touched[id]
	if len(rep.Matches) < maxMatches {
		if dup {
			by = ByEarlierRow
		}
		rep.Matches = append(rep.Matches, Match{Row: r.Num, LeadID: id, By: by})
	}
	old, err := tx.Lead(id)
	if err != nil {
		if dup && dryRun { // made by an earlier batch of this dry run, rolled back
			rep.Duplicate++
			return nil, nil
		}
		return nil, fmt.Errorf("lead %s: %w", id, err)
	}
	if n := len(rep.Matches); n > 0 && rep.Matches[n-1].Row == r.Num {
		rep.Matches[n-1].Company = old.Company
	}
	l := old
	l.Contacts = append([]model.Contact(nil), old.Contacts...)
	mergeRow(&l, r)
	changed := !sameLead(&old, &l)
	if changed {
		if err := tx.UpdateLead(&l); err != nil {
			return nil, r.storeProblem(err, m.cols)
		}
	}
	n := rep.Activities + rep.Tasks
	if err := addExtras(tx, &l, r, rep, false); err != nil {
		return nil, r.storeProblem(err, m.cols)
	}
	changed = changed || rep.Activities+rep.Tasks > n
	switch {
	case dup:
		rep.Duplicate++
	case changed:
		rep.Updated++
	default:
		rep.Unchanged++
	}
	return &l, nil
}

// storeProblem turns a validation error from the store into row problems
// naming the file's columns, and returns nil; other errors (the disk, the
// file) are returned.
func (r *rowData) storeProblem(err error, cols []Column) error {
	fes := model.FieldErrors(err)
	if len(fes) == 0 {
		return err
	}
	for _, fe := range fes {
		r.problem(columnOf(fe.Field, cols), "%s", fe.Problem)
	}
	return nil
}

// columnOf names the column a lead field came from ("contacts[0].email"
// from the E-mail column), or the field itself when no column gave it.
func columnOf(field string, cols []Column) string {
	f := field
	if i := strings.LastIndexByte(f, '.'); strings.HasPrefix(f, "contacts[") && i > 0 {
		f = f[i+1:]
		if f == "name" {
			f = FieldContact
		}
	} else if strings.HasPrefix(f, "contract.") {
		f = "contract_" + strings.TrimPrefix(f, "contract.")
	}
	candidates := []string{f}
	if f == FieldPhone {
		candidates = []string{FieldMobile, FieldPhone}
	}
	for _, c := range candidates {
		if i := indexOf(cols, c); i >= 0 {
			return cols[i].Header
		}
	}
	return field
}

// addExtras writes the row's follow-up and notes, unless the lead already
// has them (so a re-import adds nothing).
func addExtras(tx *store.Tx, l *model.Lead, r *rowData, rep *Report, isNew bool) error {
	if !r.followDue.IsZero() {
		exists := false
		if !isNew {
			tasks, err := tx.TasksOf(l.ID)
			if err != nil {
				return err
			}
			for _, t := range tasks {
				if t.IsOpen() && t.Due == r.followDue && t.Action == r.followWhat {
					exists = true
				}
			}
		}
		if !exists {
			if _, err := tx.SetFollowUp(l.ID, r.followDue, r.followWhat); err != nil {
				return err
			}
			rep.Tasks++
		}
	}
	if r.notes != "" {
		if !isNew {
			acts, err := tx.ActivitiesOf(l.ID, 0)
			if err != nil {
				return err
			}
			for _, a := range acts {
				if a.Notes() == r.notes {
					return nil
				}
			}
		}
		a := model.Activity{LeadID: l.ID, Kind: model.KindNote}
		if err := tx.AddActivity(&a, r.notes); err != nil {
			return err
		}
		rep.Activities++
	}
	return nil
}

// sameLead compares two leads as stored, ignoring when they were updated.
func sameLead(a, b *model.Lead) bool {
	x, y := *a, *b
	x.UpdatedAt = y.UpdatedAt
	ja, err1 := json.Marshal(x)
	jb, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// Headers of the columns a rejects file adds; an import skips them, so a
// fixed rejects file imports cleanly.
const (
	rejectRowHeader     = "fieldcrm row"
	rejectProblemHeader = "fieldcrm problem"
)

// writeRejects writes the invalid rows as CSV (UTF-8 with BOM, so Excel
// opens it), with the original cells followed by the row number and the
// problems, so the user can fix them and import the rejects file.
func writeRejects(path string, header []string, rows []*rowData) error {
	var buf bytes.Buffer
	buf.Write(bomUTF8)
	w := csv.NewWriter(&buf)
	_ = w.Write(append(append([]string(nil), header...), rejectRowHeader, rejectProblemHeader))
	for _, r := range rows {
		cells := make([]string, max(len(header), len(r.Cells)))
		copy(cells, r.Cells)
		var ps []string
		for _, p := range r.problems {
			if p.Column != "" {
				ps = append(ps, p.Column+": "+p.Reason)
			} else {
				ps = append(ps, p.Reason)
			}
		}
		_ = w.Write(append(cells, fmt.Sprint(r.Num), strings.Join(ps, "; ")))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}
