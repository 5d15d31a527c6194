package exchange

import "strings"

// Table is a file's rows as text, before mapping: the header row and the
// data rows, each with the row number a spreadsheet would show.
type Table struct {
	Header    []string
	HeaderRow int // 1-based row number of the header
	Rows      []Row
	// Skipped counts rows above the header (a title row, a blank line).
	Skipped int
}

// Row is one data row.
type Row struct {
	Num   int // 1-based, as a spreadsheet numbers it
	Cells []string
}

// headerScan is how many rows from the top may hold the header: exports
// from Chinese Excel often have a title row or two above it.
const headerScan = 10

// newTable picks the header among the first rows (the one with the most
// known column names, else the first non-blank one) and keeps the rows
// after it that are not entirely blank.
func newTable(rows [][]string) Table {
	hi, best := -1, 0
	for i := 0; i < len(rows) && i < headerScan; i++ {
		if n := KnownHeaders(rows[i]); n > best {
			hi, best = i, n
		}
	}
	if hi < 0 {
		for i, r := range rows {
			if !blank(r) {
				hi = i
				break
			}
		}
	}
	t := Table{}
	if hi < 0 {
		return t
	}
	t.Header, t.HeaderRow, t.Skipped = rows[hi], hi+1, 0
	for i := 0; i < hi; i++ {
		if !blank(rows[i]) {
			t.Skipped++
		}
	}
	for i := hi + 1; i < len(rows); i++ {
		if !blank(rows[i]) {
			t.Rows = append(t.Rows, Row{Num: i + 1, Cells: rows[i]})
		}
	}
	return t
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
