package exchange

import (
	"archive/zip"
	"bytes"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
)

// FuzzCSVMapping feeds arbitrary bytes through everything an import does
// before it writes: format and encoding detection, CSV parsing with
// delimiter detection, header mapping and row parsing. It must never
// panic, and every row must come out either as a lead with a company or
// with problems that name its row.
func FuzzCSVMapping(f *testing.F) {
	f.Add([]byte(tradeShow))
	f.Add([]byte("Company;Email\nA;a@b.c\n"))
	f.Add([]byte("\"unterminated,quote\nx,y\n"))
	f.Add([]byte("\xEF\xBB\xBFid,company,value,probability,下次跟进\n,x,12万,50%,明天\n"))
	f.Add([]byte("Company,City\r\nM\xfcller GmbH,K\xf6ln\r\n\xa5x\xa5_,\x93x\x94\n")) // Windows-1252, then Big5
	pipeline := model.DefaultPipeline()
	today := model.Date{Y: 2026, M: 11, D: 27}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := DetectFormat("x.csv", data); err != nil {
			return
		}
		text, _, err := Decode(data, "")
		if err != nil {
			return
		}
		if !utf8.ValidString(text) {
			t.Fatalf("Decode returned invalid UTF-8")
		}
		table, _, err := ReadCSV(text, 0)
		if err != nil || len(table.Header) == 0 {
			return
		}
		cols, err := MapColumns(table.Header, nil)
		if err != nil {
			t.Fatalf("MapColumns without overrides failed: %v", err)
		}
		if len(cols) != len(table.Header) {
			t.Fatalf("%d columns for %d headers", len(cols), len(table.Header))
		}
		seen := map[string]bool{}
		for _, c := range cols {
			if !strings.HasPrefix(c.Field, customPrefix) && c.Field != FieldSkip {
				if seen[c.Field] {
					t.Fatalf("field %s mapped twice", c.Field)
				}
				seen[c.Field] = true
			}
		}
		for _, row := range table.Rows {
			r := parseRow(row, cols, pipeline, today)
			if len(r.problems) == 0 && strings.TrimSpace(r.lead.Company) == "" {
				t.Fatalf("row %d has no company and no problem", row.Num)
			}
			for _, p := range r.problems {
				if p.Row != row.Num || p.Reason == "" {
					t.Fatalf("problem %+v does not name row %d", p, row.Num)
				}
			}
		}
	})
}

// FuzzVCard checks that no input makes the vCard reader panic.
func FuzzVCard(f *testing.F) {
	f.Add("BEGIN:VCARD\nFN:a\nORG:b\\;c;d\nTEL;CELL:1\nEND:VCARD\n")
	f.Add("BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:=E6=9D=\n=8E\nEND:VCARD\n")
	f.Fuzz(func(t *testing.T, s string) {
		table, err := ReadVCard(s)
		if err != nil {
			return
		}
		for _, r := range table.Rows {
			if len(r.Cells) > len(table.Header) {
				t.Fatalf("row has %d cells for %d headers", len(r.Cells), len(table.Header))
			}
		}
	})
}

// FuzzReadXLSX feeds arbitrary sheet and shared-string XML through the
// workbook reader inside a valid package. It must never panic, and every
// row it returns must be within Excel's limits.
func FuzzReadXLSX(f *testing.F) {
	f.Add(`<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c s="1"><v>45000.5</v></c></row></sheetData></worksheet>`,
		`<sst><si><r><t>a</t></r><rPh><t>b</t></rPh></si></sst>`, `yyyy"年"m"月"d"日" h:mm`)
	f.Add(`<worksheet><sheetData><row><c t="inlineStr"><is><t>x_x000D_y</t></is></c><c t="b"><v>1</v></c></row></sheetData></worksheet>`, `<sst/>`, `0.00%`)
	// Empty shared-string cells, as the OpenXML SDK writes them.
	f.Add(`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c><x:c r="C2" t="s"/><x:c r="D2" t="s"><x:v></x:v></x:c></x:row></x:sheetData></x:worksheet>`,
		`<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>a</x:t></x:si></x:sst>`, `General`)
	f.Add(`<worksheet><sheetData><row r="1048576"><c r="XFD1048576" s="1"><v>-1e308</v></c></row></sheetData></worksheet>`, ``, `[h]:mm;@`)
	f.Fuzz(func(t *testing.T, sheet, sst, format string) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range map[string]string{
			"xl/workbook.xml":            `<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="/worksheet" Target="s.xml"/><Relationship Id="rId2" Type="/sharedStrings" Target="sst.xml"/><Relationship Id="rId3" Type="/styles" Target="st.xml"/></Relationships>`,
			"xl/s.xml":                   sheet,
			"xl/sst.xml":                 sst,
			"xl/st.xml":                  `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="` + html.EscapeString(format) + `"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>`,
		} {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
		zw.Close()
		table, _, err := ReadXLSX(buf.Bytes(), "")
		if err != nil {
			return
		}
		if table.HeaderRow > xlsxMaxRows || len(table.Header) > xlsxMaxCols {
			t.Fatalf("header %d cells at row %d", len(table.Header), table.HeaderRow)
		}
		for _, r := range table.Rows {
			if r.Num > xlsxMaxRows || len(r.Cells) > xlsxMaxCols {
				t.Fatalf("row %d has %d cells", r.Num, len(r.Cells))
			}
		}
	})
}

// FuzzReadXLSXFile feeds whole files through ReadXLSX, seeded with the
// .xlsx corpus (stored without compression or CRCs, so changes to the XML
// reach the reader; written by go test -run TestXLSXCorpusIsGenerated
// -update) and with damaged packages. It must never panic; it returns a
// table within Excel's limits, or an error of one line.
func FuzzReadXLSXFile(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18))) // an empty zip
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		table, sheet, err := ReadXLSX(data, "")
		if err != nil {
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one line", msg)
			}
			return
		}
		if sheet == "" && len(table.Header) > 0 {
			t.Fatalf("a table from no named sheet")
		}
		if table.HeaderRow > xlsxMaxRows || len(table.Header) > xlsxMaxCols {
			t.Fatalf("header %d cells at row %d", len(table.Header), table.HeaderRow)
		}
		cells := len(table.Header)
		for _, r := range table.Rows {
			if r.Num <= table.HeaderRow || r.Num > xlsxMaxRows || len(r.Cells) > xlsxMaxCols {
				t.Fatalf("row %d has %d cells", r.Num, len(r.Cells))
			}
			cells += len(r.Cells)
		}
		if cells > xlsxMaxCells {
			t.Fatalf("%d cells, more than the cap of %d", cells, xlsxMaxCells)
		}
	})
}
