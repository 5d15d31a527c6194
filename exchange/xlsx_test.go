package exchange

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"maps"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/xuri/excelize/v2"
)

// TestImportXLSXFromChineseExcel builds a workbook the way Chinese Excel
// saves a trade-show list: a title row, date and number cells with
// formats, a phone number stored as a number, and a second sheet.
func TestImportXLSXFromChineseExcel(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "展会名单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"2026 上海国际能源展"},
		{"客户名称", "联系人", "手机", "预计金额", "下次跟进", "来源"},
		{"华北能源有限公司", "王伟", 13800138000, 120000, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), "展会"},
		{"南方电力", "李娜", "139-0013-9000", 50000.5, "2026/12/10", "客户推荐"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // the locale's short date
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, "E3", "E3", style); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Other"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Other", "A1", &[]any{"Company"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}

	s := openStore(t, "ann")
	rep := importString(t, s, "名单.xlsx", buf.String(), Options{})
	if rep.Format != FormatXLSX || rep.Sheet != sheet || rep.HeaderRow != 2 || rep.New != 2 || rep.Tasks != 2 {
		t.Fatalf("report %+v", rep)
	}
	leads := allLeads(t, s)
	for _, l := range leads {
		switch l.Company {
		case "华北能源有限公司":
			if l.MainContact().Phone != "13800138000" || l.Value.Amount != 120000_00 || l.Source != "trade_show" {
				t.Errorf("华北能源 = %+v", l)
			}
		case "南方电力":
			if l.Value.Amount != 50000_50 || l.Source != "referral" {
				t.Errorf("南方电力 = %+v", l)
			}
		default:
			t.Errorf("unexpected lead %q", l.Company)
		}
	}
	var dues []string
	_ = s.View(func(tx *store.Tx) error {
		tasks, err := tx.OpenTasks(model.Date{})
		for _, tk := range tasks {
			dues = append(dues, tk.Due.String())
		}
		return err
	})
	if len(dues) != 2 || dues[0] != "2026-12-03" || dues[1] != "2026-12-10" {
		t.Errorf("follow-ups due %v", dues)
	}
	// A sheet that does not exist is named in the error with the ones that do.
	if _, err := Import(s, buf.Bytes(), "名单.xlsx", Options{Sheet: "Nope"}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("展会名单, Other")) {
		t.Fatalf("missing sheet: %v", err)
	}
}

// TestXLSXExportMatchesExcelize writes the same book with our writer and
// with excelize (the writer fieldcrm used before) and reads both back with
// excelize: the same sheets, cells and cell kinds. Our reader reads our
// file as excelize does.
func TestXLSXExportMatchesExcelize(t *testing.T) {
	s := openStore(t, "ann")
	fillBook(t, s)
	long := strings.Repeat("长", maxXLSXCell+10)
	err := s.Update(func(tx *store.Tx) error {
		l := model.Lead{Company: " <Tricky> & \"Co\" 'x' ", Stage: "prospect",
			Contacts: []model.Contact{{Name: "_x0041_ stays as typed", Phone: "+86 10 1234 5678"}},
			Custom:   map[string]string{"Note": "a\nb\tc  ", "Emoji": "🙂 ok"}}
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		a := model.Activity{LeadID: l.ID, Kind: model.KindCall, Feedback: "]]> </t>"}
		return tx.AddActivity(&a, long)
	})
	if err != nil {
		t.Fatal(err)
	}
	var b *book
	if err := s.View(func(tx *store.Tx) (err error) { b, err = loadBook(tx, ExportOptions{}); return err }); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh"} {
		var ours, ref bytes.Buffer
		if err := writeXLSX(&ours, b, lang); err != nil {
			t.Fatal(err)
		}
		if err := excelizeWriteXLSX(&ref, b, lang); err != nil {
			t.Fatal(err)
		}
		got, want := excelizeSheets(t, ours.Bytes()), excelizeSheets(t, ref.Bytes())
		if len(got.names) != 3 || strings.Join(got.names, "|") != strings.Join(want.names, "|") {
			t.Fatalf("%s: sheets %q, want %q", lang, got.names, want.names)
		}
		for _, name := range want.names {
			if g, w := fmt.Sprintf("%q", got.cells[name]), fmt.Sprintf("%q", want.cells[name]); g != w {
				t.Errorf("%s: sheet %s reads back as\n%s\nwant\n%s", lang, name, g, w)
			}
			tbl, sheet, err := ReadXLSX(ours.Bytes(), name)
			if err != nil || sheet != name {
				t.Fatalf("%s: ReadXLSX(%s): %v", lang, name, err)
			}
			if w := newTable(got.rows[name]); !reflect.DeepEqual(tbl, w) {
				t.Errorf("%s: ReadXLSX(%s) =\n%+v\nexcelize reads\n%+v", lang, name, tbl, w)
			}
		}
		longest := 0
		for _, r := range got.cells[want.names[1]] {
			longest = max(longest, utf8.RuneCountInString(r[6].text))
		}
		if longest != maxXLSXCell {
			t.Errorf("%s: the longest note reads back with %d characters, want %d", lang, longest, maxXLSXCell)
		}
	}
}

