package exchange

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
	"golang.org/x/text/encoding/unicode"
)

func TestImportQuotedNewlinesAndRaggedRows(t *testing.T) {
	s := openStore(t, "ann")
	data := "Company,Contact,Notes\n" +
		"\"Line\nBreak Ltd\",\"A \"\"quoted\"\" name\",\"first line\nsecond line, with comma\"\n" +
		"Short Row Inc\n" + // fewer cells than the header: fine
		"Long Row LLC,Bob,note,EXTRA\n" + // a cell under no column: refused (row 4: a quoted newline stays in its row)
		"Long But Empty,Bob,note,,\n" // trailing empty cells: fine
	rep := importString(t, s, "x.csv", data, Options{})
	if got := counts(rep); got != [5]int{3, 0, 0, 0, 1} {
		t.Fatalf("counts %v problems %v", got, rep.Problems)
	}
	p := rep.Problems[0]
	if p.Row != 4 || p.Column != "column 4" || !strings.Contains(p.Reason, "4 cells but the header only 3") {
		t.Errorf("problem = %v", p)
	}
	leads := allLeads(t, s)
	var found bool
	for _, l := range leads {
		if l.Company == "Line Break Ltd" { // one line: the break became a space
			found = l.MainContact().Name == `A "quoted" name`
		}
	}
	if !found {
		t.Errorf("quoted newline row not imported intact: %+v", leads)
	}
	if rep.Activities != 2 {
		t.Errorf("notes activities = %d, want 2", rep.Activities)
	}
}

func TestImportRefusesBadFollowUpBeforeWriting(t *testing.T) {
	s := openStore(t, "ann")
	rep := importString(t, s, "x.csv", "Company,Next follow-up,Next step\nA,2026-12-01,\"call\x01back\"\nB,someday,call\n", Options{})
	if got := counts(rep); got != [5]int{0, 0, 0, 0, 2} || rep.Problems[0].Column != "Next step" || rep.Problems[1].Column != "Next follow-up" {
		t.Fatalf("counts %v problems %v", got, rep.Problems)
	}
	if len(allLeads(t, s)) != 0 {
		t.Fatal("a refused row left a lead behind")
	}
}

func TestImportHugeCells(t *testing.T) {
	s := openStore(t, "ann")
	mb := strings.Repeat("长", 350_000) // about 1 MB
	data := "Company,Notes,Remark\n" +
		"Huge Notes Ltd," + strings.Repeat("n", 1<<20-10) + ",ok\n" + // notes up to 1 MiB are fine
		"Huge Custom Ltd,ok," + mb + "\n" +
		strings.Repeat("C", 300) + ",x,y\n"
	rep := importString(t, s, "x.csv", data, Options{})
	if got := counts(rep); got != [5]int{1, 0, 0, 0, 2} {
		t.Fatalf("counts %v problems %v", got, rep.Problems)
	}
	if p := rep.Problems[0]; p.Row != 3 || p.Column != "Remark" || !strings.Contains(p.Reason, "at most 4096") {
		t.Errorf("problem 0 = %v", p)
	}
	if p := rep.Problems[1]; p.Row != 4 || p.Column != "Company" || !strings.Contains(p.Reason, "at most 200") {
		t.Errorf("problem 1 = %v", p)
	}
}

