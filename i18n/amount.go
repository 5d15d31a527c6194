package i18n

import (
	"math"
	"strconv"
	"strings"
)

// Amount formats minor units (fen, cents) compactly for cards, columns and
// report tables, as a reader of lang counts: Chinese in 万 (10^4) and 亿
// (10^8), so 1,675,000 reads 167.5万 and 290,000,000 reads 2.9亿; English
// in k, M and B (1.7M, 290.0k). Below a thousand (English) or ten thousand
// (Chinese) the whole amount is shown. A value that rounds up to the next
// unit is shown in it (99,999,999 is 1亿, not 10000.0万).
func Amount(lang string, minor int64) string {
	v := float64(minor) / 100
	if lang == ZH {
		return compact(v, zhUnits, false)
	}
	return compact(v, enUnits, true)
}

// Amount formats minor units compactly in the catalog's language.
func (c Catalog) Amount(minor int64) string { return Amount(c.Lang, minor) }

type unit struct {
	size float64
	name string
}

// Units from the smallest up.
var (
	enUnits = []unit{{1e3, "k"}, {1e6, "M"}, {1e9, "B"}}
	zhUnits = []unit{{1e4, "万"}, {1e8, "亿"}}
)

// compact writes v in the smallest unit in which it reads under the next
// one once rounded to one decimal; keepZero keeps a ".0" (English columns
// line up on it), else it is dropped (29万, not 29.0万).
func compact(v float64, units []unit, keepZero bool) string {
	if math.Abs(math.Round(v)) < units[0].size {
		s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
		if s == "-0" {
			return "0"
		}
		return s
	}
	var x float64
	var u unit
	for i := range units {
		u = units[i]
		x = math.Round(v/u.size*10) / 10
		if i+1 == len(units) || math.Abs(x)*u.size < units[i+1].size {
			break
		}
	}
	s := strconv.FormatFloat(x, 'f', 1, 64)
	if !keepZero {
		s = strings.TrimSuffix(s, ".0")
	}
	return s + u.name
}
