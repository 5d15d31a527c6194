package exchange

import (
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
