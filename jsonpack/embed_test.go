package jsonpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// page builds, by hand, a pull page around the values vs (each as Pack
// returned it), and writes the JSON it stands for beside it.
func page(t testing.TB, vs [][]byte, jsons [][]byte, cursor uint64, more bool) (packed, want []byte) {
	t.Helper()
	packed = AppendKey(AppendObject(AppendTag(nil)), "changes")
	packed = AppendArray(packed)
	want = []byte(`{"changes":[`)
	for i, v := range vs {
		seq := uint64(i) * 1000
		packed = AppendKey(AppendObject(packed), "seq")
		packed = AppendKey(AppendUint(packed, seq), "op")
		var err error
		if packed, err = AppendEmbedded(packed, v); err != nil {
			t.Fatal(err)
		}
		packed = AppendEnd(packed)
		if i > 0 {
			want = append(want, ',')
		}
		want = append(strconv.AppendUint(append(want, `{"seq":`...), seq, 10), `,"op":`...)
		want = append(append(want, jsons[i]...), '}')
	}
	packed = AppendKey(AppendArrayEnd(packed), "cursor")
	packed = AppendKey(AppendUint(packed, cursor), "epoch")
	packed = AppendKey(AppendString(packed, []byte(`ep\u00e9 \"1\"`)), "a key not in the table")
	packed = AppendEnd(AppendBool(packed, more))
	want = strconv.AppendUint(append(want, `],"cursor":`...), cursor, 10)
	want = append(want, `,"epoch":"ep\u00e9 \"1\"","a key not in the table":`...)
	want = append(strconv.AppendBool(want, more), '}')
	return packed, want
}

func TestEmbeddedValuesUnpackToTheirJSON(t *testing.T) {
	rs := records(t)
	var vs [][]byte
	for _, r := range rs {
		vs = append(vs, Pack(nil, r))
	}
	// Values Pack leaves as JSON are packed as they are embedded.
	for _, s := range []string{`{}`, `1`, `"x"`, `[]`, `0`} {
		if Packed(Pack(nil, []byte(s))) {
			t.Fatalf("Pack packed %s; pick a value it leaves", s)
		}
		rs, vs = append(rs, []byte(s)), append(vs, []byte(s))
	}
	for _, cursor := range []uint64{0, 63, 64, 1<<63 - 1, 1 << 63, 1<<64 - 1} {
		for _, more := range []bool{false, true} {
			packed, want := page(t, vs, rs, cursor, more)
			if !json.Valid(want) {
				t.Fatalf("the test's JSON is not valid: %s", want)
			}
			got, err := Unpack([]byte("dst"), packed)
			if err != nil || string(got[:3]) != "dst" || !bytes.Equal(got[3:], want) {
				t.Fatalf("Unpack: %v; the JSON differs from the %d bytes wanted at byte %d", err, len(want), diffAt(got[min(3, len(got)):], want))
			}
			if _, err := UnpackMax(nil, packed, len(want)-1); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("UnpackMax below the JSON's length: %v", err)
			}
		}
	}
}

// An embedded value's strings are its own: a reference in it names its
// strings, not the enclosing value's, and its strings are not counted in
// the enclosing value's numbering.
func TestEmbeddedValuesNumberTheirOwnStrings(t *testing.T) {
	inner := []byte(`["repeated string","repeated string","other string"]`)
	p := Pack(nil, inner)
	if !bytes.Contains(p, []byte{tRef, 0}) {
		t.Fatalf("the inner value refers to no string: % x", p)
	}
	b := AppendArray(AppendTag(nil))
	b = AppendString(b, []byte("outer string"))
	b, _ = AppendEmbedded(b, p)
	b = append(b, tRef, 0) // the outer value's string 0
	b = append(b, tRef, 1) // there is no other: the inner strings do not count
	b = AppendArrayEnd(b)
	if _, err := Unpack(nil, b); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a reference to an embedded value's string was taken: %v", err)
	}
	b = append(b[:len(b)-3], tArrayEnd)
	got, err := Unpack(nil, b)
	if want := `["outer string",` + string(inner) + `,"outer string"]`; err != nil || string(got) != want {
		t.Fatalf("Unpack = %s, %v; want %s", got, err, want)
	}
}

