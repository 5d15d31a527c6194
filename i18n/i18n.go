// Package i18n is the catalog of every string the terminal UI shows, in
// English and Simplified Chinese. Each entry holds both languages side by
// side, so a new string cannot be added in one language only.
package i18n

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Languages the catalog speaks.
const (
	EN = "en"
	ZH = "zh"
)

type entry struct{ key, en, zh string }

// all is every entry of the catalog's tables.
func all() []entry {
	return slices.Concat(entries, dailyEntries, reportsEntries,
		routerEntries, formsEntries, pagesEntries, searchEntries, compactEntries, watchdogEntries, uiQuitEntries, sshEntries, reportWorkEntries, approvalsUIEntries, approvalsCLIEntries, complaintsCLIEntries, profileEntries)
}

// index finds entries by key. It is built on first use, not at start, so
// commands that print no UI text do not pay for it.
var index = sync.OnceValue(func() map[string]entry {
	es := all()
	m := make(map[string]entry, len(es))
	for _, e := range es {
		m[e.key] = e
	}
	return m
})

// T returns the text of key in lang ("zh" for Simplified Chinese, anything
// else for English). A missing key returns the key itself, so a gap shows
// on screen instead of an empty space.
func T(lang, key string) string {
	e, ok := index()[key]
	if !ok {
		return key
	}
	if lang == ZH {
		return e.zh
	}
	return e.en
}

// Tf formats the text of key in lang with args (fmt verbs).
func Tf(lang, key string, args ...any) string {
	return fmt.Sprintf(T(lang, key), args...)
}

// Has reports whether the catalog has key.
func Has(key string) bool {
	_, ok := index()[key]
	return ok
}

// Keys returns every key of the catalog, sorted.
func Keys() []string {
	es := all()
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.key)
	}
	sort.Strings(out)
	return out
}

// Catalog is the catalog bound to one language, as screens carry it.
type Catalog struct{ Lang string }

// New returns the catalog for lang.
func New(lang string) Catalog {
	if lang != ZH {
		lang = EN
	}
	return Catalog{Lang: lang}
}

// T returns the text of key.
func (c Catalog) T(key string) string { return T(c.Lang, key) }

// Tf formats the text of key with args.
func (c Catalog) Tf(key string, args ...any) string { return Tf(c.Lang, key, args...) }
