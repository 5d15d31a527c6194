package exchange

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// How ReadXLSX turns a number cell into text by its number format.

// numFormat is what of a cell's number format the text of its value
// depends on.
type numFormat struct {
	kind     numKind
	digits   int    // decimals of a percentage; width of a zeros format
	seconds  bool   // a time shows seconds
	dateOnly bool   // of kinds with a date: no time of day
	elapsed  string // of numElapsed: the format, such as [h]:mm or [mm]:ss
}

type numKind uint8

const (
	numGeneral numKind = iota
	numPercent
	numZeros
	numDate    // a day, a time of day or both
	numTime    // a time of day alone
	numElapsed // a length of time: [h]:mm counts hours past 24
)

// builtinNumFormat describes the formats Excel numbers without writing
// their code, including the Chinese, Japanese and Korean date and time
// formats (27-36, 50-58).
func builtinNumFormat(id int) numFormat {
	switch {
	case id == 9:
		return numFormat{kind: numPercent}
	case id == 10:
		return numFormat{kind: numPercent, digits: 2}
	case 14 <= id && id <= 17, 27 <= id && id <= 31, id == 36, 50 <= id && id <= 54, id == 57, id == 58:
		return numFormat{kind: numDate, dateOnly: true}
	case id == 22:
		return numFormat{kind: numDate}
	case id == 18, id == 20, id == 32, id == 34, id == 55:
		return numFormat{kind: numTime}
	case id == 46:
		return numFormat{kind: numElapsed, elapsed: "[h]:mm:ss"}
	case id == 19, id == 21, id == 33, id == 35, id == 45, id == 47, id == 56:
		return numFormat{kind: numTime, seconds: true}
	}
	return numFormat{}
}

// parseNumFormat describes a format code such as yyyy"年"m"月"d"日",
// 0.00% or 000000 by its first section.
func parseNumFormat(code string) numFormat {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			i = len(code)
		case '"': // literal text
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '[': // a colour, a locale, a condition, or elapsed [h] [m] [s]
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				break
			}
			if in := strings.ToLower(code[i+1 : i+j]); in != "" && strings.Trim(in, in[:1]) == "" && strings.Contains("hms", in[:1]) {
				b.WriteString("[" + in + "]")
			}
			i += j
		case '\\', '_', '*': // an escaped character, a space as wide as one, a fill
			i++
		default:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	f := b.String()
	if f == "general" {
		return numFormat{}
	}
	if strings.Contains(f, "[") {
		return numFormat{kind: numElapsed, elapsed: f}
	}
	// m is a month, or minutes next to hours or seconds.
	hasTime := strings.ContainsAny(f, "hs")
	hasDate := strings.ContainsAny(f, "yd") || strings.Contains(f, "m") && !hasTime
	switch {
	case hasDate:
		return numFormat{kind: numDate, dateOnly: !hasTime, seconds: strings.Contains(f, "s")}
	case hasTime:
		return numFormat{kind: numTime, seconds: strings.Contains(f, "s")}
	case strings.Contains(f, "%"):
		d := 0
		if i := strings.IndexByte(f, '.'); i >= 0 {
			for _, c := range f[i+1:] {
				if c != '0' && c != '#' && c != '?' {
					break
				}
				d++
			}
		}
		return numFormat{kind: numPercent, digits: min(d, 30)} // Excel shows at most 30 decimals
	case len(f) > 1 && strings.Trim(f, "0") == "":
		return numFormat{kind: numZeros, digits: min(len(f), 255)} // a format code has at most 255 characters
	}
	return numFormat{}
}