func TestEmbeddedValuesRefused(t *testing.T) {
	ok := Pack(nil, []byte(record))
	emb := func(v []byte) []byte {
		return appendLen(AppendTag(nil), tEmbed, v)
	}
	deep := ok
	for range maxEmbeds + 1 {
		deep = emb(deep)
	}
	deepJSON := AppendTag(nil) // an embedded value 65 deep in itself
	for range maxDepth + 1 {
		deepJSON = AppendArray(deepJSON)
	}
	for range maxDepth + 1 {
		deepJSON = AppendArrayEnd(deepJSON)
	}
	deepJSON = emb(deepJSON)
	for name, b := range map[string][]byte{
		"cut short":           emb(ok)[:len(emb(ok))-1],
		"length past the end": append(append(AppendTag(nil), tEmbed, 0x7f), ok...),
		"not packed":          emb([]byte(record)),
		"verbatim":            emb(Pack(nil, append([]byte{tag}, "x"...))),
		"the tag alone":       emb([]byte{tag}),
		"damaged inside":      emb(append(append([]byte(nil), ok[:len(ok)-1]...), 0xff)),
		"bytes after":         emb(append(append([]byte(nil), ok...), tNull)),
		"embedded too deep":   deep,
		"nested too deep":     deepJSON,
	} {
		if out, err := Unpack([]byte("dst"), b); !errors.Is(err, ErrDamaged) || string(out) != "dst" {
			t.Errorf("%s: Unpack = %q, %v", name, out, err)
		}
	}
	// Within the bound, embedded values nest.
	nested := ok
	for range maxEmbeds {
		nested = emb(nested)
	}
	if got, err := Unpack(nil, nested); err != nil || string(got) != record {
		t.Fatalf("nested embedded values: %q, %v", got, err)
	}
	// A value 64 deep, as Pack takes it, embeds anywhere: here 64 deep.
	deep64 := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	v := AppendTag(nil)
	for range maxDepth - 1 {
		v = AppendArray(v)
	}
	v, err := AppendEmbedded(v, Pack(nil, []byte(deep64)))
	if err != nil {
		t.Fatal(err)
	}
	for range maxDepth - 1 {
		v = AppendArrayEnd(v)
	}
	want := strings.Repeat("[", 2*maxDepth-1) + strings.Repeat("]", 2*maxDepth-1)
	if got, err := Unpack(nil, v); err != nil || string(got) != want {
		t.Fatalf("a value 64 deep embedded 63 deep: %d bytes, %v", len(got), err)
	}
	for _, v := range [][]byte{nil, []byte(" {}"), []byte(`{"a":1,}`), Pack(nil, append([]byte{tag}, "x"...))} {
		if got, err := AppendEmbedded([]byte("dst"), v); !errors.Is(err, ErrNotCompact) || string(got) != "dst" {
			t.Errorf("AppendEmbedded(%q) = %q, %v", v, got, err)
		}
	}
}

// FuzzEmbedded checks that any value Pack takes, packed or left as JSON,
// embeds and comes back, twice in one array, however deep it nests.
func FuzzEmbedded(f *testing.F) {
	for _, r := range records(f) {
		f.Add(r)
	}
	for _, s := range []string{`{}`, `1`, `"x"`, ` {}`, "\x01", "", strings.Repeat("[", 70) + strings.Repeat("]", 70)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := Pack(nil, b)
		v := AppendArray(AppendTag(nil))
		v, err := AppendEmbedded(v, p)
		if err != nil {
			var pk packer
			if _, ok := pk.pack(nil, b); ok && b[0] != tag {
				t.Fatalf("AppendEmbedded refused %q, which packs: %v", b, err)
			}
			return
		}
		v, _ = AppendEmbedded(v, p)
		v = AppendArrayEnd(v)
		got, err := Unpack(nil, v)
		if want := "[" + string(b) + "," + string(b) + "]"; err != nil || string(got) != want {
			t.Fatalf("Unpack = %q, %v; want %s", got, err, want)
		}
	})
}

