package jsonpack

import "encoding/binary"

// tag is the first byte of every value packed in format version 1; a later
// version takes another control byte. No JSON text starts with one, so
// stored JSON and packed values tell themselves apart.
const tag = 0x01

// Value tokens (the package doc draws them all).
const (
	tObject   = 0x01 // '{', then keys and values up to kEnd
	tArray    = 0x02 // '[', then values up to tArrayEnd
	tArrayEnd = 0x03
	tFalse    = 0x04
	tTrue     = 0x05
	tNull     = 0x06
	tString   = 0x07 // uvarint length, the content as written
	tUUID     = 0x08 // 16 bytes
	tDate     = 0x09 // 3 bytes
	tTime     = 0x0a // +n fraction digits (0..9): 5 bytes, then the fraction
	tInt      = 0x14 // zigzag uvarint
	tNumber   = 0x15 // uvarint length, the number's text
	tRef      = 0x16 // one byte: the number of an earlier string
	tVerbatim = 0x17 // only right after tag: the rest is the input itself
	tEmbed    = 0x18 // uvarint length, a packed value with its own strings (embed.go)
	tSmallInt = 0x40 // +v for 0 <= v < smallInts
	tShortStr = 0x80 // +n for content of n < shortStrs bytes, then the content
)

// Key tokens, read where an object's next key or its end is due.
const (
	kEnd     = 0x00 // '}'
	kLiteral = 0x01 // uvarint length, the key as written
	kTable   = 0x02 // +i for keys[i]
)

const (
	smallInts  = 64
	shortStrs  = 128
	maxRefs    = 255 // strings numbered for tRef; those after are not
	refMaxLen  = 48  // longer tokens are not looked for again
	maxDepth   = 64  // containers within containers, the outermost included
	maxEmbeds  = 8   // embedded values within embedded values (embed.go)
	uuidLen    = 36
	dateLen    = 10
	timeMinLen = 20 // YYYY-MM-DDTHH:MM:SSZ
	timeMaxLen = 30 // with nine fraction digits
)

// fracBytes is how many bytes hold a fraction of n digits (below 10^n).
var fracBytes = [10]int{0, 1, 1, 2, 2, 3, 3, 3, 4, 4}

var pow10 = [10]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// The date and time fields are packed as one mixed-radix number, each field
// in its own range, so any value in range comes back as written, real
// calendar date or not ("2026-02-30" too); out of range stays a string.
const (
	dateMax = 10000 * 13 * 32        // year, month 0-12, day 0-31
	timeMax = dateMax * 24 * 60 * 61 // hour, minute, second 0-60
)

// hexDigits writes UUIDs: only those in lowercase are packed.
const hexDigits = "0123456789abcdef"

// uuidDigits is where each byte of a UUID is in its text.
var uuidDigits = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// digits2 returns the value of the two decimal digits at s, or -1.
func digits2(s []byte) int {
	a, b := s[0]-'0', s[1]-'0'
	if a > 9 || b > 9 {
		return -1
	}
	return int(a)*10 + int(b)
}

// appendSpecial appends the short form of a string's content s when it is
// a lowercase UUID, a date or a UTC time, and reports whether it did.
func appendSpecial(dst, s []byte) ([]byte, bool) {
	switch n := len(s); {
	case n == uuidLen:
		return appendUUID(dst, s)
	case n == dateLen:
		d, ok := parseDate(s)
		if !ok {
			return dst, false
		}
		return append(dst, tDate, byte(d>>16), byte(d>>8), byte(d)), true
	case n >= timeMinLen && n <= timeMaxLen:
		return appendTime(dst, s)
	}
	return dst, false
}

func appendUUID(dst, s []byte) ([]byte, bool) {
	if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return dst, false
	}
	var u [17]byte
	u[0] = tUUID
	var bad byte
	for j, i := range uuidDigits {
		h, l := lowerHex[s[i]], lowerHex[s[i+1]]
		bad |= h | l
		u[1+j] = h<<4 | l
	}
	if bad > 15 {
		return dst, false
	}
	return append(dst, u[:]...), true
}

// parseDate reads YYYY-MM-DD into its packed number.
func parseDate(s []byte) (uint64, bool) {
	hi, lo := digits2(s), digits2(s[2:])
	mo, d := digits2(s[5:]), digits2(s[8:])
	if hi < 0 || lo < 0 || s[4] != '-' || s[7] != '-' || mo < 0 || mo > 12 || d < 0 || d > 31 {
		return 0, false
	}
	return uint64((hi*100+lo)*13+mo)*32 + uint64(d), true
}

func appendTime(dst, s []byte) ([]byte, bool) {
	d, ok := parseDate(s)
	if !ok || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return dst, false
	}
	h, mi, sec := digits2(s[11:]), digits2(s[14:]), digits2(s[17:])
	if h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 {
		return dst, false
	}
	var frac uint64
	n := len(s) - timeMinLen // fraction digits, after a '.'
	if n > 0 {
		if s[19] != '.' || n == 1 {
			return dst, false
		}
		n--
		for _, c := range s[20 : len(s)-1] {
			if c < '0' || c > '9' {
				return dst, false
			}
			frac = frac*10 + uint64(c-'0')
		}
	}
	v := ((d*24+uint64(h))*60+uint64(mi))*61 + uint64(sec)
	dst = append(dst, tTime+byte(n), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	for i := range fracBytes[n] {
		dst = append(dst, byte(frac>>(8*i)))
	}
	return dst, true
}

// appendLen appends token tok, the length of s and s.
func appendLen(dst []byte, tok byte, s []byte) []byte {
	dst = binary.AppendUvarint(append(dst, tok), uint64(len(s)))
	return append(dst, s...)
}
