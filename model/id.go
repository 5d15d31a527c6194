package model

import (
	"slices"

	"github.com/google/uuid"
)

// NewID returns a new time-ordered id (UUIDv7): ids sort by creation time,
// which keeps bbolt's B+tree appends cheap and ids unique across devices.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// AppendPackedID appends id to b as index keys hold ids: a UUID in its
// canonical text as a 1 and its 16 bytes (where the text takes 36), any
// other id as a 0, its length and its first 255 bytes (ids are checked to
// be far shorter). Packed UUIDs sort as their text does.
func AppendPackedID(b []byte, id string) []byte {
	if u, ok := parseCanonicalUUID(id); ok {
		return append(append(slices.Grow(b, 17), 1), u[:]...)
	}
	return append(append(b, 0, byte(min(len(id), 255))), id[:min(len(id), 255)]...)
}

// parseCanonicalUUID reads a UUID in its canonical text: 36 characters,
// dashes after the 8th, 12th, 16th and 20th hex digit, the digits in
// lower case. uuid.Parse takes upper case too, but a packed UUID reads
// back in lower case; and, taking every form a UUID is written in, it
// was most of packing one (TestParseCanonicalUUIDAgrees holds the two
// together).
func parseCanonicalUUID(id string) (u uuid.UUID, ok bool) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return u, false
	}
	for j, i := range uuidPairs {
		hi, lo := lowerHex[id[i]], lowerHex[id[i+1]]
		if hi|lo > 0x0f {
			return u, false
		}
		u[j] = hi<<4 | lo
	}
	return u, true
}

// uuidPairs are where the hex digits of each byte of a UUID's canonical
// text begin.
var uuidPairs = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// lowerHex is the value of each lower-case hex digit, 0xff for any other
// byte.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

// CutPackedID reads an id AppendPackedID wrote at the start of b and
// returns what follows it; ok is false when b does not start with one.
func CutPackedID(b []byte) (id string, rest []byte, ok bool) {
	switch {
	case len(b) >= 17 && b[0] == 1:
		return uuid.UUID(b[1:17]).String(), b[17:], true
	case len(b) >= 2 && b[0] == 0 && len(b) >= 2+int(b[1]):
		return string(b[2 : 2+int(b[1])]), b[2+int(b[1]):], true
	}
	return "", nil, false
}