// diffAt returns where a and b first differ.
func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestEmbeddedList: a list built of embedded values gives them back, as
// slices of it; anything else is declined.
func TestEmbeddedList(t *testing.T) {
	a, b := Pack(nil, []byte(`{"id":"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e0f"}`)), Pack(nil, []byte(`[1,2,3]`))
	build := func(key string, vs ...[]byte) []byte {
		v := AppendArray(AppendKey(AppendObject(AppendTag(nil)), key))
		for _, e := range vs {
			v, _ = AppendEmbedded(v, e)
		}
		return AppendEnd(AppendArrayEnd(v))
	}
	v := build("ops", a, b)
	got, ok := EmbeddedList(v, "ops")
	if !ok || len(got) != 2 || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) {
		t.Fatalf("EmbeddedList = %q, %v", got, ok)
	}
	if got, ok := EmbeddedList(build("ops"), "ops"); !ok || got == nil || len(got) != 0 {
		t.Fatalf("an empty list: %q, %v", got, ok)
	}
	verbatim := Pack(nil, append([]byte{tag}, "x"...)) // the verbatim form: no embedded value
	head := v[:len(AppendArray(AppendKey(AppendObject(AppendTag(nil)), "ops")))]
	if _, ok := EmbeddedList(append(append(bytes.Clone(head), tEmbed, byte(len(b))), append(bytes.Clone(b), tArrayEnd, kEnd)...), "ops"); !ok {
		t.Fatal("a list built by hand is declined")
	}
	for name, bad := range map[string][]byte{
		"another key":     build("op", a),
		"packed whole":    Pack(nil, []byte(`{"ops":[{"id":"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e0f"},[1,2,3]]}`)),
		"JSON":            []byte(`{"ops":[]}`),
		"cut":             v[:len(v)-1],
		"more after":      append(bytes.Clone(v), 0),
		"a long length":   append(append(bytes.Clone(head), tEmbed, 0xff, 0x7f), v[len(head):]...),
		"a verbatim":      append(append(bytes.Clone(head), tEmbed, byte(len(verbatim))), append(verbatim, tArrayEnd, kEnd)...),
		"a plain element": append(bytes.Clone(head), tTrue, tArrayEnd, kEnd),
		"nothing":         nil,
	} {
		if got, ok := EmbeddedList(bad, "ops"); ok {
			t.Errorf("%s: EmbeddedList = %q, true", name, got)
		}
	}
}

// FuzzEmbeddedList: whatever the bytes, EmbeddedList does not panic, and
// a list it takes is built again, byte for byte, from what it returns.
func FuzzEmbeddedList(f *testing.F) {
	v := AppendArray(AppendKey(AppendObject(AppendTag(nil)), "ops"))
	for _, r := range records(f)[:3] {
		v, _ = AppendEmbedded(v, Pack(nil, r))
	}
	f.Add(AppendEnd(AppendArrayEnd(v)))
	f.Add([]byte{tag, tObject})
	f.Fuzz(func(t *testing.T, v []byte) {
		elems, ok := EmbeddedList(v, "ops")
		if !ok {
			return
		}
		again := AppendArray(AppendKey(AppendObject(AppendTag(nil)), "ops"))
		for _, e := range elems {
			var err error
			if again, err = AppendEmbedded(again, e); err != nil {
				t.Fatalf("an element it took does not embed: %v", err)
			}
		}
		if again = AppendEnd(AppendArrayEnd(again)); !bytes.Equal(again, v) {
			t.Fatalf("built again: %x; was %x", again, v)
		}
	})
}
