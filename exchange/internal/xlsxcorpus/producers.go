package xlsxcorpus

import (
	"fmt"
	"strings"
)

// sheet is one sheet of a workbook: its name, the relationship type and
// folder of its kind, and its parts.
type sheet struct {
	name  string
	typ   string // relSheet, relChart or relDlg
	ct    string
	body  string
	rels  string // its own relationships part, "" for none
	extra []part // parts only it points to (a drawing, a chart)
}

func (s sheet) folder() string {
	switch s.typ {
	case relChart:
		return "chartsheets"
	case relDlg:
		return "dialogsheets"
	}
	return "worksheets"
}

// chartSheet is a chart on a sheet of its own, with its drawing and
// chart parts, as Excel and WPS write one.
func chartSheet(decl, name string, n int, dataSheet string) sheet {
	drawing := fmt.Sprintf("drawing%d.xml", n)
	chart := fmt.Sprintf("chart%d.xml", n)
	return sheet{
		name: name, typ: relChart, ct: ctChSh,
		body: decl + `<chartsheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheetPr/><sheetViews><sheetView zoomScale="118" workbookViewId="0" zoomToFit="1"/></sheetViews>` +
			`<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><drawing r:id="rId1"/></chartsheet>`,
		rels: rels(decl, rel{"rId1", relDraw, "../drawings/" + drawing}),
		extra: []part{
			{"xl/drawings/" + drawing, decl + `<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">` +
				`<xdr:absoluteAnchor><xdr:pos x="0" y="0"/><xdr:ext cx="8666018" cy="6293427"/><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="图表 1"/><xdr:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></xdr:cNvGraphicFramePr></xdr:nvGraphicFramePr>` +
				`<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="` + nsRel + `" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:absoluteAnchor></xdr:wsDr>`},
			{"xl/drawings/_rels/" + drawing + ".rels", rels(decl, rel{"rId1", relChPt, "../charts/" + chart})},
			{"xl/charts/" + chart, decl + `<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="` + nsRel + `"><c:lang val="zh-CN"/><c:chart><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>` +
				`<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/><c:ser><c:idx val="0"/><c:order val="0"/>` +
				`<c:cat><c:strRef><c:f>'` + dataSheet + `'!$A$3:$A$4</c:f><c:strCache><c:ptCount val="2"/><c:pt idx="0"><c:v>华北能源有限公司</c:v></c:pt><c:pt idx="1"><c:v>Müller GmbH</c:v></c:pt></c:strCache></c:strRef></c:cat>` +
				`<c:val><c:numRef><c:f>'` + dataSheet + `'!$D$3:$D$4</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="2"/><c:pt idx="0"><c:v>120000</c:v></c:pt><c:pt idx="1"><c:v>50000.5</c:v></c:pt></c:numCache></c:numRef></c:val></c:ser>` +
				`<c:axId val="100"/><c:axId val="200"/></c:barChart><c:catAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:crossAx val="200"/></c:catAx>` +
				`<c:valAx><c:axId val="200"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:crossAx val="100"/></c:valAx></c:plotArea><c:plotVisOnly val="1"/></c:chart></c:chartSpace>`},
		},
	}
}

// officeBook is the package layout of Excel (Windows and Mac) and of WPS,
// which copies it: [Content_Types].xml, _rels/.rels with the workbook as
// rId1, docProps, xl/workbook.xml whose relationships number the sheets
// first (rId1..n) and then the theme, styles and shared strings;
// worksheets under xl/worksheets, chart sheets under xl/chartsheets.
type officeBook struct {
	app      string // the application name in docProps/app.xml
	creator  string
	workbook string // workbook.xml
	sheets   []sheet
	styles   string
	strings  string
	custom   string // docProps/custom.xml, "" for none (WPS writes one)
}

func (o officeBook) zip() []byte { return zipParts(o.parts()) }

