package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/words"
	"golang.org/x/text/cases"
	"golang.org/x/text/width"
)

// How text becomes search terms. The index and the full scan that checks
// it (search_test.go) both cut text here, so they cannot disagree about
// what a word is.
//
// Text is folded first: full-width Latin letters and digits become ASCII
// and half-width katakana full-width (width.Fold), then Unicode case
// folding (cases.Fold), so "ＡＣＭＥ", "Acme" and "ACME" are one term.
// Folded text is cut at Unicode word boundaries (UAX #29). A word of
// Latin, Cyrillic, digits... is one term, and a query word matches every
// term it begins. Chinese, Japanese and Korean are written without spaces,
// so a run of those characters gives its character bigrams ("客户拜访":
// 客户, 户拜, 拜访) and its last character alone; a query of two or more
// such characters must find all its bigrams, and a query of one character
// matches every term that begins with it, which, with the lone last
// character, is every run that holds it.

// maxTermBytes cuts long terms (an URL, a pasted hash): a longer query word
// is cut the same way, so it still finds them by prefix.
const maxTermBytes = 32

// foldText is the folding every term goes through.
func foldText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	s = strings.ToValidUTF8(s, " ")
	return cases.Fold().String(width.Fold.String(s))
}

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー'
}

// cutTerms calls emit for each term of text; prefix says the term is a
// query term matched as a prefix (a word, or a lone CJK character). For a
// document, query is false and every term is exact.
func cutTerms(text string, query bool, emit func(term string, prefix bool)) {
	text = foldText(text)
	var run []rune
	var word strings.Builder
	flushWord := func() {
		if word.Len() > 0 {
			emit(capTerm(word.String()), true)
			word.Reset()
		}
	}
	flushRun := func() {
		switch {
		case len(run) == 1:
			emit(string(run), true)
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				emit(string(run[i:i+2]), false)
			}
			if !query {
				emit(string(run[len(run)-1:]), false)
			}
		}
		run = run[:0]
	}
	seg := words.FromString(text)
	for seg.Next() {
		s := seg.Value()
		if !hasWordRune(s) {
			flushRun()
			continue
		}
		for _, r := range s {
			if isCJK(r) {
				flushWord()
				run = append(run, r)
				continue
			}
			flushRun()
			if !unicode.IsControl(r) {
				word.WriteRune(r)
			}
		}
		flushWord()
	}
	flushRun()
}

func hasWordRune(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

// capTerm cuts a term to maxTermBytes on a character boundary.
func capTerm(s string) string {
	if len(s) <= maxTermBytes {
		return s
	}
	n := maxTermBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// queryTerm is one thing a query needs a record to hold.
type queryTerm struct {
	text   string
	prefix bool // any term starting with text; else the term text
}

// parseQuery cuts a query into its terms, each once.
func parseQuery(q string) []queryTerm {
	var out []queryTerm
	seen := map[queryTerm]bool{}
	cutTerms(q, true, func(term string, prefix bool) {
		qt := queryTerm{term, prefix}
		if !seen[qt] {
			seen[qt] = true
			out = append(out, qt)
		}
	})
	return out
}

// matches reports whether a document term satisfies the query term.
func (q queryTerm) matches(term string) bool {
	if q.prefix {
		return strings.HasPrefix(term, q.text)
	}
	return term == q.text
}
