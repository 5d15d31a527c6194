package exchange

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/exchange/internal/xlsxcorpus"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/xuri/excelize/v2"
)

var updateCorpus = flag.Bool("update", false, "write the .xlsx corpus (testdata/xlsx) and the fuzz seeds from exchange/internal/xlsxcorpus")

// corpusLargeRows is the size of the workbook made at test time rather
// than committed.
const corpusLargeRows = 3000

// TestXLSXCorpusIsGenerated: the committed corpus is what the generator
// writes (go test ./exchange -run TestXLSXCorpusIsGenerated -update
// writes it), and its README says where each file comes from.
func TestXLSXCorpusIsGenerated(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("testdata", "xlsx", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range xlsxcorpus.All() {
		path := filepath.Join("testdata", "xlsx", b.Name)
		if *updateCorpus {
			if err := os.WriteFile(path, b.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			writeXLSXSeeds(t, b)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run the test with -update to write the corpus)", err)
		}
		if !bytes.Equal(got, b.Data) {
			t.Errorf("%s is not what xlsxcorpus writes; run go test ./exchange -run TestXLSXCorpusIsGenerated -update", path)
		}
		if !bytes.Contains(readme, []byte("`"+b.Name+"`")) {
			t.Errorf("testdata/xlsx/README.md does not describe %s", b.Name)
		}
	}
}

// writeXLSXSeeds writes a corpus workbook as seeds of the two xlsx fuzz
// targets: whole (FuzzReadXLSXFile), and as its table's sheet, shared
// strings and the first custom number format (FuzzReadXLSX).
func writeXLSXSeeds(t *testing.T, b xlsxcorpus.Workbook) {
	t.Helper()
	name := strings.TrimSuffix(b.Name, ".xlsx")
	write := func(target, body string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "corpus-"+name), []byte("go test fuzz v1\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzReadXLSXFile", fmt.Sprintf("[]byte(%q)\n", b.FuzzSeed()))

	wb, err := openXLSX(mustZip(t, b.Data))
	if err != nil {
		t.Fatal(err)
	}
	part := func(name string) string {
		f := wb.file(name)
		if f == nil {
			return ""
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	var sheet, sst, format string
	for _, s := range wb.sheets {
		if s.name == b.Sheet {
			sheet = part(s.part)
		}
	}
	for name := range wb.files {
		if strings.HasSuffix(name, "sharedstrings.xml") { // files are keyed by partKey
			sst = part(name)
		}
	}
	if styles := part("xl/styles.xml"); styles != "" {
		if i := strings.Index(styles, `formatCode="`); i >= 0 {
			rest := styles[i+len(`formatCode="`):]
			format = html.UnescapeString(rest[:strings.IndexByte(rest, '"')])
		}
	}
	write("FuzzReadXLSX", fmt.Sprintf("string(%q)\nstring(%q)\nstring(%q)\n", sheet, sst, format))
}

// TestXLSXCorpusMatchesExcelize reads every worksheet of every corpus
// workbook with our reader and with excelize and compares them cell by
// cell. Where they differ, the difference must be one we make on purpose
// (xlsxNormalised says which); an import without --sheet must read the
// producer's table, never a chart, dialog or cover sheet.
func TestXLSXCorpusMatchesExcelize(t *testing.T) {
	books := append(xlsxcorpus.All(), xlsxcorpus.Large(corpusLargeRows))
	for _, b := range books {
		t.Run(b.Name, func(t *testing.T) {
			tbl, sheet, err := ReadXLSX(b.Data, "")
			if err != nil {
				t.Fatalf("ReadXLSX: %v", err)
			}
			if sheet != b.Sheet || len(tbl.Header) == 0 {
				t.Errorf("read sheet %q (header %q), want the table on %q, as %s lays it out", sheet, tbl.Header, b.Sheet, b.Producer)
			}
			if compareWithExcelize(t, b.Data) == 0 {
				t.Fatal("no cells compared")
			}
		})
	}
}

// compareWithExcelize compares every worksheet of a workbook as our
// reader and excelize read it, and returns how many cells it compared.
// A sheet of which excelize reads nothing while we read rows is logged,
// not compared: excelize gives up on some sheets real programs open (an
// empty s attribute on every cell, in one of calamine's test files).
func compareWithExcelize(t *testing.T, data []byte) int {
	t.Helper()
	shown, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	defer shown.Close()
	raw, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	defer raw.Close()
	wb, err := openXLSX(mustZip(t, data))
	if err != nil {
		t.Fatal(err)
	}
	if wb.file("xl/workbook.xml") == nil {
		// excelize looks for the strings and styles under xl/ whatever the
		// relationships say (SheetJS's wtf_path.xlsx keeps them in wtf/).
		t.Logf("the workbook is not xl/workbook.xml; excelize cannot read its strings and styles")
		return 0
	}
	compared := 0
	for _, s := range wb.sheets {
		if !s.table {
			continue
		}
		ours, err := wb.rows(s.part)
		if err != nil {
			t.Fatalf("sheet %q: %v", s.name, err)
		}
		theirs, err := shown.GetRows(s.name)
		if err != nil {
			t.Fatalf("excelize sheet %q: %v", s.name, err)
		}
		values, err := raw.GetRows(s.name)
		if err != nil {
			t.Fatal(err)
		}
		// excelize shows an empty cell with an accounting format as
		// spaces, and so counts its row.
		rows := ours
		for len(theirs) > 0 && strings.TrimSpace(strings.Join(theirs[len(theirs)-1], "")) == "" {
			theirs = theirs[:len(theirs)-1]
		}
		for len(rows) > 0 && strings.TrimSpace(strings.Join(rows[len(rows)-1], "")) == "" {
			rows = rows[:len(rows)-1] // and a row of blank cells is no row to us either
		}
		if len(theirs) == 0 && len(ours) > 0 {
			t.Logf("sheet %q: excelize reads no rows, we read %d", s.name, len(ours))
			continue
		}
		if len(rows) != len(theirs) {
			t.Errorf("sheet %q: %d rows, excelize %d", s.name, len(rows), len(theirs))
		}
		for r := range max(len(ours), len(theirs)) {
			for c := range max(rowLen(ours, r), rowLen(theirs, r)) {
				o, e, v := cellAt(ours, r, c), cellAt(theirs, r, c), cellAt(values, r, c)
				compared++
				if o == e {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if why := xlsxNormalised(o, e, v, formatOf(t, raw, s.name, ref), wb.date1904); why == "" {
					t.Errorf("%s!%s: ours %q, excelize %q (value %q)", s.name, ref, o, e, v)
				}
			}
		}
	}
	return compared
}

func rowLen(rows [][]string, r int) int {
	if r < len(rows) {
		return len(rows[r])
	}
	return 0
}

// formatOf is a cell's number format code as excelize reads it from the
// styles: the custom code, or the built-in id as "#46"; "" when excelize
// cannot tell.
func formatOf(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		return ""
	}
	st, err := f.GetStyle(id)
	if err != nil {
		return ""
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return fmt.Sprintf("#%d", st.NumFmt)
}

// isCJKDateFormat reports whether a format is one of the built-in date
// and time formats whose look depends on an East Asian locale.
func isCJKDateFormat(code string) bool {
	id, err := strconv.Atoi(strings.TrimPrefix(code, "#"))
	return err == nil && strings.HasPrefix(code, "#") && (27 <= id && id <= 36 || 50 <= id && id <= 58)
}

// isElapsed reports whether a format code counts time past its unit's
// limit, as [h]:mm and built-in 46 ([h]:mm:ss) do; [Magenta] is a colour.
func isElapsed(code string) bool {
	return code == "#46" || elapsedCode.MatchString(code)
}

var elapsedCode = regexp.MustCompile(`(?i)\[(h+|m+|s+)\]`)

// xlsxNormalised says which of our deliberate differences from what
// Excel shows (and excelize renders) explains ours against excelize's
// shown text, given the cell's stored value and number format; "" when
// none does.
func xlsxNormalised(ours, shown, value, format string, date1904 bool) string {
	// SpreadsheetML escapes characters XML cannot hold as _xHHHH_ (_x000D_
	// for a carriage return); Excel shows the character, excelize the
	// escape.
	if ours != shown && ours == unescapeX(shown) {
		return "_xHHHH_ escapes read as their characters"
	}
	// An empty cell is empty, whatever its format would pad it with; a
	// cell of spaces or line breaks keeps them, where excelize drops them.
	if value == "" && ours == "" && strings.TrimSpace(shown) == "" || shown == "" && ours == value && strings.TrimSpace(ours) == "" {
		return "empty cells empty, blank cells as they are"
	}
	// A cell of type d holds an ISO 8601 date; it reads as a number cell
	// with a date format reads (2026-12-10 14:30), not with its T.
	if _, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(value, "Z")+"Z"); err == nil && ours == isoCell(value) {
		return "type d dates in our ISO form"
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return ""
	}
	if isElapsed(format) {
		// excelize ignores the width of [hh] and [mm]; Excel pads them.
		if strings.Contains(strings.ToLower(format), "[hh]") || strings.Contains(strings.ToLower(format), "[mm]") {
			if strings.TrimPrefix(ours, "0") == shown {
				return "excelize does not pad [hh] and [mm]"
			}
		}
		// excelize adds the 1904 system's four years to a length of time;
		// Excel does not (a duration has no epoch).
		if date1904 && shown == elapsedTime(f+1462, "[h]:mm:ss") && ours == elapsedTime(f, "[h]:mm:ss") {
			return "excelize counts an elapsed time from 1904"
		}
		// A negative length of time: excelize shows the number, we the
		// time with a minus, as LibreOffice (and Excel in 1904) show it.
		if f < 0 && shown == value && strings.HasPrefix(ours, "-") {
			return "negative elapsed times with a minus"
		}
		// We join the units with colons whatever the format puts between
		// them (HH[MM] shows 001440 for a day).
		if !strings.Contains(format, ":") && strings.ReplaceAll(ours, ":", "") == shown {
			return "elapsed times joined by colons"
		}
		return "" // otherwise elapsed times read as Excel shows them
	}
	// Dates and times are written in ISO form and on a 24-hour clock,
	// whatever the locale's display (12/3/26, 2026年12月3日, 3:04 PM):
	// an import must read the day the same on every machine. The
	// built-in Chinese, Japanese and Korean date formats (27-36, 50-58)
	// are dates too, which excelize shows as plain numbers unless told
	// its culture; excelize shows the number when it cannot read the
	// cell's style at all (a styles part with no cellStyleXfs, in one of
	// calamine's test files), where we read its date format; and a format
	// of the day alone (D) may show the very digits of the value.
	if shown != value || isCJKDateFormat(format) || format == "" || hasDateLetters(format) {
		if d, err := excelize.ExcelDateToTime(f, date1904); err == nil {
			d = d.Round(time.Second)
			for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "15:04", "15:04:05"} {
				if ours == d.Format(layout) {
					return "dates and times in ISO form"
				}
			}
		}
	}
	if ours != generalNumber(f) {
		return ""
	}
	// From here on ours is the value, as General writes it.
	switch n, err := strconv.ParseFloat(shown, 64); {
	case err == nil && math.Abs(n-f) <= math.Abs(f)*1e-8:
		// Numbers under General keep the 15 digits Excel keeps where
		// excelize, for a cell with a style, cuts them (0.3333333333,
		// 1.23456789E+18).
		return "General numbers to 15 digits"
	case shown == "":
		// A format may hide a number (an empty section, as in #,###;;);
		// the import still reads it.
		return "numbers a format hides, as their value"
	case strings.Contains(shown, "/"):
		// A fraction format (# ?/?) shows 1/8; the import reads 0.125.
		return "fractions as their value"
	case strings.EqualFold(format, "A/P") || strings.EqualFold(format, "AM/PM"):
		// A format of the AM/PM mark alone shows no number at all.
		return "a number under a format of AM/PM alone, as its value"
	case dayZero(f, format, date1904):
		// Day 0 of 1900 (Excel shows 1900-01-00) is no calendar day.
		return "day 0 of 1900 as its number"
	}
	// Amounts are the value itself, without currency signs, thousands
	// separators or the rounding of a format's decimals: the import keeps
	// the amount, not its look.
	if n, ok := shownNumber(shown); ok && math.Abs(n-f) <= 0.5*math.Max(1e-9, math.Abs(f)*1e-9)+roundingOf(shown) {
		return "amounts as their value"
	}
	return ""
}

// hasDateLetters reports whether a format code, outside its quoted text
// and brackets, has the d or y of a day or year.
func hasDateLetters(code string) bool {
	var b strings.Builder
	quoted, bracket := false, false
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '[' && !quoted:
			bracket = true
		case r == ']' && !quoted:
			bracket = false
		case !quoted && !bracket:
			b.WriteRune(r)
		}
	}
	return strings.ContainsAny(b.String(), "dy")
}

