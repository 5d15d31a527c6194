package exchange

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/fieldcrm/fieldcrm/model"
	"golang.org/x/text/width"
)

// legalSuffixesEN are the company-form words dropped from the end of a
// name (after lower-casing and splitting on punctuation), longest first.
var legalSuffixesEN = [][]string{
	{"company", "limited"}, {"co", "ltd"}, {"pte", "ltd"}, {"pty", "ltd"}, {"sdn", "bhd"},
	{"limited"}, {"ltd"}, {"inc"}, {"incorporated"}, {"llc"}, {"llp"}, {"lp"}, {"gmbh"}, {"ag"}, {"kg"},
	{"corp"}, {"corporation"}, {"co"}, {"company"}, {"plc"}, {"sa"}, {"sas"}, {"sarl"}, {"srl"}, {"spa"},
	{"bv"}, {"nv"}, {"oy"}, {"ab"}, {"as"}, {"kk"}, {"group"}, {"holdings"}, {"the"},
}

// legalSuffixesZH are Chinese company forms, dropped from the end, longest
// first. 分公司 (a branch) is kept: a branch is a different customer.
var legalSuffixesZH = []string{
	"集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
	"控股集团", "集团公司", "股份公司", "集团", "公司", "控股", "厂",
}

// foldWidth maps full-width letters, digits and punctuation (and the
// ideographic space) to their ASCII forms. Most text has none, and then
// costs no allocation: an import folds every name, phone and header.
func foldWidth(s string) string {
	for _, r := range s {
		if r == '\u3000' || r >= 0xFF00 && r <= 0xFFEF {
			return width.Fold.String(s)
		}
	}
	return s
}

// NormCompany folds a company name for matching: half width, lower case,
// without punctuation, spaces and the legal form in English or Chinese
// ("Acme Co., Ltd." and "ACME" match; "华北能源有限公司" and "华北能源" match).
// It returns "" for names with nothing left to compare.
func NormCompany(s string) string {
	s = strings.ToLower(foldWidth(s))
	// Split into runs of letters and digits; CJK runs stay whole.
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	// English suffixes come as whole words at the end.
	for changed := true; changed && len(words) > 1; {
		changed = false
		for _, suf := range legalSuffixesEN {
			if len(words) > len(suf) && slices.Equal(words[len(words)-len(suf):], suf) {
				words, changed = words[:len(words)-len(suf)], true
				break
			}
		}
	}
	joined := strings.Join(words, "")
	for changed := true; changed; {
		changed = false
		for _, suf := range legalSuffixesZH {
			if strings.HasSuffix(joined, suf) && len(joined) > len(suf) {
				joined, changed = strings.TrimSuffix(joined, suf), true
				break
			}
		}
	}
	return joined
}

// NormPhone keeps the digits of a phone number, without the China country
// code (+86, 0086, 86) so a mobile written with or without it matches; a
// landline keeps its trunk 0. Numbers under 7 digits return "".
func NormPhone(s string) string {
	var b strings.Builder
	for _, r := range foldWidth(s) {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
		if r == 'x' || r == 'X' || r == '#' || r == '转' { // extension: stop
			break
		}
	}
	d := b.String()
	intl := false
	switch {
	case strings.HasPrefix(d, "0086"):
		d, intl = d[4:], true
	case strings.HasPrefix(d, "86") && len(d) >= 12:
		d, intl = d[2:], true
	}
	if intl && !(len(d) == 11 && d[0] == '1') && !strings.HasPrefix(d, "0") {
		d = "0" + d
	}
	if len(d) < 7 {
		return ""
	}
	return d
}

// NormEmail lower-cases and trims an e-mail address; "" when it is not one.
func NormEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(foldWidth(s)))
	if strings.Count(s, "@") != 1 || strings.HasPrefix(s, "@") || strings.HasSuffix(s, "@") {
		return ""
	}
	return s
}

// MatchKeys are the normalised keys a lead can be matched by.
type MatchKeys struct {
	Company string
	Phones  []string
	Emails  []string
}

// KeysOf returns a lead's match keys.
func KeysOf(l *model.Lead) MatchKeys {
	k := MatchKeys{Company: NormCompany(l.Company)}
	for _, c := range l.Contacts {
		if p := NormPhone(c.Phone); p != "" && !slices.Contains(k.Phones, p) {
			k.Phones = append(k.Phones, p)
		}
		if e := NormEmail(c.Email); e != "" && !slices.Contains(k.Emails, e) {
			k.Emails = append(k.Emails, e)
		}
	}
	return k
}

// Pair is two leads that are likely the same customer, and why.
type Pair struct {
	A        string   `json:"a"` // lead id, the older of the two
	B        string   `json:"b"`
	CompanyA string   `json:"company_a"`
	CompanyB string   `json:"company_b"`
	Reasons  []string `json:"reasons"`
}

// maxGroup bounds the pairs listed for one shared key (a switchboard
// number on 500 leads is one finding, not 125,000).
const maxGroup = 20

// FindDuplicates returns pairs of leads sharing a normalised company name,
// a phone number or an e-mail address, most reasons first. Leads are
// compared by their normalised keys only, so it is linear in the book.
func FindDuplicates(leads []model.Lead) []Pair {
	byKey := map[string][]int{}
	for i := range leads {
		k := KeysOf(&leads[i])
		if k.Company != "" {
			key := "company\x00" + k.Company
			byKey[key] = append(byKey[key], i)
		}
		for _, p := range k.Phones {
			byKey["phone\x00"+p] = append(byKey["phone\x00"+p], i)
		}
		for _, e := range k.Emails {
			byKey["email\x00"+e] = append(byKey["email\x00"+e], i)
		}
	}
	pairs := map[[2]int]*Pair{}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		idx := byKey[key]
		if len(idx) < 2 {
			continue
		}
		kind, val, _ := strings.Cut(key, "\x00")
		var reason string
		switch kind {
		case "company":
			reason = fmt.Sprintf("same company name (%s)", val)
		case "phone":
			reason = "same phone " + val
		case "email":
			reason = "same e-mail " + val
		}
		n := 0
		for x := 0; x < len(idx) && n < maxGroup; x++ {
			for y := x + 1; y < len(idx) && n < maxGroup; y++ {
				i, j := idx[x], idx[y]
				if i == j {
					continue
				}
				pk := [2]int{min(i, j), max(i, j)}
				p := pairs[pk]
				if p == nil {
					a, b := &leads[pk[0]], &leads[pk[1]]
					if b.CreatedAt.Before(a.CreatedAt) {
						a, b = b, a
					}
					p = &Pair{A: a.ID, B: b.ID, CompanyA: a.Company, CompanyB: b.Company}
					pairs[pk] = p
				}
				if !slices.Contains(p.Reasons, reason) {
					p.Reasons = append(p.Reasons, reason)
				}
				n++
			}
		}
	}
	out := make([]Pair, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Reasons) != len(out[j].Reasons) {
			return len(out[i].Reasons) > len(out[j].Reasons)
		}
		if out[i].CompanyA != out[j].CompanyA {
			return out[i].CompanyA < out[j].CompanyA
		}
		return out[i].A+out[i].B < out[j].A+out[j].B
	})
	return out
}

// DuplicatesOf returns the likely duplicates of the lead with id among
// leads (which should include it), for the lead screen.
func DuplicatesOf(id string, leads []model.Lead) []Pair {
	var out []Pair
	for _, p := range FindDuplicates(leads) {
		if p.A == id || p.B == id {
			out = append(out, p)
		}
	}
	return out
}
