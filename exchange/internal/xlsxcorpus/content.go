package xlsxcorpus

import (
	"fmt"
	"strings"
	"time"
)

// What the workbooks hold: a trade-show lead list as a salesperson keeps
// one, with the cells each producer stores in its own way.

// fmtDef is one cell format: a role the content asks for, the number
// format id and, for a custom format, its code.
type fmtDef struct {
	role string
	id   int
	code string
}

// formats numbers the custom formats and lists the cell formats (xf 0 is
// General), and returns each role's xf index.
func formats(defs []fmtDef) (numFmts [][2]string, xfs []int, xf map[string]int) {
	xfs = []int{0}
	xf = map[string]int{"": 0}
	seen := map[int]bool{}
	for _, d := range defs {
		if d.code != "" && !seen[d.id] {
			numFmts = append(numFmts, [2]string{fmt.Sprint(d.id), d.code})
			seen[d.id] = true
		}
		xf[d.role] = len(xfs)
		xfs = append(xfs, d.id)
	}
	return numFmts, xfs, xf
}

// Cell makers.
func str(col int, s string) cell { return cell{col: col, t: "s", text: s} }
func richStr(col int, inner string) cell {
	return cell{col: col, t: "s", rich: inner}
}
func number(col int, v string, s int) cell { return cell{col: col, v: v, s: s} }
func boolean(col int, b bool) cell {
	v := "0"
	if b {
		v = "1"
	}
	return cell{col: col, t: "b", v: v}
}

// day is a calendar day (and time) at UTC.
func day(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// hours is a length of time as a fraction of a day.
func hours(h float64) float64 { return h / 24 }

// header is the header row of the lead list.
var header = []string{"公司名称", "联系人", "手机", "预计金额", "概率", "下次跟进", "拜访时长", "成交", "备注"}

func headerRow(num int) row {
	r := row{num: num}
	for i, h := range header {
		r.cells = append(r.cells, str(i+1, h))
	}
	return r
}

// leads is the body every producer's lead list shares; the producer gives
// its cell formats (xf by role), its date system and how it writes
// numbers.
func leads(first int, xf map[string]int, date1904 bool, numText func(float64) string) []row {
	d := func(t time.Time) string { return numText(serial(t, date1904)) }
	return []row{
		{num: first, cells: []cell{
			str(1, "华北能源有限公司"), str(2, "王伟"), number(3, "13800138000", 0),
			number(4, numText(120000), xf["money"]), number(5, numText(0.25), xf["percent"]),
			number(6, d(day(2026, 12, 3, 0, 0)), xf["date"]), number(7, numText(hours(1.5)), xf["elapsed"]),
			boolean(8, true), str(9, "要报价\n下周回电"),
		}},
		{num: first + 1, cells: []cell{
			str(1, "Müller GmbH"), str(2, "Hans Müller"), str(3, "+49 221 123456"),
			number(4, numText(50000.5), xf["thousands"]), number(5, numText(0.125), xf["percent1"]),
			number(6, d(day(2026, 12, 10, 14, 30)), xf["datetime"]), number(7, numText(hours(26.5)), xf["elapsed"]),
			boolean(8, false), str(9, "  leading and trailing spaces  "),
		}},
		// A sparse row: cells left out in the middle.
		{num: first + 2, cells: []cell{
			str(1, "南方电力"), number(3, "123", xf["zeros"]), number(6, d(day(1999, 1, 1, 0, 0)), xf["cndate"]),
			number(7, numText(hours(0.75)), xf["minsec"]),
		}},
		// A row number skipped, then a row of a formula's cached values.
		{num: first + 4, cells: []cell{
			str(1, "合计"),
			{col: 4, f: fmt.Sprintf("SUM(D%d:D%d)", first, first+1), v: numText(170000.5), s: xf["money"]},
			{col: 5, f: fmt.Sprintf("AVERAGE(E%d:E%d)", first, first+1), v: numText(0.1875), s: xf["percent1"]},
			{col: 6, t: "e", f: fmt.Sprintf(`VLOOKUP("x",A%d:A%d,2,FALSE)`, first, first+1), v: "#N/A"},
			{col: 7, t: "str", f: fmt.Sprintf(`A%d&"/"&A%d`, first, first+1), v: "华北能源有限公司/Müller GmbH"},
			{col: 8, t: "b", f: fmt.Sprintf("H%d", first), v: "1"},
			{col: 9, t: "e", v: "#DIV/0!"},
		}},
		{num: first + 5, cells: []cell{
			str(1, "東京電力"), number(4, numText(-5.5), 0), number(5, numText(1.0/3), 0),
			number(6, d(day(2026, 12, 3, 15, 4)), xf["time"]), number(7, numText(0.1+0.2), 0),
			number(9, numText(1234567890123456789), 0),
		}},
	}
}

// cjkRich is a rich string item: two runs, then Japanese phonetic runs
// that are not part of the text.
func cjkRich(p string) string {
	return `<` + p + `r><` + p + `rPr><` + p + `b/><` + p + `sz val="11"/><` + p + `rFont val="宋体"/><` + p + `family val="3"/><` + p + `charset val="134"/></` + p + `rPr><` + p + `t>東京</` + p + `t></` + p + `r>` +
		`<` + p + `r><` + p + `rPr><` + p + `sz val="11"/><` + p + `rFont val="宋体"/></` + p + `rPr><` + p + `t>電力</` + p + `t></` + p + `r>` +
		`<` + p + `rPh sb="0" eb="2"><` + p + `t>トウキョウ</` + p + `t></` + p + `rPh><` + p + `rPh sb="2" eb="4"><` + p + `t>デンリョク</` + p + `t></` + p + `rPh>` +
		`<` + p + `phoneticPr fontId="1" type="noConversion"/>`
}

// withRich puts the rich item in the place of the plain 東京電力.
func withRich(rows []row, p string) []row {
	for i := range rows {
		for j, c := range rows[i].cells {
			if c.t == "s" && c.text == "東京電力" {
				rows[i].cells[j] = richStr(c.col, cjkRich(p))
			}
		}
	}
	return rows
}

// mergeCells writes the mergeCells element.
func mergeCells(p string, refs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<%smergeCells count="%d">`, p, len(refs))
	for _, r := range refs {
		fmt.Fprintf(&b, `<%smergeCell ref="%s"/>`, p, r)
	}
	b.WriteString(`</` + p + `mergeCells>`)
	return b.String()
}

// title is the title row, merged over the table's width as people do.
func title(num int, s int) row {
	return row{num: num, cells: []cell{{col: 1, t: "s", text: "2026 上海国际能源展 客户名单", s: s}}}
}

// lastRef is the bottom-right cell of rows, for <dimension>.
func lastRef(rows []row) string {
	maxCol, maxRow := 1, 1
	for _, r := range rows {
		maxRow = max(maxRow, r.num)
		for _, c := range r.cells {
			maxCol = max(maxCol, c.col)
		}
	}
	return ref(maxCol, maxRow)
}
