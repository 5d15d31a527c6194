package common

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
)

// Fit cuts s to at most w cells (ending in "…" when cut) and pads it with
// spaces to exactly w cells. Width is display width: a CJK character
// takes two cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = ansi.Truncate(s, w, "…")
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// Cut cuts s to at most w cells, ending in "…" when cut, without padding.
func Cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// CutLeft keeps the last w cells of s, starting with "…" when cut (for
// paths, whose end says most).
func CutLeft(s string, w int) string {
	n := ansi.StringWidth(s)
	if n <= w {
		return s
	}
	if w <= 1 {
		return Cut(s, w)
	}
	return ansi.TruncateLeft(s, n-w+1, "…")
}

// OneLine is stored text as a screen may show it on one line: newlines
// and tabs fold into spaces, and every other control or direction-override
// character is shown escaped (\x1b, \u202e) by model.PrintableFlat, so a
// company or note from another laptop cannot act on the terminal. Every
// view passes stored text through it (notes go through markdown.Render,
// which escapes them itself); width is then measured on what is drawn, an
// escape being four cells or six.
func OneLine(s string) string { return model.PrintableFlat(s) }

// Sentence turns an error into one sentence for the status line: the
// field errors joined, the first letter capitalised, a full stop at the end.
// An error may carry the server's words, so control characters are shown
// escaped (\x1b), never acted on by the terminal.
func Sentence(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if fes := model.FieldErrors(err); len(fes) > 0 {
		parts := make([]string, len(fes))
		for i, fe := range fes {
			parts[i] = fe.Field + " " + fe.Problem
		}
		msg = strings.Join(parts, "; ")
	}
	msg = OneLine(strings.TrimSpace(msg))
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "。") {
		msg += "."
	}
	return msg
}

// Width is the display width of s in cells (ANSI-aware, CJK = 2).
func Width(s string) int { return ansi.StringWidth(s) }