// dayZero reports whether f is a number before 1900-01-01 under a date
// format of the 1900 system.
func dayZero(f float64, format string, date1904 bool) bool {
	return !date1904 && f >= 0 && f < 1 && (hasDateLetters(format) || isCJKDateFormat(format) || format == "#14" || format == "#22")
}

// shownNumber reads the number a formatted cell shows: ¥1,234.50,
// (1,234), -5.50, $ 1,234.
func shownNumber(s string) (float64, bool) {
	neg := strings.Contains(s, "-") || strings.HasPrefix(s, "(")
	var b strings.Builder
	for _, r := range s {
		if '0' <= r && r <= '9' || r == '.' {
			b.WriteRune(r)
		}
	}
	n, err := strconv.ParseFloat(b.String(), 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// roundingOf is half the last shown decimal place of s: how far a
// formatted number may lie from its value.
func roundingOf(s string) float64 {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return 0.5
	}
	d := 0
	for _, r := range s[i+1:] {
		if '0' <= r && r <= '9' {
			d++
		}
	}
	return 0.5 * math.Pow(10, -float64(d))
}

// TestXLSXSpecimens compares our reader with excelize on real-world
// workbooks that are not ours to commit, in the folder that
// FIELDCRM_XLSX_SPECIMENS names (for example calamine's tests/*.xlsx,
// MIT, or a colleague's exports); without it the test is skipped. A file
// excelize reads must read with ours, cell by cell the same up to the
// differences xlsxNormalised allows.
func TestXLSXSpecimens(t *testing.T) {
	dir := os.Getenv("FIELDCRM_XLSX_SPECIMENS")
	if dir == "" {
		t.Skip("FIELDCRM_XLSX_SPECIMENS names no folder of real-world .xlsx files")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .xlsx files in %s: %v", dir, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Skipf("excelize cannot read it either: %v", err)
			}
			sheets := f.GetSheetList()
			f.Close()
			if len(sheets) == 0 {
				t.Skip("excelize finds no sheets either")
			}
			if _, _, err := ReadXLSX(data, ""); err != nil {
				t.Fatalf("excelize reads it, ours: %v", err)
			}
			compareWithExcelize(t, data)
		})
	}
}

