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
	ascii, fast := true, true
	for _, r := range s {
		if r >= utf8.RuneSelf {
			ascii = false
			if !quickFold(r) {
				fast = false
				break
			}
		}
	}
	switch {
	case ascii:
		return strings.ToLower(s)
	case fast:
		return strings.Map(foldRune, s)
	}
	s = strings.ToValidUTF8(s, " ")
	return strings.Map(cherokeeSmall, cases.Fold().String(width.Fold.String(s)))
}

// cherokeeSmall writes Cherokee letters small. cases.Fold (x/text v0.44.0)
// swaps Cherokee's capital and small letters rather than folding them to
// one, so a term folded twice would not be the term folded once, and a
// query typed in small letters would miss text written in capitals
// (FuzzFoldAndCut found it). Small, because that is what capitals folded
// to before, and Cherokee is mostly written in capitals.
func cherokeeSmall(r rune) rune {
	switch {
	case r >= 0x13a0 && r <= 0x13ef:
		return r - 0x13a0 + 0xab70
	case r >= 0x13f0 && r <= 0x13f5:
		return r + 8
	}
	return r
}

// quickFold reports whether foldRune folds r as width.Fold and
// cases.Fold do (TestQuickFoldAgrees checks every one): CJK text and
// full-width ASCII, most of what is written here, then skip the general
// transformers, which cost more than cutting the words.
func quickFold(r rune) bool {
	return r >= 0x3001 && r <= 0x30ff || r >= 0x3400 && r <= 0x4dbf || r >= 0x4e00 && r <= 0x9fff ||
		r >= 0xac00 && r <= 0xd7a3 || r >= 0xff01 && r <= 0xff5e
}

func foldRune(r rune) rune {
	if r >= 0xff01 && r <= 0xff5e {
		r -= 0xfee0 // full-width ASCII
	}
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case isCommonHan(r):
		return true // most of what is written, without the tables
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー'
}

// isCommonHan reports whether r is in the block of the common Chinese
// characters, every one of them a Han letter (TestWordRuneShortcutsAgree).
func isCommonHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }

// cutTerms calls emit for each term of text; prefix says the term is a
// query term matched as a prefix (a word, or a lone CJK character). For a
// document, query is false and every term is exact. Terms are slices of
// the folded text, so cutting allocates little.
func cutTerms(text string, query bool, emit func(term string, prefix bool)) {
	text = foldText(text)
	var buf [64]int
	run := buf[:0] // where the characters of the current CJK run start
	runEnd := 0
	flushRun := func() {
		n := len(run)
		switch {
		case n == 1:
			emit(text[run[0]:runEnd], true)
		case n > 1:
			for i := 0; i+1 < n; i++ {
				end := runEnd
				if i+2 < n {
					end = run[i+2]
				}
				emit(text[run[i]:end], false)
			}
			if !query {
				emit(text[run[n-1]:runEnd], false)
			}
		}
		run = run[:0]
	}
	flushWord := func(from, to int) {
		if from >= 0 && to > from {
			w := text[from:to]
			if strings.IndexFunc(w, unicode.IsControl) >= 0 {
				w = strings.Map(func(r rune) rune {
					if unicode.IsControl(r) {
						return -1
					}
					return r
				}, w)
			}
			if w != "" {
				emit(capTerm(w), true)
			}
		}
	}
	seg := words.FromString(text)
	for seg.Next() {
		s, start := seg.Value(), seg.Start()
		if !hasWordRune(s) {
			flushRun()
			continue
		}
		word := -1
		for i, r := range s {
			pos := start + i
			if isCJK(r) {
				flushWord(word, pos)
				word = -1
				run = append(run, pos)
				runEnd = pos + utf8.RuneLen(r)
				continue
			}
			flushRun()
			if word < 0 {
				word = pos
			}
		}
		flushWord(word, start+len(s))
	}
	flushRun()
}

// hasWordRune reports whether s holds a letter or a number; ASCII and the
// common Chinese characters are answered without the Unicode tables.
func hasWordRune(s string) bool {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if l := r | 0x20; 'a' <= l && l <= 'z' || '0' <= r && r <= '9' {
				return true
			}
		case isCommonHan(r), unicode.IsLetter(r), unicode.IsNumber(r):
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
