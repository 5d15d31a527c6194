package xlsxcorpus

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
)

// libreOffice: LibreOffice Calc 7: rId1 core, rId2 app, rId3 the workbook
// in _rels/.rels; styles as the workbook's rId1, then the sheets, then
// the shared strings; General written as custom format 164; format codes
// in capitals; t="n" on every number; formulas with aca="false"; every
// row with all its attributes.
func libreOffice() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"general", 164, `General`},
		{"money", 165, `[$¥-804]#,##0.00;[RED]\-[$¥-804]#,##0.00`}, {"thousands", 166, `#,##0`}, {"percent", 9, ""}, {"percent1", 167, `0.0%`},
		{"date", 168, `YYYY\-MM\-DD`}, {"datetime", 169, `YYYY\-MM\-DD\ HH:MM`}, {"cndate", 170, `YYYY"年"M"月"D"日"`}, {"time", 171, `HH:MM`},
		{"elapsed", 172, `[HH]:MM`}, {"minsec", 173, `[MM]:SS`}, {"zeros", 174, `000000`},
	})
	xfs[0] = 164 // LibreOffice's default cell format is its General, 164
	var t sst
	rows := append([]row{title(1, 0), headerRow(2)}, leads(3, xf, false, num)...)
	for i := range rows {
		rows[i].attrs = ` customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false"`
		for j, c := range rows[i].cells {
			if c.t == "" {
				rows[i].cells[j].t = "n"
			}
		}
	}
	lo := dialect{decl: declLO, sAlways: true}
	body := sheetData(lo, &t, rows)
	body = strings.ReplaceAll(body, "<f>", `<f aca="false">`)
	sheet1 := declLO + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" xmlns:mc="` + nsMC + `">` +
		`<sheetPr filterMode="false"><pageSetUpPr fitToPage="false"/></sheetPr><dimension ref="A1:` + lastRef(rows) + `"/>` +
		`<sheetViews><sheetView showFormulas="false" showGridLines="true" showRowColHeaders="true" showZeros="true" rightToLeft="false" tabSelected="true" showOutlineSymbols="true" defaultGridColor="true" view="normal" topLeftCell="A1" colorId="64" zoomScale="100" zoomScaleNormal="100" zoomScalePageLayoutView="100" workbookViewId="0"><selection pane="topLeft" activeCell="A1" activeCellId="0" sqref="A1"/></sheetView></sheetViews>` +
		`<sheetFormatPr defaultColWidth="11.53515625" defaultRowHeight="12.8" zeroHeight="false" outlineLevelRow="0" outlineLevelCol="0"/>` + body + mergeCells("", "A1:I1") +
		`<printOptions headings="false" gridLines="false" gridLinesSet="true" horizontalCentered="false" verticalCentered="false"/><pageMargins left="0.7875" right="0.7875" top="1.05277777777778" bottom="1.05277777777778" header="0.7875" footer="0.7875"/></worksheet>`
	styles := styleSpec{decl: declLO, font: `<sz val="10"/><name val="Noto Sans CJK SC"/><family val="2"/>`, numFmts: numFmts, xfs: xfs,
		xfAttrs: ` applyFont="false" applyBorder="false" applyAlignment="false" applyProtection="false"`,
		tail:    `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>`}.xml()
	workbook := declLO + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><fileVersion appName="Calc"/><workbookPr backupFile="false" showObjects="all" date1904="false"/><workbookProtection/>` +
		`<bookViews><workbookView showHorizontalScroll="true" showVerticalScroll="true" showSheetTabs="true" xWindow="0" yWindow="0" windowWidth="16384" windowHeight="8192" tabRatio="500" firstSheet="0" activeTab="0"/></bookViews>` +
		`<sheets><sheet name="客户名单" sheetId="1" state="visible" r:id="rId2"/></sheets><calcPr iterateCount="100" refMode="A1" iterate="false" iterateDelta="0.001"/></workbook>`
	data := zipParts([]part{
		{"_rels/.rels", rels(declLO, rel{"rId1", relCore, "docProps/core.xml"}, rel{"rId2", relApp, "docProps/app.xml"}, rel{"rId3", relDoc, "xl/workbook.xml"})},
		{"docProps/app.xml", appProps(declLO, "LibreOffice/7.6.4.1$Linux_X86_64 LibreOffice_project/e19e193f88cd6c0525a17fb7a176ed8e6a3e2aa1")},
		{"docProps/core.xml", coreProps(declLO, "王伟")},
		{"xl/_rels/workbook.xml.rels", rels(declLO, rel{"rId1", relStyle, "styles.xml"}, rel{"rId2", relSheet, "worksheets/sheet1.xml"}, rel{"rId3", relSST, "sharedStrings.xml"})},
		{"xl/sharedStrings.xml", t.xml(lo, true)},
		{"xl/worksheets/sheet1.xml", sheet1},
		{"xl/workbook.xml", workbook},
		{"xl/styles.xml", styles},
		{"[Content_Types].xml", contentTypes(declLO, [][2]string{{"xml", "application/xml"}, {"rels", ctRels}, {"png", "image/png"}, {"jpeg", "image/jpeg"}},
			[][2]string{{"/_rels/.rels", ctRels}, {"/xl/workbook.xml", ctMain}, {"/xl/styles.xml", ctStyle}, {"/xl/worksheets/sheet1.xml", ctSheet},
				{"/xl/sharedStrings.xml", ctSST}, {"/xl/_rels/workbook.xml.rels", ctRels}, {"/docProps/core.xml", ctCore}, {"/docProps/app.xml", ctApp}})},
	})
	return Workbook{Name: "libreoffice.xlsx", Producer: "LibreOffice Calc", Sheet: "客户名单", Data: data}
}

// googleSheets: a Google Sheets download: no docProps; the theme as the
// workbook's rId1, styles rId2, shared strings rId3, sheets from rId4;
// whole numbers written with ".0"; an s attribute on every cell.
func googleSheets() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 164, `"¥"#,##0.00`}, {"thousands", 165, `#,##0`}, {"percent", 10, ""}, {"percent1", 166, `0.0%`},
		{"date", 167, `yyyy-mm-dd`}, {"datetime", 168, `m/d/yyyy h:mm:ss`}, {"cndate", 169, `yyyy"年"m"月"d"日"`}, {"time", 170, `h:mm am/pm`},
		{"elapsed", 171, `[h]:mm:ss`}, {"minsec", 172, `[mm]:ss`}, {"zeros", 173, `000000`}, {"text", 0, ""},
	})
	var t sst
	rows := append([]row{title(1, xf["text"]), headerRow(2)}, leads(3, xf, false, numDot)...)
	for i := range rows {
		for j := range rows[i].cells {
			if rows[i].cells[j].s == 0 {
				rows[i].cells[j].s = xf["text"]
			}
		}
	}
	gs := dialect{decl: declStd}
	names := []sheet{{name: "工作表1"}, {name: "归档"}}
	ws := func(rows []row, merges ...string) string {
		m := ""
		if len(merges) > 0 {
			m = mergeCells("", merges...)
		}
		return declStd + `<worksheet xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:mc="` + nsMC + `" mc:Ignorable="x14ac" xmlns:x14ac="` + nsX14ac + `" xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
			`<sheetPr><outlinePr summaryBelow="0" summaryRight="0"/></sheetPr><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr customHeight="1" defaultColWidth="12.63" defaultRowHeight="15.75"/>` +
			sheetData(gs, &t, rows) + m + `<drawing r:id="rId1"/></worksheet>`
	}
	sheet1 := ws(rows, "A1:I1")
	sheet2 := ws([]row{{num: 1, cells: []cell{{col: 1, t: "s", text: "旧客户", s: xf["text"]}}}})
	emptyDrawing := declStd + `<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="` + nsRel + `" xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:cx="http://schemas.microsoft.com/office/drawing/2014/chartex" xmlns:cx1="http://schemas.microsoft.com/office/drawing/2015/9/8/chartex" xmlns:mc="` + nsMC + `" xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" xmlns:x3Unk="http://schemas.microsoft.com/office/drawing/2010/slicer" xmlns:sle15="http://schemas.microsoft.com/office/drawing/2012/slicer"/>`
	workbook := declStd + `<workbook xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6" xmlns:xr10="http://schemas.microsoft.com/office/spreadsheetml/2016/revision10" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" xmlns:mc="` + nsMC + `" mc:Ignorable="x15 xr xr6 xr10 xr2" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<workbookPr/>` + strings.ReplaceAll(sheetsXML("", names, func(i int) string { return fmt.Sprintf("rId%d", i+4) }), `<sheet name`, `<sheet state="visible" name`) +
		`<definedNames/><calcPr/></workbook>`
	styles := styleSpec{decl: declStd, font: `<sz val="10.0"/><color rgb="FF000000"/><name val="Arial"/><scheme val="minor"/>`, numFmts: numFmts, xfs: xfs,
		xfAttrs: ` applyFont="1" applyAlignment="1"`,
		rootNS:  ` xmlns:x14ac="` + nsX14ac + `" xmlns:mc="` + nsMC + `"`,
		tail:    `<cellStyles count="1"><cellStyle xfId="0" name="Normal" builtinId="0"/></cellStyles><dxfs count="0"/>`}.xml()
	data := zipParts([]part{
		{"xl/drawings/drawing1.xml", emptyDrawing},
		{"xl/drawings/drawing2.xml", emptyDrawing},
		{"xl/worksheets/sheet1.xml", sheet1},
		{"xl/worksheets/_rels/sheet1.xml.rels", rels(declStd, rel{"rId1", relDraw, "../drawings/drawing1.xml"})},
		{"xl/worksheets/sheet2.xml", sheet2},
		{"xl/worksheets/_rels/sheet2.xml.rels", rels(declStd, rel{"rId1", relDraw, "../drawings/drawing2.xml"})},
		{"xl/sharedStrings.xml", t.xml(gs, true)},
		{"xl/styles.xml", styles},
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", rels(declStd, rel{"rId1", relTheme, "theme/theme1.xml"}, rel{"rId2", relStyle, "styles.xml"}, rel{"rId3", relSST, "sharedStrings.xml"},
			rel{"rId4", relSheet, "worksheets/sheet1.xml"}, rel{"rId5", relSheet, "worksheets/sheet2.xml"})},
		{"xl/theme/theme1.xml", theme(declStd, "Sheets")},
		{"[Content_Types].xml", contentTypes(declStd, [][2]string{{"xml", "application/xml"}, {"rels", ctRels}},
			[][2]string{{"/xl/drawings/drawing1.xml", ctDraw}, {"/xl/drawings/drawing2.xml", ctDraw}, {"/xl/worksheets/sheet1.xml", ctSheet}, {"/xl/worksheets/sheet2.xml", ctSheet},
				{"/xl/sharedStrings.xml", ctSST}, {"/xl/styles.xml", ctStyle}, {"/xl/workbook.xml", ctMain}, {"/xl/theme/theme1.xml", ctTheme}})},
		{"_rels/.rels", rels(declStd, rel{"rId1", relDoc, "xl/workbook.xml"})},
	})
	return Workbook{Name: "google-sheets.xlsx", Producer: "Google Sheets", Sheet: "工作表1", Data: data}
}

