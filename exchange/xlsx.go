package exchange

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// ReadXLSX reads one sheet of an Excel workbook as text, the way an
// import wants it. Without a sheet name it reads the first worksheet
// whose header names a field an import knows, else the first worksheet
// (see firstTable). It gives:
//
//   - text as typed (shared, inline and rich text, without phonetic
//     guides);
//   - dates and times, by their cell's format, as 2026-12-03,
//     2026-12-03 15:04 or 15:04 (Chinese Excel's 2026年12月3日 included),
//     in either date system; elapsed times as Excel shows them (36:30
//     under [h]:mm, 90:00 under [mm]:ss);
//   - percentages as 25% or 12.50%, with the format's decimals;
//   - numbers as their value, to the 15 digits Excel keeps (13800138000,
//     50000.5), without the thousands separators, currency signs or
//     rounding that other formats only show; a format of zeros such as
//     000000 keeps its leading zeros;
//   - TRUE and FALSE; a formula's last computed value.
//
// It reads the package with the standard library alone: a spreadsheet
// library would cost every command its start-up time.
func ReadXLSX(data []byte, sheet string) (Table, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Table{}, "", fmt.Errorf("not a readable Excel workbook: %w", err)
	}
	wb, err := openXLSX(zr)
	if err != nil {
		return Table{}, "", fmt.Errorf("not a readable Excel workbook: %w", err)
	}
	if len(wb.sheets) == 0 {
		return Table{}, "", fmt.Errorf("the workbook has no sheets")
	}
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = s.name
	}
	if sheet == "" {
		return wb.firstTable(names)
	}
	var found *xlsxSheet
	for i, s := range wb.sheets {
		if s.name == sheet {
			found = &wb.sheets[i]
			break
		}
	}
	switch {
	case found == nil:
		return Table{}, "", fmt.Errorf("the workbook has no sheet %q (it has: %s)", sheet, strings.Join(names, ", "))
	case !found.table:
		return Table{}, "", fmt.Errorf("sheet %q is a chart or dialog sheet, which holds no cells", sheet)
	}
	rows, err := wb.rows(found.part)
	if err != nil {
		return Table{}, "", fmt.Errorf("sheet %q: %w", sheet, err)
	}
	return newTable(rows), sheet, nil
}

// firstTable reads the sheet an import without --sheet wants: the first
// worksheet whose header names a field we know, else the first worksheet.
// A workbook may open on a sheet that is no list: a chart or dialog sheet,
// which holds no cells, or a cover page such as the Export Summary Apple
// Numbers puts first or a page of instructions.
func (wb *xlsxBook) firstTable(names []string) (Table, string, error) {
	var first Table
	firstName := ""
	read := map[string]bool{} // sheets that share a part are read once
	for _, s := range wb.sheets {
		if !s.table || read[s.part] {
			continue
		}
		read[s.part] = true
		rows, err := wb.rows(s.part)
		switch {
		case err != nil && firstName == "":
			return Table{}, "", fmt.Errorf("sheet %q: %w", s.name, err)
		case err != nil:
			return first, firstName, nil // a damaged later sheet cannot be the list
		}
		t := newTable(rows)
		if KnownHeaders(t.Header) > 0 {
			return t, s.name, nil
		}
		if firstName == "" {
			first, firstName = t, s.name
		}
	}
	if firstName == "" {
		return Table{}, "", fmt.Errorf("the workbook has no sheet of cells, only charts or dialogs (%s)", strings.Join(names, ", "))
	}
	return first, firstName, nil
}

// Excel's limits, which also bound what a damaged or hostile file can
// make us allocate.
const (
	xlsxMaxRows = 1 << 20
	xlsxMaxCols = 1 << 14
	// xlsxMaxPart caps one part of the package once unzipped.
	xlsxMaxPart = 1 << 30
	// xlsxMaxCells caps the cells of a sheet, the empty ones before a
	// cell in its row included, and the strings of a workbook: a few
	// kilobytes of zipped XML can place a cell at XFD in a million rows,
	// which would take hundreds of gigabytes to hold as rows. 8 million
	// is 40 columns of 200,000 leads.
	xlsxMaxCells = 1 << 23
	// xlsxMaxItems caps the sheets, relationships, number formats and
	// cell formats of a workbook: Excel's own limit on cell formats is
	// 64,000, and a zipped bomb of <xf/> would otherwise take gigabytes.
	xlsxMaxItems = 1 << 16
)

// errTooMany says that a part lists more items than a workbook can have.
func errTooMany(what string) error {
	return fmt.Errorf("it has more than %d %s, more than Excel allows", xlsxMaxItems, what)
}

type xlsxBook struct {
	files    map[string]*zip.File // by partKey
	sheets   []xlsxSheet
	strings  []string
	formats  []numFormat // by cell style (the s attribute)
	date1904 bool
}

type xlsxSheet struct {
	name, part string
	table      bool // a worksheet, not a chart, dialog or macro sheet
}