// parts are the package's parts in the order Excel zips them.
func (o officeBook) parts() []part {
	d := declStd
	var wbRels []rel
	overrides := [][2]string{{"/xl/workbook.xml", ctMain}}
	var sheetParts []part
	counts := map[string]int{}
	var extra []part
	var names []string
	for i, s := range o.sheets {
		counts[s.folder()]++
		file := fmt.Sprintf("sheet%d.xml", counts[s.folder()])
		wbRels = append(wbRels, rel{fmt.Sprintf("rId%d", i+1), s.typ, s.folder() + "/" + file})
		overrides = append(overrides, [2]string{"/xl/" + s.folder() + "/" + file, s.ct})
		sheetParts = append(sheetParts, part{"xl/" + s.folder() + "/" + file, s.body})
		if s.rels != "" {
			sheetParts = append(sheetParts, part{"xl/" + s.folder() + "/_rels/" + file + ".rels", s.rels})
		}
		for _, e := range s.extra {
			extra = append(extra, e)
			switch {
			case strings.HasPrefix(e.name, "xl/drawings/d"):
				overrides = append(overrides, [2]string{"/" + e.name, ctDraw})
			case strings.HasPrefix(e.name, "xl/charts/"):
				overrides = append(overrides, [2]string{"/" + e.name, ctChart})
			}
		}
		names = append(names, s.name)
	}
	n := len(o.sheets)
	wbRels = append(wbRels, rel{fmt.Sprintf("rId%d", n+1), relTheme, "theme/theme1.xml"},
		rel{fmt.Sprintf("rId%d", n+2), relStyle, "styles.xml"},
		rel{fmt.Sprintf("rId%d", n+3), relSST, "sharedStrings.xml"})
	overrides = append(overrides, [2]string{"/xl/theme/theme1.xml", ctTheme}, [2]string{"/xl/styles.xml", ctStyle},
		[2]string{"/xl/sharedStrings.xml", ctSST}, [2]string{"/docProps/core.xml", ctCore}, [2]string{"/docProps/app.xml", ctApp})
	rootRels := []rel{{"rId3", relApp, "docProps/app.xml"}, {"rId2", relCore, "docProps/core.xml"}, {"rId1", relDoc, "xl/workbook.xml"}}
	if o.custom != "" {
		overrides = append(overrides, [2]string{"/docProps/custom.xml", ctCust})
		rootRels = append(rootRels, rel{"rId4", relCust, "docProps/custom.xml"})
	}
	parts := []part{
		{"[Content_Types].xml", contentTypes(d, [][2]string{{"rels", ctRels}, {"xml", "application/xml"}}, overrides)},
		{"_rels/.rels", rels(d, rootRels...)},
		{"xl/workbook.xml", o.workbook},
		{"xl/_rels/workbook.xml.rels", rels(d, wbRels...)},
	}
	parts = append(parts, sheetParts...)
	parts = append(parts, extra...)
	parts = append(parts, part{"xl/theme/theme1.xml", theme(d, "Office 主题​​")}, part{"xl/styles.xml", o.styles},
		part{"xl/sharedStrings.xml", o.strings}, part{"docProps/core.xml", coreProps(d, o.creator)}, part{"docProps/app.xml", appProps(d, o.app, names...)})
	if o.custom != "" {
		parts = append(parts, part{"docProps/custom.xml", o.custom})
	}
	return parts
}

// sheetsXML is the <sheets> element of a workbook.
func sheetsXML(p string, sheets []sheet, id func(i int) string) string {
	var b strings.Builder
	b.WriteString(`<` + p + `sheets>`)
	for i, s := range sheets {
		fmt.Fprintf(&b, `<%ssheet name="%s" sheetId="%d" r:id="%s"/>`, p, esc(s.name), i+1, id(i))
	}
	b.WriteString(`</` + p + `sheets>`)
	return b.String()
}

func rIDs(i int) string { return fmt.Sprintf("rId%d", i+1) }

// excelWorksheet is a worksheet as Excel 2016 and later write it.
func excelWorksheet(t *sst, rows []row, merges []string, tabSelected bool) string {
	sel := ""
	if tabSelected {
		sel = ` tabSelected="1"`
	}
	for i := range rows {
		rows[i].attrs += ` x14ac:dyDescent="0.2"`
	}
	tail := ""
	if len(merges) > 0 {
		tail = mergeCells("", merges...)
	}
	return declStd + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `" xmlns:mc="` + nsMC + `" mc:Ignorable="x14ac xr xr2 xr3" xmlns:x14ac="` + nsX14ac + `"` +
		` xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" xr:uid="{6F1C3A52-2B0E-4D39-9C3E-0B2F4D9E7A11}">` +
		`<dimension ref="A1:` + lastRef(rows) + `"/><sheetViews><sheetView` + sel + ` workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>` +
		`<sheetFormatPr defaultRowHeight="14.25" x14ac:dyDescent="0.2"/><cols><col min="1" max="1" width="20.625" customWidth="1"/></cols>` +
		sheetData(dialect{rowSpans: true}, t, rows) + tail +
		`<phoneticPr fontId="1" type="noConversion"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`
}

