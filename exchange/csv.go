package exchange

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadCSV parses CSV-like text with delimiter d (0: detect). Quoted fields
// may hold delimiters, quotes and newlines; stray quotes are taken as
// text. Rows may be ragged: the caller checks widths against the header.
func ReadCSV(text string, d rune) (Table, rune, error) {
	if d == 0 {
		d = DetectDelimiter(text)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = d
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Table{}, d, fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return Table{}, d, err
		}
		rows = append(rows, rec)
	}
	return newTable(rows), d, nil
}