func openXLSX(zr *zip.Reader) (*xlsxBook, error) {
	wb := &xlsxBook{files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		wb.files[partKey(f.Name)] = f
	}
	workbook := "xl/workbook.xml"
	if rels, err := wb.rels("_rels/.rels"); err != nil {
		return nil, err
	} else if t := rels.byType("/officeDocument"); t != "" {
		workbook = t
	}
	if wb.file(workbook) == nil {
		return nil, fmt.Errorf("it has no workbook part")
	}
	rels, err := wb.rels(path.Join(path.Dir(workbook), "_rels", path.Base(workbook)+".rels"))
	if err != nil {
		return nil, err
	}
	err = wb.each(workbook, func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			r, ok := rels.byID[attr(se, "id")]
			if !ok {
				r = xlsxRel{target: path.Join(path.Dir(workbook), "worksheets", fmt.Sprintf("sheet%s.xml", attr(se, "sheetId"))), kind: "/worksheet"}
			}
			if len(wb.sheets) >= xlsxMaxItems {
				return errTooMany("sheets")
			}
			wb.sheets = append(wb.sheets, xlsxSheet{name: attr(se, "name"), part: r.target, table: r.kind == "/worksheet"})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p := rels.byType("/sharedStrings"); p != "" {
		if err := wb.readStrings(p); err != nil {
			return nil, err
		}
	}
	if p := rels.byType("/styles"); p != "" {
		if err := wb.readStyles(p); err != nil {
			return nil, err
		}
	}
	return wb, nil
}

// partKey is the name a part is found by. Part names are
// case-insensitive (ECMA-376 part 2, 9.1.1.1): a workbook may name
// sharedStrings.xml while its zip holds SharedStrings.xml. Some Windows
// tools write zip names with backslashes (xl\workbook.xml).
func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "/"))
}

// file returns a part of the package, or nil when it lacks it.
func (wb *xlsxBook) file(name string) *zip.File { return wb.files[partKey(name)] }

// open returns a decoder on a part of the package, or nil when the
// package lacks it.
func (wb *xlsxBook) open(name string) (*xml.Decoder, io.Closer, error) {
	f := wb.file(name)
	if f == nil {
		return nil, nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return xml.NewDecoder(io.LimitReader(rc, xlsxMaxPart)), rc, nil
}

// each calls fn for every element of a part, in document order; fn may
// read the element's content from d.
func (wb *xlsxBook) each(name string, fn func(d *xml.Decoder, se xml.StartElement) error) error {
	d, c, err := wb.open(name)
	if d == nil {
		return err
	}
	defer c.Close()
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(d, se); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
}

type xlsxRels struct {
	byID   map[string]xlsxRel
	byKind map[string]string // target by kind
}

type xlsxRel struct {
	target string
	kind   string // the last path segment of the type, with its slash
}

func (r xlsxRels) byType(kind string) string { return r.byKind[kind] }

// rels reads a relationships part; targets come back as package paths.
func (wb *xlsxBook) rels(name string) (xlsxRels, error) {
	r := xlsxRels{byID: map[string]xlsxRel{}, byKind: map[string]string{}}
	base := path.Dir(path.Dir(name)) // the folder of the part these relate
	err := wb.each(name, func(_ *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "Relationship" || attr(se, "TargetMode") == "External" {
			return nil
		}
		target := attr(se, "Target")
		if strings.HasPrefix(target, "/") {
			target = target[1:]
		} else {
			target = path.Join(base, target)
		}
		typ := attr(se, "Type")
		kind := typ[max(strings.LastIndex(typ, "/"), 0):]
		if len(r.byID) >= xlsxMaxItems {
			return errTooMany("relationships")
		}
		r.byID[attr(se, "Id")] = xlsxRel{target: target, kind: kind}
		r.byKind[kind] = target
		return nil
	})
	return r, err
}

func (wb *xlsxBook) readStrings(name string) error {
	return wb.each(name, func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "si" {
			return nil
		}
		if len(wb.strings) >= xlsxMaxCells {
			return fmt.Errorf("it has more than %d strings, more than an import can take", xlsxMaxCells)
		}
		s, err := richText(d)
		wb.strings = append(wb.strings, s)
		return err
	})
}

func (wb *xlsxBook) readStyles(name string) error {
	custom := map[int]string{}
	inCellXfs := false
	var ids []int
	err := wb.each(name, func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "numFmt":
			if id, err := strconv.Atoi(attr(se, "numFmtId")); err == nil {
				if len(custom) >= xlsxMaxItems {
					return errTooMany("number formats")
				}
				custom[id] = attr(se, "formatCode")
			}
		case "cellXfs":
			inCellXfs = true
		case "cellStyles", "dxfs":
			inCellXfs = false
		case "xf":
			if inCellXfs {
				id, _ := strconv.Atoi(attr(se, "numFmtId"))
				if len(ids) >= xlsxMaxItems {
					return errTooMany("cell formats")
				}
				ids = append(ids, id)
			}
		}
		return nil
	})
	// Each format once: many cell formats share one, and its code may be
	// long.
	parsed := make(map[int]numFormat, len(custom))
	wb.formats = make([]numFormat, len(ids))
	for i, id := range ids {
		nf, ok := parsed[id]
		if !ok {
			if code, isCustom := custom[id]; isCustom {
				nf = parseNumFormat(code)
			} else {
				nf = builtinNumFormat(id)
			}
			parsed[id] = nf
		}
		wb.formats[i] = nf
	}
	return err
}