func excelStyles(numFmts [][2]string, xfs []int, font string) string {
	return styleSpec{decl: declStd, font: font, numFmts: numFmts, xfs: xfs,
		rootNS: ` xmlns:mc="` + nsMC + `" mc:Ignorable="x14ac x16r2 xr" xmlns:x14ac="` + nsX14ac + `"`,
		tail:   `<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/>`,
	}.xml()
}

const excelFont = `<sz val="11"/><color theme="1"/><name val="等线"/><family val="2"/><charset val="134"/><scheme val="minor"/>`

func excelWorkbook(extraPr, mid string, sheets []sheet) string {
	return declStd + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `" xmlns:mc="` + nsMC + `" mc:Ignorable="x15 xr xr6 xr10 xr2" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">` +
		`<fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/><workbookPr` + extraPr + ` defaultThemeVersion="166925"/>` + mid +
		`<bookViews><workbookView xWindow="-110" yWindow="-110" windowWidth="25820" windowHeight="15500" activeTab="1"/></bookViews>` +
		sheetsXML("", sheets, rIDs) + `<calcPr calcId="191029"/></workbook>`
}

// excelWindows: Excel 365 for Windows (Chinese locale), a chart sheet
// as the first tab, the lead list second, a short second list third.
func excelWindows() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 164, `"¥"#,##0.00;[Red]"¥"\-#,##0.00`}, {"thousands", 3, ""}, {"percent", 9, ""}, {"percent1", 165, `0.0%`},
		{"date", 14, ""}, {"datetime", 166, `yyyy/m/d\ h:mm;@`}, {"cndate", 167, `yyyy"年"m"月"d"日";@`}, {"time", 20, ""},
		{"elapsed", 168, `[h]:mm`}, {"minsec", 169, `[mm]:ss`}, {"zeros", 170, `000000`},
	})
	var t sst
	rows := append([]row{title(1, 0), headerRow(2)}, withRich(leads(3, xf, false, num), "")...)
	list := excelWorksheet(&t, rows, []string{"A1:I1", "B5:C5"}, true)
	other := excelWorksheet(&t, []row{{num: 1, cells: []cell{str(1, "区域"), str(2, "负责人")}}, {num: 2, cells: []cell{str(1, "华北"), str(2, "王伟")}}}, nil, false)
	sheets := []sheet{
		chartSheet(declStd, "金额图表", 1, "客户名单"),
		{name: "客户名单", typ: relSheet, ct: ctSheet, body: list},
		{name: "区域", typ: relSheet, ct: ctSheet, body: other},
	}
	data := officeBook{app: "Microsoft Excel", creator: "王伟", sheets: sheets,
		workbook: excelWorkbook(` filterPrivacy="1"`, ``, sheets),
		styles:   excelStyles(numFmts, xfs, excelFont),
		strings:  t.xml(dialect{decl: declStd}, true),
	}.zip()
	return Workbook{Name: "excel-windows.xlsx", Producer: "Excel for Windows", Sheet: "客户名单", Data: data}
}

// excelMac: Excel for Mac with the 1904 date system, the built-in
// elapsed format 46 and a legacy dialog sheet as the first tab.
func excelMac() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 164, `[$$-409]#,##0.00`}, {"thousands", 4, ""}, {"percent", 10, ""}, {"percent1", 9, ""},
		{"date", 14, ""}, {"datetime", 22, ""}, {"cndate", 165, `[$-F800]dddd\,\ mmmm\ dd\,\ yyyy`}, {"time", 21, ""},
		{"elapsed", 46, ""}, {"minsec", 45, ""}, {"zeros", 166, `00000`},
	})
	var t sst
	rows := append([]row{title(1, 0), headerRow(2)}, withRich(leads(3, xf, true, num), "")...)
	list := excelWorksheet(&t, rows, []string{"A1:I1"}, true)
	dialog := declStd + `<dialogsheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheetPr/><sheetViews><sheetView showGridLines="0" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="12.75"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></dialogsheet>`
	sheets := []sheet{
		{name: "Dialog1", typ: relDlg, ct: ctDlg, body: dialog},
		{name: "Leads", typ: relSheet, ct: ctSheet, body: list},
	}
	abs := `<mc:AlternateContent xmlns:mc="` + nsMC + `"><mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" url="/Users/wang/Documents/"/></mc:Choice></mc:AlternateContent>`
	data := officeBook{app: "Microsoft Macintosh Excel", creator: "Wang Wei", sheets: sheets,
		workbook: excelWorkbook(` date1904="1"`, abs, sheets),
		styles:   excelStyles(numFmts, xfs, `<sz val="12"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>`),
		strings:  t.xml(dialect{decl: declStd}, true),
	}.zip()
	return Workbook{Name: "excel-mac-1904.xlsx", Producer: "Excel for Mac", Sheet: "Leads", Data: data}
}

