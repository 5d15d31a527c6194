package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DefaultCurrency is used when a value is given without one.
const DefaultCurrency = "CNY"

// Money is an amount in minor units (fen, cents) and an ISO 4217 currency.
// Integer minor units keep sums exact.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency,omitempty"`
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

// String formats the amount with two decimals and thousands separators,
// followed by the currency.
func (m Money) String() string {
	cur := m.Currency
	if cur == "" {
		cur = DefaultCurrency
	}
	return FormatAmount(m.Amount) + " " + cur
}

// FormatAmount formats minor units as 12,345.67.
func FormatAmount(minor int64) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-minor)
	}
	whole, frac := u/100, u%100
	digits := strconv.FormatUint(whole, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	fmt.Fprintf(&b, ".%02d", frac)
	return b.String()
}

// ParseMoney reads "12500", "12,500.50", "12500 CNY", "USD 99.9", "1.2万"
// or "3w" (ten thousands, as Chinese users write them). It refuses negative
// and malformed amounts with a sentence naming the problem.
func ParseMoney(s string) (Money, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Money{}, fmt.Errorf("empty amount")
	}
	m := Money{}
	fields := strings.Fields(in)
	switch len(fields) {
	case 1:
	case 2:
		if isCurrency(fields[0]) {
			m.Currency, in = strings.ToUpper(fields[0]), fields[1]
		} else if isCurrency(fields[1]) {
			m.Currency, in = strings.ToUpper(fields[1]), fields[0]
		} else {
			return Money{}, fmt.Errorf("%q is not an amount (write it like 12500, 12,500.50 or 12500 CNY)", s)
		}
	default:
		return Money{}, fmt.Errorf("%q is not an amount (write it like 12500, 12,500.50 or 12500 CNY)", s)
	}
	in = strings.TrimLeft(in, "¥￥$€")
	mult := 1.0
	switch {
	case strings.HasSuffix(in, "万"):
		in, mult = strings.TrimSuffix(in, "万"), 1e4
	case strings.HasSuffix(in, "w"), strings.HasSuffix(in, "W"):
		in, mult = in[:len(in)-1], 1e4
	case strings.HasSuffix(in, "k"), strings.HasSuffix(in, "K"):
		in, mult = in[:len(in)-1], 1e3
	}
	in = strings.ReplaceAll(in, ",", "")
	if strings.HasPrefix(in, "-") {
		return Money{}, fmt.Errorf("%q is negative; a value must be zero or more", s)
	}
	f, err := strconv.ParseFloat(in, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(in, "eExXpP_") {
		return Money{}, fmt.Errorf("%q is not an amount (write it like 12500, 12,500.50 or 12500 CNY)", s)
	}
	minor := math.Round(f * mult * 100)
	if minor > MaxAmount {
		return Money{}, fmt.Errorf("%q is too large", s)
	}
	m.Amount = int64(minor)
	return m, nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}