// format writes a number as its cell shows it, by the rules ReadXLSX
// gives.
func (nf numFormat) format(f float64, date1904 bool) string {
	switch nf.kind {
	case numPercent:
		// Half away from zero, as Excel shows 0.125 under 0% as 13%.
		v, scale := round15(round15(f)*100), math.Pow(10, float64(nf.digits))
		if r := math.Round(v*scale) / scale; !math.IsInf(r, 0) && !math.IsNaN(r) {
			v = r // a number too big to scale has no decimals to round
		}
		return strconv.FormatFloat(v, 'f', nf.digits, 64) + "%"
	case numElapsed:
		return elapsedTime(f, nf.elapsed)
	case numZeros:
		s := strconv.FormatFloat(math.Abs(math.Round(round15(f))), 'f', 0, 64)
		if len(s) < nf.digits {
			s = strings.Repeat("0", nf.digits-len(s)) + s
		}
		if f <= -0.5 {
			s = "-" + s
		}
		return s
	case numDate, numTime:
		t, ok := excelTime(f, date1904)
		if !ok || nf.kind == numDate && !date1904 && f < 1 {
			break // day 0 of 1900 (shown 1900-01-00) is no calendar day
		}
		layout := "15:04"
		if nf.seconds {
			layout += ":05"
		}
		switch {
		case nf.kind == numTime:
		case nf.dateOnly:
			layout = "2006-01-02"
		default:
			layout = "2006-01-02 " + layout
		}
		return t.Format(layout)
	}
	return generalNumber(f)
}

// generalNumber writes a number as Excel's General format does in a wide
// enough column: to the 15 significant digits Excel keeps, with an
// exponent only past them (1.23456789012346E+18).
func generalNumber(f float64) string {
	r := round15(f)
	if a := math.Abs(r); a == 0 || 1e-15 <= a && a < 1e21 && significantDigits(f) <= 15 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strings.ToUpper(strconv.FormatFloat(r, 'g', 15, 64))
}

// round15 rounds f to 15 significant digits.
func round15(f float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return r
}

// significantDigits counts the digits of the shortest decimal that reads
// back as f.
func significantDigits(f float64) int {
	m := strconv.FormatFloat(f, 'e', -1, 64)
	m = strings.TrimPrefix(m[:strings.IndexByte(m, 'e')], "-")
	return len(strings.Trim(strings.Replace(m, ".", "", 1), "0"))
}

// excelTime turns a serial day number into a time: days since 1899-12-30
// (1904-01-01 in the 1904 date system), the fraction the time of day,
// rounded to the second. Excel counts a 29 February 1900 that never was,
// so serials before it are a day later than the count says.
func excelTime(f float64, date1904 bool) (time.Time, bool) {
	if f < 0 || f >= 2958466 { // after 9999-12-31
		return time.Time{}, false
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case f < 60:
		epoch = epoch.AddDate(0, 0, 1)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	return epoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
}

// elapsedTime writes a length of time (in days) by an elapsed format such
// as [h]:mm, [hh]:mm:ss, [mm]:ss or [ss]: a bracketed unit counts in full
// (36:00 for a day and a half), the others within their limit (24 hours,
// 60 minutes or seconds), each as wide as its letters, joined by colons
// whatever the format puts between them. Fractions of a second are
// rounded away.
func elapsedTime(days float64, layout string) string {
	secs := math.Round(math.Abs(days) * 86400)
	if secs > 1e15 {
		return generalNumber(days)
	}
	total := int64(secs)
	var parts []string
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != 'h' && c != 'm' && c != 's' {
			continue
		}
		n := 1
		for i+1 < len(layout) && layout[i+1] == c {
			i, n = i+1, n+1
		}
		inFull := i+1 < len(layout) && layout[i+1] == ']'
		v, limit := total, int64(60)
		switch c {
		case 'h':
			v, limit = v/3600, 24
		case 'm':
			v /= 60
		}
		if !inFull {
			v %= limit
		}
		parts = append(parts, fmt.Sprintf("%0*d", min(n, 4), v))
	}
	sign := ""
	if days < 0 && total > 0 {
		sign = "-"
	}
	return sign + strings.Join(parts, ":")
}

// isoCell writes a cell of type d (an ISO 8601 date, time or both, as the
// OpenXML SDK and strict-format writers store dates) the way number cells
// with a date format read: 2026-12-10, or 2026-12-10 14:30 when it has a
// time of day. Text that is no such date is kept as it is.
func isoCell(v string) string {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		t = t.Round(time.Second)
		switch {
		case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0:
			return t.Format("2006-01-02")
		case t.Second() == 0:
			return t.Format("2006-01-02 15:04")
		}
		return t.Format("2006-01-02 15:04:05")
	}
	return v
}
