package model

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
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

// TestParseCanonicalUUIDAgrees holds parseCanonicalUUID to what packing
// took before it: uuid.Parse of a 36-character id without upper case.
func TestParseCanonicalUUIDAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 36))
	const alphabet = "0123456789abcdefABCDEFg-{}: \x00\xff"
	for n := range 200_000 {
		b := []byte(NewID())
		if n%7 == 0 {
			b = []byte(uuid.New().String())
		}
		for range rng.IntN(3) { // none, one or two characters changed
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		if n%50 == 0 {
			b = b[:rng.IntN(len(b))]
		}
		id := string(b)
		want, err := uuid.Parse(id)
		wantOK := err == nil && len(id) == 36 && !strings.ContainsAny(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
		got, ok := parseCanonicalUUID(id)
		if ok != wantOK || ok && got != want {
			t.Fatalf("%q: parsed %v %x, want %v %x", id, ok, got, wantOK, want)
		}
	}
}
