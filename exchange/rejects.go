package exchange

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
)

// Headers of the columns a rejects file adds; an import skips them, so a
// fixed rejects file imports cleanly.
const (
	rejectRowHeader     = "fieldcrm row"
	rejectProblemHeader = "fieldcrm problem"
)

// writeRejects writes the invalid rows as CSV (UTF-8 with BOM, so Excel
// opens it), with the original cells followed by the row number and the
// problems, so the user can fix them and import the rejects file.
func writeRejects(path string, header []string, rows []*rowData) error {
	var buf bytes.Buffer
	buf.Write(bomUTF8)
	w := csv.NewWriter(&buf)
	_ = w.Write(append(append([]string(nil), header...), rejectRowHeader, rejectProblemHeader))
	for _, r := range rows {
		cells := make([]string, max(len(header), len(r.Cells)))
		copy(cells, r.Cells)
		var ps []string
		for _, p := range r.problems {
			if p.Column != "" {
				ps = append(ps, p.Column+": "+p.Reason)
			} else {
				ps = append(ps, p.Reason)
			}
		}
		_ = w.Write(append(cells, fmt.Sprint(r.Num), strings.Join(ps, "; ")))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}
