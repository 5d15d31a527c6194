// Package xlsxcorpus writes the workbooks of the .xlsx reader's test
// corpus (exchange/testdata/xlsx): one per program whose files our users
// bring, each laid out as that program lays out its own, with the part
// names, relationship ids, content types, styles and cell attributes it
// writes. Real files cannot be committed (they carry their authors' data
// and licences), so the corpus is written here, and a test checks that
// the committed files are what this package writes.
//
// The cells are the same kinds of thing a salesperson's list holds, in
// every form a reader must handle: shared, inline and rich strings
// (phonetic runs included), merged cells, dates in both date systems,
// times and elapsed times, built-in and custom number formats, booleans,
// errors, formulas with their cached values, sparse rows, cells without
// references, and sheets that hold no table (chart and dialog sheets).
package xlsxcorpus

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Workbook is one file of the corpus.
type Workbook struct {
	Name     string // file name under testdata/xlsx
	Producer string // the program whose layout it follows
	Sheet    string // the sheet an import without --sheet must read
	Data     []byte
}

// All returns the corpus, in a fixed order, byte for byte the same on
// every run.
func All() []Workbook {
	return []Workbook{
		excelWindows(),
		excelMac(),
		windowsRezipped(),
		libreOffice(),
		googleSheets(),
		appleNumbers(),
		wpsOffice(),
		openXMLSDK(),
	}
}

// Large returns a workbook of n data rows in Excel for Windows' layout:
// too big to commit, so tests make it when they run.
func Large(n int) Workbook { return excelLarge(n) }

