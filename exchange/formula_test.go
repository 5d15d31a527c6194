package exchange

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

func TestCSVSafeGuardsFormulasAndNothingElse(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+SUM(A1:A9)":                "'+SUM(A1:A9)",
		"-2+3":                       "'-2+3",
		"@SUM(1+1)":                  "'@SUM(1+1)",
		"\tx":                        "'\tx",
		"\rx":                        "'\rx",
		"'=A1":                       "''=A1", // one more, which the import takes off
		"''@x":                       "'''@x",
		"'-5":                        "''-5",
		// A plain number stays a number (a negative amount is not
		// mangled), and a phone number holds nothing a formula could call.
		"-5":                "-5",
		"+12.50":            "+12.50",
		"-1234.5":           "-1234.5",
		"+86 138 0013 8000": "+86 138 0013 8000",
		"-Inf":              "'-Inf",
		"-1e5":              "'-1e5",
		"plain":             "plain",
		"'quoted":           "'quoted",
		"a=b":               "a=b",
		"":                  "",
	} {
		if got := CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
		if back := unguard(CSVSafe(in)); back != in {
			t.Errorf("unguard(CSVSafe(%q)) = %q", in, back)
		}
	}
}

// formulaBook holds leads whose text begins like a formula.
func formulaBook(t *testing.T) *store.Store {
	t.Helper()
	s := openStore(t, "ann")
	err := s.Update(func(tx *store.Tx) error {
		for _, l := range []model.Lead{
			{Company: `=HYPERLINK("http://evil.example","Acme")`, City: "-cmd", Tags: []string{"+tag"},
				Contacts: []model.Contact{{Name: "@SUM(1+1)", Phone: "+86 138 0013 8000"}}},
			{Company: "'=already quoted", City: "'-5"},
			{Company: "Plain Co", City: "-5"},
		} {
			if err := tx.AddLead(&l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCSVExportGuardsFormulasAndRoundTrips(t *testing.T) {
	src := formulaBook(t)
	data := exportTo(t, src, ExportOptions{Format: ExportCSV, Lang: "en"})
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, bomUTF8))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	guarded := 0
	for _, row := range rows[1:] {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !plainNumber(c) && !looksPhone(c) {
				t.Errorf("cell %q would run as a formula", c)
			}
			if strings.HasPrefix(c, "'") {
				guarded++
			}
		}
	}
	if guarded < 6 {
		t.Errorf("only %d guarded cells in\n%s", guarded, data)
	}
	checkSameText(t, src, data, "book.csv")
}

func TestXLSXExportMarksFormulasAsTextAndRoundTrips(t *testing.T) {
	src := formulaBook(t)
	data := exportTo(t, src, ExportOptions{Format: ExportXLSX, Lang: "en"})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sheet []byte
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := f.Open()
			sheet, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	for _, want := range []string{
		`s="1" t="inlineStr"><is><t>=HYPERLINK(&#34;http://evil.example&#34;,&#34;Acme&#34;)</t>`,
		`s="1" t="inlineStr"><is><t>@SUM(1+1)</t>`,
		`s="1" t="inlineStr"><is><t>-cmd</t>`,
		`t="inlineStr"><is><t>&#39;&#39;=already quoted</t>`,
	} {
		if !bytes.Contains(sheet, []byte(want)) {
			t.Errorf("the leads sheet lacks %s:\n%s", want, sheet)
		}
	}
	if bytes.Contains(sheet, []byte("<f>")) {
		t.Error("the leads sheet holds a formula")
	}
	checkSameText(t, src, data, "book.xlsx")
}

// checkSameText imports data into a fresh book and compares the text
// fields of formulaBook's leads with the source.
func checkSameText(t *testing.T, src *store.Store, data []byte, name string) {
	t.Helper()
	dst := openStore(t, "ann")
	if rep := importString(t, dst, name, string(data), Options{}); rep.New != 3 || rep.Invalid != 0 {
		t.Fatalf("import: %+v", rep)
	}
	a, b := allLeads(t, src), allLeads(t, dst)
	for i := range a {
		x, y := a[i], b[i]
		if x.Company != y.Company || x.City != y.City || x.MainContact().Name != y.MainContact().Name ||
			x.MainContact().Phone != y.MainContact().Phone || strings.Join(x.Tags, ",") != strings.Join(y.Tags, ",") || x.Value != y.Value {
			t.Errorf("lead %d came back as\n%+v\nwant\n%+v", i, y, x)
		}
	}
}

// FuzzCSVSafe: a guarded cell never begins like a formula (unless it is a
// plain number or a phone number), and the import's unguard gives back
// exactly the text that was guarded.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"=1+2", "'=A1", "''@x", "-5", "+86 138 0013 8000", "\t", "'", "plain", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g := CSVSafe(s)
		if g != "" && strings.ContainsRune(formulaLeads, rune(g[0])) && !plainNumber(g) && !(NormPhone(g) != "" && looksPhone(g)) {
			t.Fatalf("CSVSafe(%q) = %q begins like a formula", s, g)
		}
		if back := unguard(g); back != s {
			t.Fatalf("unguard(CSVSafe(%q)) = %q", s, back)
		}
	})
}