// appleNumbers: Numbers' export: an Export Summary sheet first (Numbers'
// note and a table of the sheets it wrote, with links to them), then the
// table on a sheet named "sheet - table"; styled cells with no value all
// over the table; t="n" on numbers; the elapsed formats Numbers gives
// durations.
func appleNumbers() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 164, `"¥"#,##0.00`}, {"thousands", 165, `#,##0`}, {"percent", 9, ""}, {"percent1", 166, `0.0%`},
		{"date", 167, `yyyy/m/d`}, {"datetime", 168, `yyyy/m/d h:mm`}, {"cndate", 169, `yyyy"年"m"月"d"日"`}, {"time", 170, `h:mm`},
		{"elapsed", 171, `[h]:mm`}, {"minsec", 172, `[mm]:ss`}, {"zeros", 173, `000000`}, {"blank", 0, ""},
	})
	var t sst
	rows := append([]row{headerRow(1)}, leads(2, xf, false, num)...)
	for i := range rows {
		rows[i].attrs = ` ht="20.05" customHeight="1"`
		have := map[int]bool{}
		for j, c := range rows[i].cells {
			have[c.col] = true
			if c.t == "" {
				rows[i].cells[j].t = "n"
			}
		}
		// Numbers writes every cell of the table, empty ones with a style.
		var filled []cell
		for col := 1; col <= len(header); col++ {
			if !have[col] {
				filled = append(filled, cell{col: col, s: xf["blank"], noV: true})
			}
		}
		rows[i].cells = sortCells(append(rows[i].cells, filled...))
	}
	table := declStd + `<worksheet xmlns:r="` + nsRel + `" xmlns="` + nsMain + `"><dimension ref="A1:I7"/><sheetViews><sheetView workbookViewId="0" showGridLines="0" defaultGridColor="1"/></sheetViews>` +
		`<sheetFormatPr defaultColWidth="16.3333" defaultRowHeight="19.9" customHeight="1" outlineLevelRow="0" outlineLevelCol="0"/><cols><col min="1" max="9" width="16.3516" style="1" customWidth="1"/></cols>` +
		sheetData(dialect{decl: declStd}, &t, rows) + `<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.277778" footer="0.277778"/><pageSetup firstPageNumber="1" fitToHeight="1" fitToWidth="1" scale="100" useFirstPageNumber="0" orientation="portrait" pageOrder="downThenOver"/>` +
		`<headerFooter><oddFooter>&amp;C&amp;"Helvetica Neue,Regular"&amp;12&amp;K000000&amp;P</oddFooter></headerFooter></worksheet>`
	summaryRows := []row{
		{num: 1, cells: []cell{str(1, "Export Summary")}},
		{num: 3, cells: []cell{str(1, "This document was exported from Numbers. Each table was converted to an Excel worksheet. All other objects on each Numbers sheet were placed on separate worksheets. Please be aware that formula calculations may differ in Excel.")}},
		{num: 5, cells: []cell{str(1, "Numbers Sheet Name"), str(2, "Numbers Table Name"), str(3, "Excel Worksheet Name")}},
		{num: 6, cells: []cell{str(1, "工作表 1"), str(2, "表格 1"), str(3, "工作表 1 - 表格 1")}},
	}
	summary := declStd + `<worksheet xmlns:r="` + nsRel + `" xmlns="` + nsMain + `"><dimension ref="A1:C6"/><sheetViews><sheetView workbookViewId="0" showGridLines="0" defaultGridColor="1"/></sheetViews>` +
		`<sheetFormatPr defaultColWidth="10" defaultRowHeight="12" customHeight="1" outlineLevelRow="0" outlineLevelCol="0"/><cols><col min="1" max="1" width="2" style="1" customWidth="1"/><col min="2" max="3" width="33.3" style="1" customWidth="1"/></cols>` +
		sheetData(dialect{decl: declStd}, &t, summaryRows) + mergeCells("", "A1:C1", "A3:C3") +
		`<hyperlinks><hyperlink ref="C6" location="'工作表 1 - 表格 1'!R1C1" display="工作表 1 - 表格 1"/></hyperlinks>` +
		`<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.277778" footer="0.277778"/></worksheet>`
	workbook := declStd + `<workbook xmlns:r="` + nsRel + `" xmlns="` + nsMain + `"><workbookPr date1904="0"/><bookViews><workbookView activeTab="0"/></bookViews>` +
		`<sheets><sheet name="Export Summary" sheetId="1" r:id="rId4"/><sheet name="工作表 1 - 表格 1" sheetId="2" r:id="rId5"/></sheets></workbook>`
	styles := styleSpec{decl: declStd, font: `<sz val="10"/><color indexed="8"/><name val="PingFang SC"/>`, numFmts: numFmts, xfs: xfs,
		xfAttrs: ` applyAlignment="1" applyProtection="0"`,
		tail:    `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0"/><colors><indexedColors><rgbColor rgb="ff000000"/><rgbColor rgb="ffffffff"/></indexedColors></colors>`}.xml()
	data := zipParts([]part{
		{"[Content_Types].xml", contentTypes(declStd, [][2]string{{"xml", "application/xml"}, {"rels", ctRels}, {"jpeg", "image/jpeg"}},
			[][2]string{{"/xl/workbook.xml", ctMain}, {"/xl/styles.xml", ctStyle}, {"/xl/sharedStrings.xml", ctSST}, {"/xl/worksheets/sheet1.xml", ctSheet},
				{"/xl/worksheets/sheet2.xml", ctSheet}, {"/xl/theme/theme1.xml", ctTheme}, {"/docProps/core.xml", ctCore}, {"/docProps/app.xml", ctApp}})},
		{"_rels/.rels", rels(declStd, rel{"rId1", relDoc, "xl/workbook.xml"}, rel{"rId2", relCore, "docProps/core.xml"}, rel{"rId3", relApp, "docProps/app.xml"})},
		{"docProps/app.xml", appProps(declStd, "Microsoft Excel", "Export Summary", "工作表 1 - 表格 1")},
		{"docProps/core.xml", coreProps(declStd, "")},
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", rels(declStd, rel{"rId1", relTheme, "theme/theme1.xml"}, rel{"rId2", relStyle, "styles.xml"}, rel{"rId3", relSST, "sharedStrings.xml"},
			rel{"rId4", relSheet, "worksheets/sheet1.xml"}, rel{"rId5", relSheet, "worksheets/sheet2.xml"})},
		{"xl/sharedStrings.xml", t.xml(dialect{decl: declStd}, true)},
		{"xl/styles.xml", styles},
		{"xl/theme/theme1.xml", theme(declStd, "Office Theme")},
		{"xl/worksheets/sheet1.xml", summary},
		{"xl/worksheets/sheet2.xml", table},
	})
	return Workbook{Name: "apple-numbers.xlsx", Producer: "Apple Numbers", Sheet: "工作表 1 - 表格 1", Data: data}
}

