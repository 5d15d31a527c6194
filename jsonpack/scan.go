package jsonpack

import (
	"encoding/binary"
	"math/bits"
)

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainLen returns how many bytes at the start of s need no attention
// inside a JSON string: it stops at the first '"', '\\' or control byte.
// Strings are most of a record, so it looks at eight bytes at a time.
func plainLen(s []byte) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		q := x ^ (ones * '"')
		b := x ^ (ones * '\\')
		// The lowest flagged byte of each term is exact; a borrow can only
		// flag bytes above a true hit, so the lowest flag overall is true.
		t := ((q - ones) &^ q) | ((b - ones) &^ b) | ((x - ones*0x20) &^ x)
		if t &= highs; t != 0 {
			return i + bits.TrailingZeros64(t)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// escapeLen returns the length of the valid escape at the start of s
// (which starts with a backslash), or 0 when it is not one JSON allows.
func escapeLen(s []byte) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(s) >= 6 && hexVal[s[2]]|hexVal[s[3]]|hexVal[s[4]]|hexVal[s[5]] < 16 {
			return 6
		}
	}
	return 0
}

// hexVal maps a hex digit (either case, as JSON's \u allows) to its
// value and every other byte to 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := byte(0); i < 10; i++ {
		t['0'+i] = i
	}
	for i := byte(0); i < 6; i++ {
		t['a'+i] = 10 + i
		t['A'+i] = 10 + i
	}
	return t
}()

// lowerHex is hexVal without the capitals: a UUID written in capitals is
// kept as a string, so that it comes back in capitals.
var lowerHex = func() (t [256]byte) {
	t = hexVal
	for c := 'A'; c <= 'F'; c++ {
		t[c] = 0xff
	}
	return t
}()

// stringEnd returns the index of the quote closing the string whose
// content starts s, or -1 when the string is not valid JSON or not closed.
func stringEnd(s []byte) int {
	i := 0
	for {
		i += plainLen(s[i:])
		if i >= len(s) {
			return -1
		}
		switch s[i] {
		case '"':
			return i
		case '\\':
			n := escapeLen(s[i:])
			if n == 0 {
				return -1
			}
			i += n
		default:
			return -1
		}
	}
}

// validContent reports whether s, a string's content as stored, can stand
// between two quotes: no bare quote or control byte, only valid escapes.
func validContent(s []byte) bool {
	i := 0
	for {
		i += plainLen(s[i:])
		if i >= len(s) {
			return true
		}
		if s[i] != '\\' {
			return false
		}
		n := escapeLen(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
}

// numberEnd returns the length of the JSON number at the start of s, or
// 0 when there is none. isInt says it has neither fraction nor exponent.
func numberEnd(s []byte) (n int, isInt bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	default:
		return 0, false
	}
	isInt = true
	if i < len(s) && s[i] == '.' {
		isInt = false
		j := i + 1
		for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
		}
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
		}
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, isInt
}

// canonicalInt parses s, a JSON integer as numberEnd found it, when it is
// written as strconv.FormatInt would write its value: no "-0", within
// int64. Leading zeros cannot occur (JSON forbids them).
func canonicalInt(s []byte) (int64, bool) {
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) > 19 || (neg && len(d) == 1 && d[0] == '0') {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}