func TestImportRefusesEmptyAndGarbageClearly(t *testing.T) {
	s := openStore(t, "ann")
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	// Not UTF-8, and no plausible text in GB18030, Big5 or Windows-1252
	// (six accented letters in a row); --encoding latin1 reads it.
	latin1 := []byte("Company\nM\xfcller \xe4\xf6\xfc\xdf\xe9\xe8 \xc0\xff\xfe\n")
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty.csv", nil, "empty"},
		{"blank.csv", []byte(" \r\n\n\t"), "empty"},
		{"header.csv", []byte("Company,Phone\n"), "no data rows"},
		{"garbage.csv", garbage, "binary"},
		{"zip.csv", []byte("PK\x03\x04rest"), "zip archive"},
		{"fake.xlsx", []byte("PK\x03\x04not really"), "Excel workbook"},
		{"old.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1...."), "save it as .xlsx"},
		{"named.xlsx", []byte("Company\nAcme\n"), "not an Excel workbook"},
		{"bad.json", []byte(`{"format": "fieldcrm", "leads": [}`), "not valid JSON at line 1"},
		{"other.json", []byte(`{"format": "crmx", "leads": []}`), "not a fieldcrm export"},
		{"open.vcf", []byte("BEGIN:VCARD\nFN:Ann\n"), "no END:VCARD"},
		{"latin1.csv", latin1, "encoding is unclear"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(s, c.data, c.name, Options{RejectsPath: "-"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
	if len(allLeads(t, s)) != 0 {
		t.Fatal("a refused file wrote leads")
	}
	// --encoding names what detection cannot guess.
	if _, err := Import(s, latin1, "x.csv", Options{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("unknown encoding: %v", err)
	}
	if _, err := Import(s, latin1, "x.csv", Options{Encoding: "latin1"}); err != nil {
		t.Fatalf("--encoding latin1: %v", err)
	}
	if leads := allLeads(t, s); len(leads) != 1 || leads[0].Company != "Müller äöüßéè Àÿþ" {
		t.Fatalf("--encoding latin1: %+v", leads)
	}
}

func TestImportUTF16AndForcedEncoding(t *testing.T) {
	s := openStore(t, "ann")
	// Excel's "Unicode text" is UTF-16LE with a BOM and tabs.
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("客户名称\t电话\n上海电气\t021-12345678\n")
	if err != nil {
		t.Fatal(err)
	}
	rep := importString(t, s, "x.txt", u16, Options{})
	if rep.Encoding != "utf-16" || rep.Delimiter != "tab" || rep.New != 1 {
		t.Fatalf("report %+v", rep)
	}
	// Text that is valid UTF-8 but meant as GBK needs --encoding; forcing
	// utf-8 on GBK bytes fails with advice.
	gbk := []byte{0xC9, 0xCF, 0xBA, 0xA3} // 上海
	if _, err := Import(s, append([]byte("Company\n"), gbk...), "x.csv", Options{Encoding: "utf-8"}); err == nil || !strings.Contains(err.Error(), "--encoding gbk") {
		t.Fatalf("forced utf-8 on GBK: %v", err)
	}
	rep = importString(t, s, "x.csv", string(append([]byte("Company\n"), gbk...)), Options{Encoding: "GBK"})
	if rep.New != 1 || allLeads(t, s)[1].Company != "上海" && allLeads(t, s)[0].Company != "上海" {
		t.Fatalf("forced GBK: %+v", rep)
	}
}

func TestDetectDelimiter(t *testing.T) {
	cases := map[string]rune{
		"a,b,c\n1,2,3\n":                 ',',
		"a\tb\tc\n1\t2,5\t3\n":           '\t',
		"a;b;c\n1,5;2;3\n4,5;6;7\n":      ';',
		"a|b\n1|2\n":                     '|',
		"\"x;y\",b\n\"1;2\",3\n":         ',',
		"only\none\ncolumn\n":            ',',
		"名称，电话\n":                        ',', // full-width comma is text
		"Company;Notes\nA;\"x,y,z,w\"\n": ';',
	}
	for in, want := range cases {
		if got := DetectDelimiter(in); got != want {
			t.Errorf("DetectDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVCardImport(t *testing.T) {
	s := openStore(t, "ann")
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nN:王;伟;;;\r\nFN:王伟\r\nORG:华北能源有限公司;销售部\r\nTITLE:采购经理\r\n" +
		"TEL;TYPE=CELL:+86 138 0013 8000\r\nTEL;TYPE=WORK:010-12345678\r\nEMAIL;TYPE=INTERNET:wang@hbny.cn\r\n" +
		"ADR;TYPE=WORK:;;朝阳区 1 号;北京;北京市;100000;中国\r\nNOTE:第一行\\n第二行\\, 含逗号\r\n END\r\nCATEGORIES:展会,重点\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E;=E5=A8=9C\nTEL;CELL:13900139000\nEND:VCARD\n" +
		"BEGIN:VCARD\nVERSION:4.0\nFN:John Smith\nORG:Acme Co.\\, Ltd.\nEMAIL:john@acme.com\nEMAIL:js@home.example\n" +
		"item1.TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+1-555-0100\nEND:VCARD\n"
	rep := importString(t, s, "contacts.vcf", vcf, Options{})
	if rep.Format != FormatVCard || rep.New != 3 || rep.Invalid != 0 {
		t.Fatalf("report %+v", rep)
	}
	by := map[string]int{}
	leads := allLeads(t, s)
	for i, l := range leads {
		by[l.Company] = i
	}
	w := leads[by["华北能源有限公司"]]
	c := w.MainContact()
	if c.Name != "王伟" || c.Title != "采购经理" || c.Phone != "+86 138 0013 8000" || c.Email != "wang@hbny.cn" ||
		w.City != "北京" || w.Region != "北京市" || w.Custom["Phone"] != "010-12345678" || strings.Join(w.Tags, "|") != "展会|重点" {
		t.Errorf("王伟 = %+v", w)
	}
	if i, ok := by["李娜"]; !ok || leads[i].MainContact().Phone != "13900139000" {
		t.Errorf("quoted-printable card without ORG: %+v", leads)
	}
	j := leads[by["Acme Co., Ltd."]]
	if j.MainContact().Phone != "+1-555-0100" || j.Custom["Email 2"] != "js@home.example" {
		t.Errorf("vCard 4 = %+v", j)
	}
	var notes string
	_ = s.View(func(tx *store.Tx) error {
		acts, err := tx.ActivitiesOf(w.ID, 0)
		if len(acts) == 1 {
			notes = acts[0].Notes()
		}
		return err
	})
	if notes != "第一行\n第二行, 含逗号END" { // unfolding drops the one leading space
		t.Errorf("notes = %q", notes)
	}
}

func TestICSExport(t *testing.T) {
	s := openStore(t, "ann")
	fillBook(t, s)
	data := exportTo(t, s, ExportOptions{Format: ExportICS})
	text := string(data)
	if !strings.HasPrefix(text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(text, "END:VCALENDAR\r\n") {
		t.Fatalf("not a calendar:\n%s", text)
	}
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if bytes.ContainsRune(line, '\n') {
			t.Errorf("line %d holds a bare LF", i+1)
		}
	}
	unfolded := strings.ReplaceAll(text, "\r\n ", "")
	if strings.Count(unfolded, "BEGIN:VEVENT") != 2 || // the open follow-up and the open visit; the done follow-up is left out
		!strings.Contains(unfolded, "DTSTART:20261127T090001Z") || !strings.Contains(unfolded, "SUMMARY:Visit — 华北能源有限公司 (王伟)") ||
		!strings.Contains(unfolded, "DTSTART;VALUE=DATE:20261203") ||
		!strings.Contains(unfolded, "SUMMARY:发报价 — 华北能源有限公司") ||
		!strings.Contains(unfolded, `DESCRIPTION:华北能源有限公司\n王伟\n采购经理\n+86 138 0013 8000\nwang@hbny.cn`) {
		t.Errorf("calendar:\n%s", unfolded)
	}
	if !strings.Contains(text, "\r\n ") {
		t.Error("no line was folded; the test book should need folding")
	}
	if got := icsText("a,b;c\\d\ne"); got != `a\,b\;c\\d\ne` {
		t.Errorf("icsText = %q", got)
	}
}