func sortCells(cs []cell) []cell {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].col < cs[j-1].col; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	return cs
}

// openXMLSDK: a program built on Microsoft's OpenXML SDK (.NET): every
// spreadsheetml element with the x: prefix; relationship ids the SDK
// makes up ("R" and 16 hex digits); absolute targets; no docProps; parts
// that begin with a UTF-8 byte order mark, as .NET writers with
// Encoding.UTF8 write them; inline strings, shared-string cells with no
// value for empty cells, rows and cells without references, and a date
// cell of type d.
func openXMLSDK() Workbook {
	const bom = "\ufeff"
	decl := bom + `<?xml version="1.0" encoding="utf-8"?>`
	p := "x:"
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 4, ""}, {"thousands", 3, ""}, {"percent", 9, ""}, {"percent1", 10, ""},
		{"date", 14, ""}, {"datetime", 22, ""}, {"cndate", 14, ""}, {"time", 20, ""},
		{"elapsed", 46, ""}, {"minsec", 164, `[mm]:ss`}, {"zeros", 165, `000000`},
	})
	var t sst
	rows := append([]row{headerRow(1)}, leads(2, xf, false, num)...)
	for i := range rows {
		for j, c := range rows[i].cells {
			if c.t == "s" && j%2 == 1 {
				rows[i].cells[j].t = "inlineStr" // the SDK writes what the program asks: some inline, some shared
			}
		}
	}
	// A row, and its cells, written without references.
	rows[2].noRef = true
	rows[2].cells = []cell{{col: 1, t: "s", text: "Müller GmbH"}, {col: 2, t: "s", text: "Hans Müller"}, {col: 3, t: "s", noV: true},
		{col: 4, v: "50000.5", s: xf["thousands"]}, {col: 5, t: "s", noV: true}, {col: 6, t: "d", v: "2026-12-10T14:30:00"}}
	for j := range rows[2].cells {
		rows[2].cells[j].noRef = true
	}
	rows = append(rows, row{num: 12, cells: []cell{{col: 1, t: "inlineStr", text: "末行"}, {col: 3, t: "s", noV: true}}})
	d := dialect{p: p, decl: decl}
	ns := ` xmlns:x="` + nsMain + `"`
	sheet1 := decl + `<x:worksheet` + ns + `>` + sheetData(d, &t, rows) + `</x:worksheet>`
	workbook := decl + `<x:workbook xmlns:r="` + nsRel + `"` + ns + `><x:sheets><x:sheet name="Leads" sheetId="1" r:id="R5f0c8a3e2b1d4c67"/></x:sheets></x:workbook>`
	styles := styleSpec{p: p, decl: decl, font: `<x:sz val="11"/><x:name val="Calibri"/>`, numFmts: numFmts, xfs: xfs}.xml()
	data := zipParts([]part{
		{"xl/workbook.xml", workbook},
		{"[Content_Types].xml", contentTypes(decl, [][2]string{{"xml", "application/xml"}, {"rels", ctRels}},
			[][2]string{{"/xl/workbook.xml", ctMain}, {"/xl/worksheets/sheet1.xml", ctSheet}, {"/xl/sharedStrings.xml", ctSST}, {"/xl/styles.xml", ctStyle}})},
		{"_rels/.rels", rels(decl, rel{"R1b6f2d8e9a0c4e31", relDoc, "/xl/workbook.xml"})},
		{"xl/_rels/workbook.xml.rels", rels(decl, rel{"R5f0c8a3e2b1d4c67", relSheet, "/xl/worksheets/sheet1.xml"},
			rel{"Rc3a9e7d1f2b84a05", relSST, "/xl/sharedStrings.xml"}, rel{"R0d4e6f8a1b3c5e79", relStyle, "/xl/styles.xml"})},
		{"xl/worksheets/sheet1.xml", sheet1},
		{"xl/sharedStrings.xml", t.xml(d, false)},
		{"xl/styles.xml", styles},
	})
	return Workbook{Name: "openxml-sdk.xlsx", Producer: "OpenXML SDK", Sheet: "Leads", Data: data}
}

