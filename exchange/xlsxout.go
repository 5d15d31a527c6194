package exchange

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// writeXLSX writes a workbook with three sheets: leads (the same columns
// as CSV, amounts as numbers), activities and follow-ups.
func writeXLSX(w io.Writer, b *book, lang string) error {
	zh := lang == "zh"
	name := func(en, cn string) string {
		if zh {
			return cn
		}
		return en
	}
	company := func(id string) string {
		if l := b.leads[id]; l != nil {
			return l.Company
		}
		return ""
	}
	x := newXLSXWriter(w)

	if err := x.sheet(name("Leads", "客户"), func(row func([]cell) error) error {
		if err := row(textCells(b.leadHeader(lang))); err != nil {
			return err
		}
		for i := range b.dump.Leads {
			if err := row(b.leadRow(&b.dump.Leads[i], lang)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}

	if err := x.sheet(name("Activities", "活动"), func(row func([]cell) error) error {
		hdr := []string{"Lead ID", "Company", "Kind", "Started", "Ended", "Contact", "Notes", "Feedback", "Outcome", "Next step", "Next due", "Author"}
		if zh {
			hdr = []string{"客户编号", "公司名称", "类型", "开始", "结束", "联系人", "记录", "客户反馈", "结果", "下一步", "下一步日期", "记录人"}
		}
		if err := row(textCells(hdr)); err != nil {
			return err
		}
		for _, a := range b.dump.Activities {
			kind := model.LabelIn(model.ActivityKinds, a.Kind, lang)
			ended := ""
			if !a.EndedAt.IsZero() {
				ended = a.EndedAt.In(b.rules.Location).Format("2006-01-02 15:04")
			}
			if err := row(textCells([]string{a.LeadID, company(a.LeadID), kind, a.StartedAt.In(b.rules.Location).Format("2006-01-02 15:04"), ended,
				a.Contact, a.Notes(), a.Feedback, a.Outcome, a.NextStep, a.NextDue.String(), a.Author})); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}

	if err := x.sheet(name("Follow-ups", "跟进"), func(row func([]cell) error) error {
		hdr := []string{"Lead ID", "Company", "Due", "Action", "Done", "Snoozed until", "Assignee"}
		if zh {
			hdr = []string{"客户编号", "公司名称", "到期", "事项", "已完成", "推迟到", "负责人"}
		}
		if err := row(textCells(hdr)); err != nil {
			return err
		}
		for _, t := range b.dump.Tasks {
			done := ""
			if t.Done {
				done = name("yes", "是")
			}
			if err := row(textCells([]string{t.LeadID, company(t.LeadID), t.Due.String(), t.Action, done, t.SnoozedUntil.String(), t.Assignee})); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return x.close()
}

func textCells(ss []string) []cell {
	out := make([]cell, len(ss))
	for i, s := range ss {
		out[i].text = s
	}
	return out
}

// Excel holds at most 32,767 characters in a cell.
const maxXLSXCell = 32767

func clipCell(s string) string {
	if len(s) <= maxXLSXCell || len([]rune(s)) <= maxXLSXCell {
		return s
	}
	return string([]rune(s)[:maxXLSXCell-1]) + "…"
}

// xlsxWriter streams a SpreadsheetML workbook (ECMA-376, transitional):
// each sheet's rows go straight into the zip, text as inline strings and
// numbers as numbers, so memory does not grow with the book. The package
// holds only the parts Excel, LibreOffice and WPS require: content types,
// relationships, the workbook, a minimal style sheet and the sheets.
type xlsxWriter struct {
	zw     *zip.Writer
	sheets []string
}

func newXLSXWriter(w io.Writer) *xlsxWriter { return &xlsxWriter{zw: zip.NewWriter(w)} }

// sheet writes the next sheet, called name; fill sends its rows, in order.
func (x *xlsxWriter) sheet(name string, fill func(row func([]cell) error) error) error {
	x.sheets = append(x.sheets, name)
	part, err := x.zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", len(x.sheets)))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(part)
	bw.WriteString(xml.Header)
	bw.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	n := 0
	var ref, num []byte
	err = fill(func(cells []cell) error {
		n++
		fmt.Fprintf(bw, `<row r="%d">`, n)
		for i, c := range cells {
			ref = appendCellRef(ref[:0], i, n)
			switch {
			case c.num != nil && !math.IsNaN(*c.num) && !math.IsInf(*c.num, 0):
				bw.WriteString(`<c r="`)
				bw.Write(ref)
				bw.WriteString(`"><v>`)
				num = appendNumber(num[:0], *c.num)
				bw.Write(num)
				bw.WriteString(`</v></c>`)
			case c.text != "":
				s := clipCell(c.text)
				bw.WriteString(`<c r="`)
				bw.Write(ref)
				// Text a spreadsheet would run as a formula is marked as
				// text (quotePrefix, the apostrophe Excel hides), so that
				// editing the cell does not make it one. Text that starts
				// with such an apostrophe gets one more, as in CSV, for the
				// import takes one off.
				if formulaLike(s) {
					bw.WriteString(`" s="1`)
				} else if quotedLead(s) {
					s = "'" + s
				}
				bw.WriteString(`" t="inlineStr"><is><t`)
				if strings.TrimSpace(s) != s {
					bw.WriteString(` xml:space="preserve"`)
				}
				bw.WriteString(`>`)
				escapeCellText(bw, s)
				bw.WriteString(`</t></is></c>`)
			}
		}
		_, err := bw.WriteString(`</row>`)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString(`</sheetData></worksheet>`)
	return bw.Flush()
}

// close writes the parts that list the sheets, then the zip's directory.
func (x *xlsxWriter) close() error {
	var ct, wb, rels strings.Builder
	ct.WriteString(xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	wb.WriteString(xml.Header + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	rels.WriteString(xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, name := range x.sheets {
		n := i + 1
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
		wb.WriteString(`<sheet name="`)
		xml.EscapeText(&wb, []byte(name))
		fmt.Fprintf(&wb, `" sheetId="%d" r:id="rId%d"/>`, n, n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, n, n)
	}
	ct.WriteString(`</Types>`)
	wb.WriteString(`</sheets></workbook>`)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`, len(x.sheets)+1)
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/styles.xml", xlsxStyles},
	} {
		f, err := x.zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	return x.zw.Close()
}

// xlsxStyles is the least style sheet Excel accepts: one font, the two
// fills it reserves, one border and two cell formats: General, and
// General with quotePrefix for text that begins like a formula.
const xlsxStyles = xml.Header + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

// appendNumber appends f as a cell value: plain digits (2590000, not
// 2.59e+06) for the sizes people use.
func appendNumber(b []byte, f float64) []byte {
	if math.Abs(f) < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'E', -1, 64)
}

// appendCellRef appends the A1 reference of the cell in column col
// (0-based) and row (1-based).
func appendCellRef(b []byte, col, row int) []byte {
	var letters [3]byte
	i := len(letters)
	for col++; col > 0; col = (col - 1) / 26 {
		i--
		letters[i] = byte('A' + (col-1)%26)
	}
	return strconv.AppendInt(append(b, letters[i:]...), int64(row), 10)
}

// escapeCellText writes s as XML text. A literal "_x" followed by four
// hex digits and "_" would read back as an escaped character, so its
// underscore is itself escaped, as Excel does.
func escapeCellText(w io.Writer, s string) {
	for {
		i := strings.Index(s, "_x")
		if i < 0 {
			xml.EscapeText(w, []byte(s))
			return
		}
		xml.EscapeText(w, []byte(s[:i]))
		if isXEscape(s[i:]) {
			io.WriteString(w, "_x005F_")
		} else {
			io.WriteString(w, "_")
		}
		s = s[i+1:]
	}
}
