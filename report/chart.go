package report

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// eighths are the partial blocks of a horizontal bar, from one eighth of
// a cell to seven.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// sparks are the levels of a sparkline, lowest first.
var sparks = []rune("▁▂▃▄▅▆▇█")

// Bar draws value against max as a horizontal bar exactly width cells
// wide (padded with spaces), in eighths of a cell. Negative values and a
// non-positive max draw an empty bar.
func Bar(value, max int64, width int) string {
	if width <= 0 {
		return ""
	}
	n := 0
	if value > 0 && max > 0 {
		if value > max {
			value = max
		}
		n = int((value*int64(width)*8 + max/2) / max)
		if n == 0 {
			n = 1 // something is not nothing
		}
	}
	var b strings.Builder
	b.WriteString(strings.Repeat("█", n/8))
	b.WriteString(eighths[n%8])
	cells := n / 8
	if n%8 != 0 {
		cells++
	}
	b.WriteString(strings.Repeat(" ", width-cells))
	return b.String()
}

// Sparkline draws values as one cell each, scaled to the largest. When
// there are more values than width, the last width values are drawn; the
// result is padded to width cells. Zero draws a space, so a week without
// a touch shows as a gap.
func Sparkline(values []int64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	var max int64
	for _, v := range values {
		max = maxInt(max, v)
	}
	var b strings.Builder
	for _, v := range values {
		switch {
		case v <= 0 || max == 0:
			b.WriteByte(' ')
		default:
			i := int((v*int64(len(sparks)) - 1) / max)
			b.WriteRune(sparks[min(i, len(sparks)-1)])
		}
	}
	b.WriteString(strings.Repeat(" ", width-len(values)))
	return b.String()
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// Fit cuts s to at most width display cells (ending in "…" when cut) and
// pads it with spaces to exactly width. CJK characters count two cells.
func Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", width-ansi.StringWidth(s))
}

// FitRight is Fit aligned to the right, for numbers.
func FitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	return strings.Repeat(" ", width-ansi.StringWidth(s)) + s
}

// Width is the display width of s in terminal cells.
func Width(s string) int { return ansi.StringWidth(s) }
