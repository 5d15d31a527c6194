package model

import "github.com/google/uuid"

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
	if canonicalUUID(id) {
		if u, err := uuid.Parse(id); err == nil {
			return append(append(b, 1), u[:]...)
		}
	}
	return append(append(b, 0, byte(min(len(id), 255))), id[:min(len(id), 255)]...)
}

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

// canonicalUUID reports whether id may be a UUID in its canonical text:
// 36 characters, none of them an upper-case letter (uuid.Parse takes
// those as well, but a packed UUID reads back in lower case).
func canonicalUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}