// rows reads a sheet as rows of cell texts, row i of the sheet at index
// i-1; cells with nothing in them are "" and a row ends at its last value.
func (wb *xlsxBook) rows(part string) ([][]string, error) {
	if wb.file(part) == nil {
		return nil, fmt.Errorf("the workbook lacks its part %s", part)
	}
	var rows [][]string
	row, col, cells := -1, -1, 0
	err := wb.each(part, func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "row":
			row, col = row+1, -1
			if r := attr(se, "r"); r != "" {
				n, err := strconv.Atoi(r)
				if err != nil || n < 1 || n > xlsxMaxRows {
					return fmt.Errorf("row number %q is not one Excel allows", r)
				}
				row = n - 1
			}
		case "c":
			col++
			if r := attr(se, "r"); r != "" {
				c, ok := xlsxColumn(r)
				if !ok {
					return fmt.Errorf("cell reference %q is not one Excel allows", r)
				}
				col = c
			}
			if row < 0 || row >= xlsxMaxRows || col >= xlsxMaxCols {
				return fmt.Errorf("a cell lies outside the sheet Excel allows")
			}
			v, err := wb.cell(d, attr(se, "t"), attr(se, "s"))
			if err != nil || v == "" {
				return err
			}
			for len(rows) <= row {
				rows = append(rows, nil)
			}
			if n := len(rows[row]); n <= col {
				if cells += col + 1 - n; cells > xlsxMaxCells {
					return fmt.Errorf("the sheet has more than %d cells, counting the empty ones before each; split it to import it", xlsxMaxCells)
				}
				rows[row] = append(rows[row], make([]string, col+1-n)...)
			}
			rows[row][col] = v
		}
		return nil
	})
	return rows, err
}

// cell reads a cell's content and returns its text.
func (wb *xlsxBook) cell(d *xml.Decoder, typ, style string) (string, error) {
	var v, inline string
	for depth := 1; depth > 0; {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				if v, err = charData(d); err != nil {
					return "", err
				}
			case "is":
				if inline, err = richText(d); err != nil {
					return "", err
				}
			default:
				depth++
			}
		case xml.EndElement:
			depth--
		}
	}
	switch typ {
	case "inlineStr":
		return inline, nil
	case "s":
		// A shared-string cell with no value is an empty cell: the OpenXML
		// SDK writes <c r="C2" t="s"/>, and Excel and excelize read it so.
		if strings.TrimSpace(v) == "" {
			return "", nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(wb.strings) {
			return "", fmt.Errorf("cell refers to shared string %q, which the workbook lacks", v)
		}
		return wb.strings[i], nil
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE", nil
		}
		return "FALSE", nil
	case "str":
		return unescapeX(v), nil
	case "n", "":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return v, nil
		}
		nf := numFormat{}
		if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(wb.formats) {
			nf = wb.formats[i]
		}
		return nf.format(f, wb.date1904), nil
	case "d":
		return isoCell(v), nil
	}
	return v, nil // "e": an error such as #N/A
}

// richText reads a string item (<si>, <is>): its text and the text of its
// runs, without phonetic guides (<rPh>), up to the element's end.
func richText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	inT, skipTo := false, 0
	for depth := 1; depth > 0; {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if skipTo == 0 && t.Name.Local == "rPh" {
				skipTo = depth
			}
			inT = skipTo == 0 && t.Name.Local == "t"
		case xml.EndElement:
			if depth == skipTo {
				skipTo = 0
			}
			depth--
			inT = false
		case xml.CharData:
			if inT {
				b.Write(t)
			}
		}
	}
	return unescapeX(b.String()), nil
}

// charData reads the text of an element up to its end.
func charData(d *xml.Decoder) (string, error) {
	var b strings.Builder
	for depth := 1; depth > 0; {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			b.Write(t)
		}
	}
	return b.String(), nil
}

// unescapeX turns the _xHHHH_ escapes SpreadsheetML writes for characters
// XML cannot hold (such as _x000D_ for a carriage return) back into them.
func unescapeX(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		if isXEscape(s[i:]) {
			n, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
			b.WriteRune(rune(n))
			s = s[i+7:]
		} else {
			b.WriteString("_")
			s = s[i+1:]
		}
	}
	b.WriteString(s)
	return b.String()
}

// isXEscape reports whether s starts with an escape _xHHHH_.
func isXEscape(s string) bool {
	if len(s) < 7 || s[:2] != "_x" || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// xlsxColumn returns the column (0-based) of a cell reference such as B7.
func xlsxColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && i < 3; i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 || i < len(ref) && !('0' <= ref[i] && ref[i] <= '9') {
		return 0, false
	}
	return col - 1, true
}

// attr returns the value of the attribute called local, whatever its
// namespace prefix.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
