package exchange

import (
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
	digits   int  // decimals of a percentage; width of a zeros format
	seconds  bool // a time shows seconds
	dateOnly bool // of kinds with a date: no time of day
}

type numKind uint8

const (
	numGeneral numKind = iota
	numPercent
	numZeros
	numDate // a day, a time of day or both
	numTime // a time of day alone
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
	case id == 19, id == 21, id == 33, id == 35, 45 <= id && id <= 47, id == 56:
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
			if in := strings.ToLower(code[i+1 : i+j]); strings.Trim(in, "hms") == "" {
				b.WriteString(in)
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
		return numFormat{kind: numPercent, digits: d}
	case len(f) > 1 && strings.Trim(f, "0") == "":
		return numFormat{kind: numZeros, digits: len(f)}
	}
	return numFormat{}
}

// format writes a number as its cell shows it, by the rules ReadXLSX
// gives.
func (nf numFormat) format(f float64, date1904 bool) string {
	switch nf.kind {
	case numPercent:
		return strconv.FormatFloat(round15(f)*100, 'f', nf.digits, 64) + "%"
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
		if !ok {
			break
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
	m = m[:strings.IndexByte(m, 'e')]
	return len(strings.Trim(strings.NewReplacer(".", "", "-", "").Replace(m), "0"))
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