// FuzzSeed is the workbook as a fuzzer's seed: only the parts a reader of
// cells opens (no docProps, theme, drawings or charts), stored without
// compression and without CRCs, which archive/zip then does not check,
// so a fuzzer's changes to the XML reach the reader instead of failing
// the checksum.
func (w Workbook) FuzzSeed() []byte {
	zr, err := zip.NewReader(bytes.NewReader(w.Data), int64(len(w.Data)))
	if err != nil {
		panic(err) // the corpus is ours
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		switch name := strings.ReplaceAll(f.Name, `\`, "/"); {
		case strings.HasPrefix(name, "docProps/"), strings.HasPrefix(name, "xl/theme/"),
			strings.HasPrefix(name, "xl/drawings/"), strings.HasPrefix(name, "xl/charts/"):
			continue
		}
		rc, err := f.Open()
		if err != nil {
			panic(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			panic(err)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: stamp,
			CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body))})
		if err != nil {
			panic(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// stamp is the modification time of every zip entry, so the files do not
// change from one run to the next.
var stamp = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// part is one part of the package, in the order the producer zips them.
type part struct{ name, body string }

func zipParts(parts []part) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			panic(err) // writing to memory cannot fail
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Namespaces and relationship types.
const (
	nsMain   = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsCT     = "http://schemas.openxmlformats.org/package/2006/content-types"
	nsMC     = "http://schemas.openxmlformats.org/markup-compatibility/2006"
	nsX14ac  = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
	relDoc   = nsRel + "/officeDocument"
	relSheet = nsRel + "/worksheet"
	relChart = nsRel + "/chartsheet"
	relDlg   = nsRel + "/dialogsheet"
	relSST   = nsRel + "/sharedStrings"
	relStyle = nsRel + "/styles"
	relTheme = nsRel + "/theme"
	relCore  = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
	relApp   = nsRel + "/extended-properties"
	relCust  = nsRel + "/custom-properties"
	relDraw  = nsRel + "/drawing"
	relChPt  = nsRel + "/chart"

	ctBase  = "application/vnd.openxmlformats-officedocument."
	ctMain  = ctBase + "spreadsheetml.sheet.main+xml"
	ctSheet = ctBase + "spreadsheetml.worksheet+xml"
	ctChSh  = ctBase + "spreadsheetml.chartsheet+xml"
	ctDlg   = ctBase + "spreadsheetml.dialogsheet+xml"
	ctSST   = ctBase + "spreadsheetml.sharedStrings+xml"
	ctStyle = ctBase + "spreadsheetml.styles+xml"
	ctTheme = ctBase + "theme+xml"
	ctDraw  = ctBase + "drawing+xml"
	ctChart = ctBase + "drawingml.chart+xml"
	ctCore  = "application/vnd.openxmlformats-package.core-properties+xml"
	ctApp   = ctBase + "extended-properties+xml"
	ctCust  = ctBase + "custom-properties+xml"
	ctRels  = "application/vnd.openxmlformats-package.relationships+xml"

	declStd = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n"
	declLO  = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// rel is one relationship; target as the producer writes it.
type rel struct{ id, typ, target string }

func rels(decl string, rs ...rel) string {
	var b strings.Builder
	b.WriteString(decl + `<Relationships xmlns="` + nsPkgRel + `">`)
	for _, r := range rs {
		fmt.Fprintf(&b, `<Relationship Id="%s" Type="%s" Target="%s"/>`, r.id, r.typ, r.target)
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

// contentTypes writes [Content_Types].xml: defaults by extension, then
// an override per part.
func contentTypes(decl string, defaults [][2]string, overrides [][2]string) string {
	var b strings.Builder
	b.WriteString(decl + `<Types xmlns="` + nsCT + `">`)
	for _, d := range defaults {
		fmt.Fprintf(&b, `<Default Extension="%s" ContentType="%s"/>`, d[0], d[1])
	}
	for _, o := range overrides {
		fmt.Fprintf(&b, `<Override PartName="%s" ContentType="%s"/>`, o[0], o[1])
	}
	b.WriteString(`</Types>`)
	return b.String()
}

// cell is one cell as a producer writes it.
type cell struct {
	col   int    // 1-based
	t     string // the t attribute: "", "n", "s", "inlineStr", "str", "b", "e", "d"
	s     int    // the s attribute (a cellXfs index); 0 is left out unless sAlways
	v     string // the value (for t="s", filled in from text by the string table)
	f     string // a formula, kept with its cached value
	text  string // the text of a string cell
	rich  string // the string item's inner XML, for rich and phonetic text
	noV   bool   // a cell with no value at all (<c r="C2" t="s"/>)
	noRef bool   // written without its r attribute
}

type row struct {
	num   int
	attrs string // extra attributes of the <row> element, as the producer writes them
	cells []cell
	noRef bool
}

// dialect is how a producer writes a worksheet's cells.
type dialect struct {
	p        string // element prefix ("x:" for the OpenXML SDK)
	decl     string
	sAlways  bool // writes s="0"
	rowSpans bool // writes spans="1:N" on rows
}

// sst is a shared string table, in order of first use.
type sst struct {
	items []string // inner XML of each <si>
	index map[string]int
	uses  int
}

func (t *sst) add(inner string) int {
	t.uses++
	if i, ok := t.index[inner]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]int{}
	}
	t.items = append(t.items, inner)
	t.index[inner] = len(t.items) - 1
	return len(t.items) - 1
}

func (t *sst) xml(d dialect, countAttrs bool) string {
	var b strings.Builder
	b.WriteString(d.decl + `<` + d.p + `sst xmlns` + xmlnsSuffix(d) + `="` + nsMain + `"`)
	if countAttrs {
		fmt.Fprintf(&b, ` count="%d" uniqueCount="%d"`, t.uses, len(t.items))
	}
	b.WriteString(`>`)
	for _, it := range t.items {
		b.WriteString(`<` + d.p + `si>` + it + `</` + d.p + `si>`)
	}
	b.WriteString(`</` + d.p + `sst>`)
	return b.String()
}

func xmlnsSuffix(d dialect) string {
	if d.p == "" {
		return ""
	}
	return ":" + strings.TrimSuffix(d.p, ":")
}

// textItem is the inner XML of a plain string item.
func textItem(p, s string) string {
	sp := ""
	if s != strings.TrimSpace(s) || strings.Contains(s, "\n") {
		sp = ` xml:space="preserve"`
	}
	return `<` + p + `t` + sp + `>` + esc(s) + `</` + p + `t>`
}

func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// colName is the letters of a 1-based column.
func colName(c int) string {
	s := ""
	for ; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}

func ref(c, r int) string { return colName(c) + strconv.Itoa(r) }

// sheetData writes the rows of a worksheet; the strings of cells of
// type s go into t.
func sheetData(d dialect, t *sst, rows []row) string {
	var b strings.Builder
	p := d.p
	b.WriteString(`<` + p + `sheetData>`)
	for _, r := range rows {
		b.WriteString(`<` + p + `row`)
		if !r.noRef {
			fmt.Fprintf(&b, ` r="%d"`, r.num)
		}
		if d.rowSpans && len(r.cells) > 0 {
			fmt.Fprintf(&b, ` spans="%d:%d"`, r.cells[0].col, r.cells[len(r.cells)-1].col)
		}
		b.WriteString(r.attrs)
		if len(r.cells) == 0 {
			b.WriteString(`/>`)
			continue
		}
		b.WriteString(`>`)
		for _, c := range r.cells {
			b.WriteString(`<` + p + `c`)
			if !c.noRef {
				fmt.Fprintf(&b, ` r="%s"`, ref(c.col, r.num))
			}
			if c.s != 0 || d.sAlways {
				fmt.Fprintf(&b, ` s="%d"`, c.s)
			}
			typ, inner := c.t, ""
			switch {
			case c.noV:
			case typ == "s":
				item := c.rich
				if item == "" {
					item = textItem(p, c.text)
				}
				inner = `<` + p + `v>` + strconv.Itoa(t.add(item)) + `</` + p + `v>`
			case typ == "inlineStr":
				item := c.rich
				if item == "" {
					item = textItem(p, c.text)
				}
				inner = `<` + p + `is>` + item + `</` + p + `is>`
			default:
				if c.f != "" {
					inner = `<` + p + `f>` + esc(c.f) + `</` + p + `f>`
				}
				inner += `<` + p + `v>` + esc(c.v) + `</` + p + `v>`
			}
			if typ != "" {
				fmt.Fprintf(&b, ` t="%s"`, typ)
			}
			if inner == "" {
				b.WriteString(`/>`)
			} else {
				b.WriteString(`>` + inner + `</` + p + `c>`)
			}
		}
		b.WriteString(`</` + p + `row>`)
	}
	b.WriteString(`</` + p + `sheetData>`)
	return b.String()
}

// serial is the day number of t in a date system: days since 1899-12-30,
// or since 1904-01-01.
func serial(t time.Time, date1904 bool) float64 {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Sub(epoch).Hours() / 24
}

// num writes a number as Excel does: the shortest text that reads back,
// with a capital E in an exponent.
func num(f float64) string { return strings.ToUpper(strconv.FormatFloat(f, 'g', -1, 64)) }

// numDot writes a whole number with ".0", as Google Sheets does.
func numDot(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return num(f)
}

// styleSpec is a producer's styles.xml: the custom formats, then one
// font, fill and border, and the cell formats by number format id, each
// with the producer's own attributes (xfAttrs).
type styleSpec struct {
	p       string
	decl    string
	font    string // the font element's inner XML
	numFmts [][2]string
	xfs     []int
	xfAttrs string
	tail    string // what follows cellXfs: cellStyles, dxfs, tableStyles...
	rootNS  string // extra namespace declarations on the root
}

func (s styleSpec) xml() string {
	p := s.p
	var b strings.Builder
	b.WriteString(s.decl + `<` + p + `styleSheet xmlns` + xmlnsSuffix(dialect{p: p}) + `="` + nsMain + `"` + s.rootNS + `>`)
	if len(s.numFmts) > 0 {
		fmt.Fprintf(&b, `<%snumFmts count="%d">`, p, len(s.numFmts))
		for _, f := range s.numFmts {
			fmt.Fprintf(&b, `<%snumFmt numFmtId="%s" formatCode="%s"/>`, p, f[0], esc(f[1]))
		}
		b.WriteString(`</` + p + `numFmts>`)
	}
	fmt.Fprintf(&b, `<%sfonts count="1"><%sfont>%s</%sfont></%sfonts>`, p, p, s.font, p, p)
	fmt.Fprintf(&b, `<%sfills count="2"><%sfill><%spatternFill patternType="none"/></%sfill><%sfill><%spatternFill patternType="gray125"/></%sfill></%sfills>`, p, p, p, p, p, p, p, p)
	fmt.Fprintf(&b, `<%sborders count="1"><%sborder><%sleft/><%sright/><%stop/><%sbottom/><%sdiagonal/></%sborder></%sborders>`, p, p, p, p, p, p, p, p, p)
	fmt.Fprintf(&b, `<%scellStyleXfs count="1"><%sxf numFmtId="0" fontId="0" fillId="0" borderId="0"/></%scellStyleXfs>`, p, p, p)
	fmt.Fprintf(&b, `<%scellXfs count="%d">`, p, len(s.xfs))
	for _, id := range s.xfs {
		apply := ""
		if id != 0 {
			apply = ` applyNumberFormat="1"`
		}
		fmt.Fprintf(&b, `<%sxf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"%s%s/>`, p, id, apply, s.xfAttrs)
	}
	b.WriteString(`</` + p + `cellXfs>`)
	b.WriteString(s.tail)
	b.WriteString(`</` + p + `styleSheet>`)
	return b.String()
}

// theme is a minimal DrawingML theme, as every Office producer writes
// one; readers of cell values never look inside.
func theme(decl, name string) string {
	return decl + `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="` + name + `"><a:themeElements>` +
		`<a:clrScheme name="Office"><a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1><a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>` +
		`<a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2><a:accent1><a:srgbClr val="4472C4"/></a:accent1><a:accent2><a:srgbClr val="ED7D31"/></a:accent2>` +
		`<a:accent3><a:srgbClr val="A5A5A5"/></a:accent3><a:accent4><a:srgbClr val="FFC000"/></a:accent4><a:accent5><a:srgbClr val="5B9BD5"/></a:accent5><a:accent6><a:srgbClr val="70AD47"/></a:accent6>` +
		`<a:hlink><a:srgbClr val="0563C1"/></a:hlink><a:folHlink><a:srgbClr val="954F72"/></a:folHlink></a:clrScheme>` +
		`<a:fontScheme name="Office"><a:majorFont><a:latin typeface="Calibri Light"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme>` +
		`<a:fmtScheme name="Office"><a:fillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:fillStyleLst>` +
		`<a:lnStyleLst><a:ln w="6350"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln><a:ln w="12700"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln><a:ln w="19050"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln></a:lnStyleLst>` +
		`<a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst>` +
		`<a:bgFillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:bgFillStyleLst></a:fmtScheme>` +
		`</a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>`
}

func coreProps(decl, creator string) string {
	return decl + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:creator>` + creator + `</dc:creator><cp:lastModifiedBy>` + creator + `</cp:lastModifiedBy>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-30T08:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2026-12-01T09:30:00Z</dcterms:modified></cp:coreProperties>`
}

func appProps(decl, app string, sheets ...string) string {
	var b strings.Builder
	b.WriteString(decl + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">`)
	b.WriteString(`<Application>` + app + `</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>`)
	fmt.Fprintf(&b, `<TitlesOfParts><vt:vector size="%d" baseType="lpstr">`, len(sheets))
	for _, s := range sheets {
		b.WriteString(`<vt:lpstr>` + esc(s) + `</vt:lpstr>`)
	}
	b.WriteString(`</vt:vector></TitlesOfParts><AppVersion>16.0300</AppVersion></Properties>`)
	return b.String()
}