// windowsRezipped: an Excel workbook re-written by a report tool on
// Windows, with the quirks of two real files in calamine's tests
// (github.com/tafia/calamine, tests/issue_530.xlsx and issue_419.xlsx,
// MIT; read, not copied): zip names with backslashes (xl\workbook.xml)
// and no date, [Content_Types].xml and _rels\.rels zipped last,
// relationships and content types pretty-printed with a blank line after
// the declaration, and the string table zipped as SharedStrings.xml while
// the relationships name sharedStrings.xml.
func windowsRezipped() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 164, `"¥"#,##0.00`}, {"thousands", 3, ""}, {"percent", 9, ""}, {"percent1", 10, ""},
		{"date", 14, ""}, {"datetime", 22, ""}, {"cndate", 31, ""}, {"time", 20, ""},
		{"elapsed", 46, ""}, {"minsec", 165, `[mm]:ss`}, {"zeros", 166, `000000`},
	})
	var t sst
	rows := append([]row{headerRow(1)}, leads(2, xf, false, num)...)
	sheets := []sheet{{name: "出勤汇总", typ: relSheet, ct: ctSheet, body: excelWorksheet(&t, rows, nil, true)}}
	parts := officeBook{app: "Microsoft Excel", creator: "report", sheets: sheets,
		workbook: excelWorkbook(``, ``, sheets), styles: excelStyles(numFmts, xfs, excelFont),
		strings: t.xml(dialect{decl: declStd}, true)}.parts()
	const decl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n\n"
	pretty := strings.NewReplacer(declStd, decl, "<Relationship ", "\n  <Relationship ", "<Override ", "\n  <Override ",
		"<Default ", "\n  <Default ", "</Relationships>", "\n</Relationships>\n", "</Types>", "\n</Types>\n")
	var out, last []part
	for _, p := range parts {
		name := strings.ReplaceAll(p.name, "/", `\`)
		if p.name == "xl/sharedStrings.xml" {
			name = `xl\SharedStrings.xml`
		}
		body := p.body
		if strings.HasSuffix(p.name, ".rels") || p.name == "[Content_Types].xml" {
			body = pretty.Replace(body)
		}
		if p.name == "[Content_Types].xml" || p.name == "_rels/.rels" {
			last = append(last, part{name, body})
			continue
		}
		out = append(out, part{name, body})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range append(out, last...) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate}) // no date: 1980
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return Workbook{Name: "windows-rezipped.xlsx", Producer: "a report tool re-zipping Excel's output on Windows", Sheet: "出勤汇总", Data: buf.Bytes()}
}