// wpsOffice: WPS Office (Chinese), Excel's layout with WPS's own marks:
// docProps/custom.xml naming the build, the accounting format Chinese
// Excel numbers 176, a chart sheet as the last tab.
func wpsOffice() Workbook {
	numFmts, xfs, xf := formats([]fmtDef{
		{"money", 176, `_ "￥"* #,##0.00_ ;_ "￥"* \-#,##0.00_ ;_ "￥"* "-"??_ ;_ @_ `}, {"thousands", 3, ""}, {"percent", 9, ""}, {"percent1", 177, `0.0%`},
		{"date", 178, `yyyy/m/d`}, {"datetime", 179, `yyyy/m/d\ h:mm`}, {"cndate", 180, `yyyy"年"m"月"d"日"`}, {"time", 181, `h:mm`},
		{"elapsed", 182, `[h]:mm`}, {"minsec", 183, `[mm]:ss`}, {"zeros", 184, `000000`},
	})
	var t sst
	rows := append([]row{title(1, 0), headerRow(2)}, leads(3, xf, false, num)...)
	for i := range rows {
		rows[i].attrs = ` ht="14.25"` // WPS writes a height on every row
	}
	list := declStd + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:mc="` + nsMC + `" xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData">` +
		`<sheetPr/><dimension ref="A1:` + lastRef(rows) + `"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>` +
		`<sheetFormatPr defaultColWidth="9" defaultRowHeight="14.25"/>` + sheetData(dialect{rowSpans: true}, &t, rows) + mergeCells("", "A1:I1") +
		`<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/><headerFooter/></worksheet>`
	sheets := []sheet{
		{name: "客户名单", typ: relSheet, ct: ctSheet, body: list},
		chartSheet(declStd, "Chart1", 1, "客户名单"),
	}
	workbook := declStd + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><workbookPr/><bookViews><workbookView windowWidth="28125" windowHeight="12540"/></bookViews>` +
		sheetsXML("", sheets, rIDs) + `<calcPr calcId="144525"/></workbook>`
	custom := declStd + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">` +
		`<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer"><vt:lpwstr>2052-11.1.0.12345</vt:lpwstr></property></Properties>`
	data := officeBook{app: "WPS 表格", creator: "王伟", sheets: sheets, workbook: workbook,
		styles:  excelStyles(numFmts, xfs, `<sz val="11"/><color theme="1"/><name val="宋体"/><charset val="134"/><scheme val="minor"/>`),
		strings: t.xml(dialect{decl: declStd}, true), custom: custom,
	}.zip()
	return Workbook{Name: "wps.xlsx", Producer: "WPS Office", Sheet: "客户名单", Data: data}
}

// excelLarge is Excel for Windows' layout with n rows of leads.
func excelLarge(n int) Workbook {
	numFmts, xfs, xf := formats([]fmtDef{{"money", 164, `"¥"#,##0.00`}, {"date", 14, ""}, {"percent", 9, ""}})
	var t sst
	rows := []row{headerRow(1)}
	cities := []string{"北京", "上海", "广州", "Köln", "東京", "São Paulo"}
	for i := range n {
		r := i + 2
		rows = append(rows, row{num: r, cells: []cell{
			str(1, fmt.Sprintf("客户 %04d 有限公司", i)), str(2, cities[i%len(cities)]), number(3, fmt.Sprint(13800000000+i), 0),
			number(4, num(float64(i)*1000.25), xf["money"]), number(5, num(float64(i%100)/100), xf["percent"]),
			number(6, num(float64(46000+i%400)), xf["date"]),
		}})
		if i%7 == 0 {
			rows[len(rows)-1].cells = append(rows[len(rows)-1].cells, boolean(8, i%2 == 0))
		}
	}
	sheets := []sheet{{name: "Sheet1", typ: relSheet, ct: ctSheet, body: excelWorksheet(&t, rows, nil, true)}}
	data := officeBook{app: "Microsoft Excel", creator: "王伟", sheets: sheets,
		workbook: excelWorkbook(``, ``, sheets), styles: excelStyles(numFmts, xfs, excelFont),
		strings: t.xml(dialect{decl: declStd}, true)}.zip()
	return Workbook{Name: fmt.Sprintf("excel-windows-%d-rows.xlsx", n), Producer: "Excel for Windows", Sheet: "Sheet1", Data: data}
}