// TestXLSXCorpusReadsAsExcelShows pins the cells where our reading of the
// corpus differs from excelize's on purpose or where excelize is wrong,
// so the allowances above cannot hide a change: elapsed times in a 1904
// workbook, padded [HH], a percentage rounded half away from zero, a
// type d date, an empty shared-string cell, a rich string without its
// phonetic guide, a Chinese built-in date, strings found in a part zipped
// under another case, and the table found behind a chart sheet.
func TestXLSXCorpusReadsAsExcelShows(t *testing.T) {
	books := map[string][]byte{}
	for _, b := range xlsxcorpus.All() {
		books[b.Name] = b.Data
	}
	for _, tc := range []struct {
		book, ref, want string
	}{
		{"excel-windows.xlsx", "G3", "1:30"},
		{"excel-windows.xlsx", "G4", "26:30"},
		{"excel-windows.xlsx", "G5", "45:00"},
		{"excel-windows.xlsx", "A8", "東京電力"},
		{"excel-windows.xlsx", "F4", "2026-12-10 14:30"},
		{"excel-mac-1904.xlsx", "F3", "2026-12-03"},
		{"excel-mac-1904.xlsx", "G4", "26:30:00"},
		{"excel-mac-1904.xlsx", "E4", "13%"},
		{"excel-mac-1904.xlsx", "E7", "19%"},
		{"windows-rezipped.xlsx", "A2", "华北能源有限公司"},
		{"windows-rezipped.xlsx", "F4", "1999-01-01"},
		{"windows-rezipped.xlsx", "G3", "26:30:00"},
		{"libreoffice.xlsx", "G3", "01:30"},
		{"libreoffice.xlsx", "A1", "2026 上海国际能源展 客户名单"},
		{"google-sheets.xlsx", "D3", "120000"},
		{"google-sheets.xlsx", "F8", "15:04"},
		{"openxml-sdk.xlsx", "F3", "2026-12-10 14:30"},
		{"openxml-sdk.xlsx", "C3", ""},
		{"openxml-sdk.xlsx", "D3", "50000.5"},
		{"openxml-sdk.xlsx", "A12", "末行"},
	} {
		wb, err := openXLSX(mustZip(t, books[tc.book]))
		if err != nil {
			t.Fatal(err)
		}
		var part string
		for _, s := range wb.sheets {
			if s.table {
				part = s.part
				break
			}
		}
		rows, err := wb.rows(part)
		if err != nil {
			t.Fatal(err)
		}
		c, r, err := excelize.CellNameToCoordinates(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := cellAt(rows, r-1, c-1); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.book, tc.ref, got, tc.want)
		}
	}
}

