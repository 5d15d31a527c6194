package model

import (
	"strings"
	"testing"
)

// TestPackedIDsReadBack: every id reads back exactly as it was given, a
// canonical UUID in 17 bytes, anything else (upper case, braces, a URN,
// another kind of id) as its text; packing a UUID allocates nothing.
func TestPackedIDsReadBack(t *testing.T) {
	uuid := NewID()
	for _, c := range []struct {
		id   string
		size int
	}{
		{uuid, 17},
		{strings.ToUpper(uuid), 2 + 36},
		{"{" + uuid + "}", 2 + 38},
		{"urn:uuid:" + uuid, 2 + 45},
		{"target:2026:4:ann", 2 + 17},
		{"", 2},
	} {
		b := AppendPackedID([]byte("x"), c.id)
		if len(b) != 1+c.size {
			t.Errorf("%q packs into %d bytes, want %d", c.id, len(b)-1, c.size)
		}
		got, rest, ok := CutPackedID(append(b[1:], "tail"...))
		if !ok || got != c.id || string(rest) != "tail" {
			t.Errorf("%q reads back as %q, %q, %v", c.id, got, rest, ok)
		}
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, {0}, {0, 5, 'a'}, {2, 0}} {
		if id, _, ok := CutPackedID(bad); ok {
			t.Errorf("%x reads as the id %q", bad, id)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendPackedID(buf[:0], uuid) }); n != 0 {
		t.Errorf("packing a UUID allocates %v times", n)
	}
}