type xlsxCell struct{ text, kind string }

type excelizeBook struct {
	names []string
	rows  map[string][][]string
	cells map[string][][]xlsxCell
}

// excelizeSheets reads every sheet with excelize: its rows as GetRows gives
// them and, for each cell, its text and whether Excel holds it as a number
// or as text.
func excelizeSheets(t *testing.T, data []byte) excelizeBook {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eb := excelizeBook{names: f.GetSheetList(), rows: map[string][][]string{}, cells: map[string][][]xlsxCell{}}
	for _, name := range eb.names {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		eb.rows[name] = rows
		cells := make([][]xlsxCell, len(rows))
		for i, r := range rows {
			for j, v := range r {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				typ, err := f.GetCellType(name, ref)
				if err != nil {
					t.Fatal(err)
				}
				kind := "text"
				if typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && v != "" {
					kind = "number"
				}
				cells[i] = append(cells[i], xlsxCell{v, kind})
			}
		}
		eb.cells[name] = cells
	}
	return eb
}

// TestReadXLSXMatchesExcelize reads cells of every kind with each number
// format and compares with excelize: text, numbers, percentages, zero
// padding and booleans read the same; dates read as ISO days that name
// the day excelize's (locale) display names; formats that only change the
// look (thousands, decimals, currency) give the value itself.
func TestReadXLSXMatchesExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	custom := func(code string) *excelize.Style { return &excelize.Style{CustomNumFmt: &code} }
	styles := []struct {
		name  string
		style *excelize.Style
		same  string // "text": equal text; "day": the same day; "value": our text is General's
	}{
		{"General", &excelize.Style{}, "text"},
		{"0%", &excelize.Style{NumFmt: 9}, "text"},
		{"0.00%", &excelize.Style{NumFmt: 10}, "text"},
		{"0.0%", custom("0.0%"), "text"},
		{"@", &excelize.Style{NumFmt: 49}, "text"},
		{"000000", custom("000000"), "text"},
		{"mm-dd-yy", &excelize.Style{NumFmt: 14}, "day"},
		{"m/d/yy h:mm", &excelize.Style{NumFmt: 22}, "day"},
		{"yyyy年m月d日", custom(`yyyy"年"m"月"d"日"`), "day"},
		{"#,##0", &excelize.Style{NumFmt: 3}, "value"},
		{"#,##0.00", &excelize.Style{NumFmt: 4}, "value"},
		{"¥#,##0.00", custom(`[$¥-804]#,##0.00`), "value"},
	}
	values := []any{"华北能源", 0.1 + 0.2, 13800138000, 50000.5, 0.25, 123, -5.5, 1.0 / 3, 123456.789, 0, 1e20, 1234567890123456789,
		time.Date(2026, 12, 3, 15, 4, 5, 0, time.UTC), true, false}
	for i, st := range styles {
		id, err := f.NewStyle(st.style)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range values {
			ref, _ := excelize.CoordinatesToCellName(i+1, j+1)
			if err := f.SetCellValue("Sheet1", ref, v); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStyle("Sheet1", ref, ref, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	last := len(values) + 1
	if err := f.SetCellRichText("Sheet1", fmt.Sprintf("A%d", last), []excelize.RichTextRun{{Text: "rich "}, {Text: "text", Font: &excelize.Font{Bold: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula("Sheet1", fmt.Sprintf("B%d", last), `"a"&"b"`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	want, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	wantRows, err := want.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	wb, err := openXLSX(mustZip(t, buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	gotRows, err := wb.rows(wb.sheets[0].part)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range values {
		for i, st := range styles {
			g, w := cellAt(gotRows, j, i), cellAt(wantRows, j, i)
			general := cellAt(gotRows, j, 0)
			ok := g == w
			switch st.same {
			case "text":
				// Past 15 digits only General and text formats are compared:
				// excelize multiplies a percentage before it rounds.
				ok = ok || v == any(1234567890123456789) && i > 0
			case "day":
				ok = g == wantDay(v, strings.Contains(st.name, "h:mm"))
				if f, isNum := v.(float64); isNum && f < 1 || v == any(0) {
					ok = true // Excel's day 0 (1900-01-00) is no calendar day
				}
			case "value":
				// excelize shows 50000.5 as "50,001" under #,##0; we give the value.
				ok = g == general
			}
			if !ok {
				t.Errorf("%v as %s: got %q, excelize %q", v, st.name, g, w)
			}
		}
	}
	for i := range 2 {
		if g, w := cellAt(gotRows, last-1, i), cellAt(wantRows, last-1, i); g != w {
			t.Errorf("row %d cell %d: got %q, excelize %q", last, i+1, g, w)
		}
	}
	if len(gotRows) != len(wantRows) {
		t.Errorf("%d rows, excelize %d", len(gotRows), len(wantRows))
	}
}

// wantDay is the text ReadXLSX should give for v under a date format,
// worked out with excelize's own serial day conversion: an ISO day (and
// time), or the number itself when it is no day Excel can show.
func wantDay(v any, clock bool) string {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case bool:
		return strings.ToUpper(fmt.Sprint(v))
	case string:
		return v
	default:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		if f < 0 || f >= 2958466 {
			return generalNumber(f)
		}
		var err error
		if t, err = excelize.ExcelDateToTime(f, false); err != nil {
			return err.Error()
		}
	}
	if clock {
		return t.Round(time.Second).Format("2006-01-02 15:04")
	}
	return t.Format("2006-01-02")
}

func cellAt(rows [][]string, r, c int) string {
	if r < len(rows) && c < len(rows[r]) {
		return rows[r][c]
	}
	return ""
}

func mustZip(t *testing.T, data []byte) *zip.Reader {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// TestReadXLSXByHand reads a workbook written by hand the way other
// programs write theirs: a namespace prefix, cells and rows without
// references, Chinese built-in date formats, phonetic guides, escaped
// characters, the 1904 date system and an absolute sheet path.
func TestReadXLSXByHand(t *testing.T) {
	const ns = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	parts := map[string]string{
		"_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
			<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="book/main.xml"/></Relationships>`,
		"book/main.xml": `<x:workbook ` + ns + `><x:workbookPr date1904="1"/><x:sheets>
			<x:sheet name="Hidden &amp; first" sheetId="7" state="hidden" r:id="rId9"/><x:sheet name="名单" sheetId="2" r:id="rId2"/></x:sheets></x:workbook>`,
		"book/_rels/main.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
			<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/book/s/a.xml"/>
			<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="s/b.xml"/>
			<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
			<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
			<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="http://example.com" TargetMode="External"/></Relationships>`,
		"book/strings.xml": `<x:sst ` + ns + ` count="3">
			<x:si><x:t>东京</x:t><x:rPh sb="0" eb="2"><x:t>トウキョウ</x:t></x:rPh></x:si>
			<x:si><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve">line one_x000D_
</x:t></x:r><x:r><x:t>line two</x:t></x:r></x:si>
			<x:si><x:t>公司</x:t></x:si></x:sst>`,
		"book/styles.xml": `<x:styleSheet ` + ns + `>
			<x:numFmts count="2"><x:numFmt numFmtId="164" formatCode="[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot; h:mm"/><x:numFmt numFmtId="165" formatCode="[Red]0.0%;[Blue]-0.0%"/></x:numFmts>
			<x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs>
			<x:cellXfs count="6"><x:xf numFmtId="0"/><x:xf numFmtId="31"/><x:xf numFmtId="58"/><x:xf numFmtId="164"/><x:xf numFmtId="20"/><x:xf numFmtId="165"/></x:cellXfs>
			<x:cellStyles count="1"><x:cellStyle name="Normal" xfId="0"/></x:cellStyles></x:styleSheet>`,
		"book/s/a.xml": `<x:worksheet ` + ns + `><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>hidden</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`,
		"book/s/b.xml": `<x:worksheet ` + ns + `><x:sheetData>
			<x:row r="2"><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c t="s"><x:v>0</x:v></x:c><x:c r="D2" t="inlineStr"><x:is><x:r><x:t>rich </x:t></x:r><x:r><x:t>inline</x:t></x:r></x:is></x:c></x:row>
			<x:row><x:c s="1"><x:v>45000</x:v></x:c><x:c s="2"><x:v>45000</x:v></x:c><x:c s="3"><x:v>45000.75</x:v></x:c><x:c s="4"><x:v>0.5</x:v></x:c><x:c s="5"><x:v>0.125</x:v></x:c><x:c s="0"><x:v>1.0</x:v></x:c></x:row>
			<x:row r="5"><x:c r="A5" t="s"><x:v>1</x:v></x:c><x:c r="B5" t="e"><x:v>#N/A</x:v></x:c><x:c r="C5" t="str"><x:f>A1&amp;"x"</x:f><x:v>a_x0009_b</x:v></x:c><x:c r="D5" t="b"><x:v>0</x:v></x:c><x:c r="E5" s="3"/><x:c r="F5" s="1"><x:v></x:v></x:c></x:row>
			<x:row r="9" ht="20" customHeight="1"/>
		</x:sheetData></x:worksheet>`,
	}
	data := zipOf(t, parts)
	tbl, sheet, err := ReadXLSX(data, "名单")
	if err != nil || sheet != "名单" {
		t.Fatalf("ReadXLSX: %q %v", sheet, err)
	}
	// The 1904 system: serial 45000 is 2027-03-16, not 2023-03-15.
	want := Table{
		Header: []string{"公司", "东京", "", "rich inline"}, HeaderRow: 2,
		Rows: []Row{
			{Num: 3, Cells: []string{"2027-03-16", "2027-03-16", "2027-03-16 18:00", "12:00", "12.5%", "1"}},
			{Num: 5, Cells: []string{"line one\r\nline two", "#N/A", "a\tb", "FALSE"}},
		},
	}
	if !reflect.DeepEqual(tbl, want) {
		t.Errorf("got  %#v\nwant %#v", tbl, want)
	}
	// Without a name: the first sheet whose header we know, past the
	// hidden first one; when no sheet has such a header, the first.
	if _, sheet, err := ReadXLSX(data, ""); err != nil || sheet != "名单" {
		t.Errorf("no sheet named: %q %v, want 名单", sheet, err)
	}
	unknown := maps.Clone(parts)
	unknown["book/strings.xml"] = strings.Replace(parts["book/strings.xml"], "公司", "甲乙", 1)
	if tbl, sheet, err := ReadXLSX(zipOf(t, unknown), ""); err != nil || sheet != "Hidden & first" || tbl.Header[0] != "hidden" {
		t.Errorf("no header known anywhere: %q %+v %v, want the first sheet", sheet, tbl, err)
	}

	// Damage is reported, not read as empty cells.
	for name, change := range map[string][2]string{
		"a shared string it lacks": {"book/s/b.xml", strings.Replace(parts["book/s/b.xml"], "<x:v>2</x:v>", "<x:v>3</x:v>", 1)},
		"a sheet part it lacks":    {"book/s/b.xml", ""},
		"a cell past column XFD":   {"book/s/b.xml", strings.Replace(parts["book/s/b.xml"], `r="D2"`, `r="XFE2"`, 1)},
		"broken XML":               {"book/s/b.xml", parts["book/s/b.xml"][:200]},
		// Read as the tail after its last slash, a type with none once
		// sliced the string at -1: a panic.
		"relationship types without a slash": {"book/_rels/main.xml.rels", strings.ReplaceAll(parts["book/_rels/main.xml.rels"], "http://schemas.openxmlformats.org/officeDocument/2006/relationships/", "")},
	} {
		damaged := maps.Clone(parts)
		if change[1] == "" {
			delete(damaged, change[0])
		} else {
			damaged[change[0]] = change[1]
		}
		if _, _, err := ReadXLSX(zipOf(t, damaged), "名单"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadXLSXEmptySharedStringCells reads a workbook laid out as the
// OpenXML SDK writes one (prefixed namespace, cells of type s with no
// value for empty cells, or an empty <v>): those cells are empty, as in
// Excel and excelize, and the rest of the workbook reads as excelize
// reads it. A value naming a string the workbook lacks is still damage.
func TestReadXLSXEmptySharedStringCells(t *testing.T) {
	const ns = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
			<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>
			<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
			<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
			<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
			<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml" Id="R1"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="utf-8"?><x:workbook ` + ns + `><x:sheets><x:sheet name="Leads" sheetId="1" r:id="R2"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
			<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml" Id="R2"/>
			<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml" Id="R3"/></Relationships>`,
		"xl/sharedStrings.xml": `<?xml version="1.0" encoding="utf-8"?><x:sst ` + ns + `>
			<x:si><x:t>Company</x:t></x:si><x:si><x:t>Contact</x:t></x:si><x:si><x:t>City</x:t></x:si>
			<x:si><x:t>Müller GmbH</x:t></x:si><x:si><x:t>Hans</x:t></x:si><x:si><x:t>北京能源</x:t></x:si><x:si><x:t>北京</x:t></x:si></x:sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="utf-8"?><x:worksheet ` + ns + `><x:sheetData>
			<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c></x:row>
			<x:row r="2"><x:c r="A2" t="s"><x:v>3</x:v></x:c><x:c r="B2" t="s"><x:v>4</x:v></x:c><x:c r="C2" t="s"/></x:row>
			<x:row r="3"><x:c r="A3" t="s"><x:v>5</x:v></x:c><x:c r="B3" t="s"><x:v></x:v></x:c><x:c r="C3" t="s"><x:v>6</x:v></x:c></x:row>
			<x:row r="4"><x:c r="A4" t="s"/><x:c r="B4" t="s"/><x:c r="C4" t="s"/></x:row>
		</x:sheetData></x:worksheet>`,
	}
	data := zipOf(t, parts)
	tbl, _, err := ReadXLSX(data, "")
	if err != nil {
		t.Fatalf("ReadXLSX: %v", err)
	}
	want := Table{
		Header: []string{"Company", "Contact", "City"}, HeaderRow: 1,
		Rows: []Row{
			{Num: 2, Cells: []string{"Müller GmbH", "Hans"}},
			{Num: 3, Cells: []string{"北京能源", "", "北京"}},
		},
	}
	if !reflect.DeepEqual(tbl, want) {
		t.Errorf("got  %#v\nwant %#v", tbl, want)
	}
	// excelize reads the same cells.
	eb := excelizeSheets(t, data)
	rows := eb.rows["Leads"]
	for r := 0; r < 4; r++ {
		for c := 0; c < 3; c++ {
			var ours string
			switch {
			case r == 0:
				ours = cellAt([][]string{tbl.Header}, 0, c)
			default:
				for _, row := range tbl.Rows {
					if row.Num == r+1 {
						ours = cellAt([][]string{row.Cells}, 0, c)
					}
				}
			}
			if theirs := cellAt(rows, r, c); ours != theirs {
				t.Errorf("row %d column %d: ours %q, excelize %q", r+1, c+1, ours, theirs)
			}
		}
	}
	// A number naming a string the workbook lacks is still damage.
	damaged := maps.Clone(parts)
	damaged["xl/worksheets/sheet1.xml"] = strings.Replace(parts["xl/worksheets/sheet1.xml"], `<x:c r="C2" t="s"/>`, `<x:c r="C2" t="s"><x:v>7</x:v></x:c>`, 1)
	if _, _, err := ReadXLSX(zipOf(t, damaged), ""); err == nil {
		t.Error("a shared string the workbook lacks: no error")
	}
}

// TestReadXLSXRefusesACellBomb: a few kilobytes of zipped XML that put a
// cell at column XFD of a thousand rows would take 280 MB as rows; the
// reader stops at xlsxMaxCells with a sentence instead of holding them.
func TestReadXLSXRefusesACellBomb(t *testing.T) {
	var sheet strings.Builder
	sheet.WriteString(`<worksheet><sheetData>`)
	for r := 1; r <= 1100; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, r, r)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	data := zipOf(t, map[string]string{
		"xl/workbook.xml":            `<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="/worksheet" Target="s.xml"/></Relationships>`,
		"xl/s.xml":                   sheet.String(),
	})
	if len(data) > 64<<10 {
		t.Fatalf("the bomb is %d bytes zipped; the test means a small file", len(data))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadXLSX(data, "")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("ReadXLSX: %v, want a refusal", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 200<<20 && !raceBuild {
		t.Errorf("allocated %d MB before refusing", n>>20)
	}
}

// TestReadXLSXRefusesAStylesBomb: a styles part listing more cell formats
// than Excel allows is refused, not held (a zipped run of <xf/> expands a
// thousandfold); a long custom format shared by many cell formats is
// parsed once.
func TestReadXLSXRefusesAStylesBomb(t *testing.T) {
	parts := map[string]string{
		"xl/workbook.xml":            `<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="/worksheet" Target="s.xml"/><Relationship Id="rId2" Type="/styles" Target="st.xml"/></Relationships>`,
		"xl/s.xml":                   `<worksheet><sheetData><row><c s="3"><v>1.5</v></c></row></sheetData></worksheet>`,
	}
	bomb := `<styleSheet><cellXfs>` + strings.Repeat(`<xf numFmtId="0"/>`, xlsxMaxItems+1) + `</cellXfs></styleSheet>`
	parts["xl/st.xml"] = bomb
	if _, _, err := ReadXLSX(zipOf(t, parts), ""); err == nil || !strings.Contains(err.Error(), "cell formats") {
		t.Fatalf("%d cell formats: %v, want a refusal", xlsxMaxItems+1, err)
	}
	long := `[h]:mm` + strings.Repeat(`0`, 200_000)
	parts["xl/st.xml"] = `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="` + long + `"/></numFmts><cellXfs>` +
		strings.Repeat(`<xf numFmtId="164"/>`, 10_000) + `</cellXfs></styleSheet>`
	data := zipOf(t, parts)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tbl, _, err := ReadXLSX(data, "")
	runtime.ReadMemStats(&after)
	if err != nil || len(tbl.Header) != 1 || tbl.Header[0] != "36:00" {
		t.Fatalf("a long shared format: %+v %v", tbl, err)
	}
	// Parsed for each cell format, the 200 KB code would cost 2 GB.
	if n := after.TotalAlloc - before.TotalAlloc; n > 100<<20 {
		t.Errorf("a long format shared by 10,000 cell formats allocated %d MB", n>>20)
	}
}

// TestReadXLSXReadsASharedPartOnce: looking for the list, an import
// without --sheet reads each worksheet part once, however many sheets of
// the workbook name it (a small file could otherwise make it read one
// large part thousands of times).
func TestReadXLSXReadsASharedPartOnce(t *testing.T) {
	var sheets, rels, rows strings.Builder
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&sheets, `<sheet name="S%d" r:id="rId%d"/>`, i, i)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="/worksheet" Target="s.xml"/>`, i)
	}
	for r := 1; r <= 2000; r++ {
		fmt.Fprintf(&rows, `<row r="%d"><c t="inlineStr"><is><t>not a header %d</t></is></c></row>`, r, r)
	}
	data := zipOf(t, map[string]string{
		"xl/workbook.xml":            `<workbook><sheets>` + sheets.String() + `</sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships>` + rels.String() + `</Relationships>`,
		"xl/s.xml":                   `<worksheet><sheetData>` + rows.String() + `</sheetData></worksheet>`,
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tbl, sheet, err := ReadXLSX(data, "")
	runtime.ReadMemStats(&after)
	if err != nil || sheet != "S1" || len(tbl.Rows) != 1999 {
		t.Fatalf("ReadXLSX: sheet %q, %d rows, %v", sheet, len(tbl.Rows), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 100<<20 {
		t.Errorf("allocated %d MB: the shared part was read more than once", n>>20)
	}
}

// TestXLSXFormatsPastExcelsLimits: a format asking for more decimals or
// zeros than Excel allows gives a number, not NaN and not a megabyte of
// padding in every cell.
func TestXLSXFormatsPastExcelsLimits(t *testing.T) {
	for code, want := range map[string]string{
		"0." + strings.Repeat("0", 400) + "%": "12.5" + strings.Repeat("0", 29) + "%",
		"0%":                                  "13%",
		"0.0%":                                "12.5%",
		strings.Repeat("0", 100_000):          strings.Repeat("0", 255),
	} {
		f := 0.125
		if !strings.Contains(code, "%") {
			f = 0
		}
		if got := parseNumFormat(code).format(f, false); got != want {
			t.Errorf("%.20s… (%d characters): %.40q…, want %.40q…", code, len(code), got, want)
		}
	}
	// Too big to scale by 30 decimals: still the number.
	if got := parseNumFormat("0."+strings.Repeat("0", 30)+"%").format(1e300, false); !strings.HasPrefix(got, "1") || strings.Contains(got, "Inf") {
		t.Errorf("1e300 as a percentage with 30 decimals: %.40q…", got)
	}
}

// TestDetectPasswordProtectedWorkbook: a workbook saved with a password
// to open is an encrypted package in an Office 97 container; the import
// says so instead of calling it an old .xls.
func TestDetectPasswordProtectedWorkbook(t *testing.T) {
	ole := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	encrypted := append(append(append([]byte{}, ole...), make([]byte, 504)...), utf16("EncryptedPackage")...)
	if _, err := DetectFormat("leads.xlsx", encrypted); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("encrypted workbook: %v", err)
	}
	old := append(append(append([]byte{}, ole...), make([]byte, 504)...), utf16("Workbook")...)
	if _, err := DetectFormat("leads.xls", old); err == nil || !strings.Contains(err.Error(), ".xls") {
		t.Errorf("old .xls: %v", err)
	}
}

// TestXLSXDatesAndElapsedTimes pins what SheetJS's test workbooks taught:
// day 0 of the 1900 system (Excel shows 1900-01-00) is no day and reads
// as its number, and in an elapsed format only the bracketed unit counts
// in full.
func TestXLSXDatesAndElapsedTimes(t *testing.T) {
	for _, tc := range []struct {
		code     string
		value    float64
		date1904 bool
		want     string
	}{
		{"yyyy-mm-dd", 0, false, "0"},
		{"yyyy-mm-dd h:mm", 0.5, false, "0.5"},
		{"yyyy-mm-dd", 1, false, "1900-01-01"},
		{"yyyy-mm-dd", 0, true, "1904-01-01"},
		{"h:mm", 0.5, false, "12:00"},
		{"[h]:mm", 1.5, false, "36:00"},
		{"[mm]:ss", 0.0625, false, "90:00"},
		{"[ss]", 1.0 / 1440, false, "60"},
		{"HH[MM]", 1, false, "00:1440"},
		{"[h]:mm", -1.5, false, "-36:00"},
	} {
		if got := parseNumFormat(tc.code).format(tc.value, tc.date1904); got != tc.want {
			t.Errorf("%v as %s (1904: %v): %q, want %q", tc.value, tc.code, tc.date1904, got, tc.want)
		}
	}
}