// BenchmarkReadXLSXLarge reads the 3,000-row corpus workbook with our
// reader (ReadXLSX, as an import does) and, as the reference, with
// excelize's GetRows.
func BenchmarkReadXLSXLarge(b *testing.B) {
	book := xlsxcorpus.Large(corpusLargeRows)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(book.Data)))
		for b.Loop() {
			if _, _, err := ReadXLSX(book.Data, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("excelize", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(book.Data)))
		for b.Loop() {
			f, err := excelize.OpenReader(bytes.NewReader(book.Data))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.GetRows(book.Sheet); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}

// TestImportXLSXCorpus imports every corpus workbook into a real book:
// each producer's list gives the same leads, amounts, phone numbers and
// follow-up days (the Mac's 1904 dates and the SDK's type d date
// included), and the two rows that are wrong on purpose (a total with
// #N/A for a date, a negative amount) are refused with their reasons
// while the others go in.
func TestImportXLSXCorpus(t *testing.T) {
	for _, b := range xlsxcorpus.All() {
		t.Run(b.Name, func(t *testing.T) {
			s := openStore(t, "ann")
			rep, err := Import(s, b.Data, b.Name, Options{RejectsPath: "-"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Sheet != b.Sheet || rep.New < 3 || rep.Invalid != 2 || rep.Tasks != 3 {
				t.Errorf("report: sheet %q, %d new, %d invalid, %d follow-ups; problems %+v", rep.Sheet, rep.New, rep.Invalid, rep.Tasks, rep.Problems)
			}
			for _, p := range rep.Problems {
				if !strings.Contains(p.Reason, "#N/A") && !strings.Contains(p.Reason, "negative") && !strings.Contains(p.Reason, "not a date") {
					t.Errorf("unexpected problem %+v", p)
				}
			}
			want := map[string]struct {
				phone  string
				amount int64
			}{
				"华北能源有限公司":    {"13800138000", 120000_00},
				"Müller GmbH": {"", 50000_50},
				"南方电力":        {"", 0},
			}
			for _, l := range allLeads(t, s) {
				w, ok := want[l.Company]
				if !ok {
					continue
				}
				delete(want, l.Company)
				if l.Value.Amount != w.amount || w.phone != "" && l.MainContact().Phone != w.phone {
					t.Errorf("%s: value %d, phone %q", l.Company, l.Value.Amount, l.MainContact().Phone)
				}
			}
			if len(want) > 0 {
				t.Errorf("leads missing: %v", want)
			}
			var dues []string
			if err := s.View(func(tx *store.Tx) error {
				tasks, err := tx.OpenTasks(model.Date{})
				for _, tk := range tasks {
					dues = append(dues, tk.Due.String())
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			slices.Sort(dues)
			if want := []string{"1999-01-01", "2026-12-03", "2026-12-10"}; !slices.Equal(dues, want) {
				t.Errorf("follow-ups due %v, want %v", dues, want)
			}
		})
	}
}
