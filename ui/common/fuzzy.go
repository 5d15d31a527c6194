package common

import (
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/sahilm/fuzzy"
)

// cardSource lets fuzzy search the company and contact of cards.
type cardSource []store.Card

func (s cardSource) String(i int) string { return s[i].Company + " " + s[i].Contact }
func (s cardSource) Len() int            { return len(s) }

// MatchCards returns the indexes of the cards whose company or contact
// fuzzily match q, best first, at most limit. An empty q matches the
// first limit cards.
func MatchCards(cards []store.Card, q string, limit int) []int {
	var out []int
	if q == "" {
		for i := range min(limit, len(cards)) {
			out = append(out, i)
		}
		return out
	}
	for _, m := range fuzzy.FindFrom(q, cardSource(cards)) {
		out = append(out, m.Index)
		if len(out) >= limit {
			break
		}
	}
	return out
}

// MatchStrings returns the indexes of the strings that fuzzily match q,
// best first.
func MatchStrings(list []string, q string) []int {
	var out []int
	for _, m := range fuzzy.Find(q, list) {
		out = append(out, m.Index)
	}
	return out
}
