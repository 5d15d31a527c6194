package exchange

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ReadXLSX reads one sheet of an Excel workbook (the first when sheet is
// empty) as displayed text: dates and numbers come formatted as Excel
// shows them.
func ReadXLSX(data []byte, sheet string) (Table, string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return Table{}, "", fmt.Errorf("not a readable Excel workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, "", fmt.Errorf("the workbook has no sheets")
	}
	if sheet == "" {
		sheet = sheets[0]
	} else if i, err := f.GetSheetIndex(sheet); err != nil || i < 0 {
		return Table{}, "", fmt.Errorf("the workbook has no sheet %q (it has: %s)", sheet, strings.Join(sheets, ", "))
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return Table{}, "", fmt.Errorf("sheet %q: %w", sheet, err)
	}
	return newTable(rows), sheet, nil
}
