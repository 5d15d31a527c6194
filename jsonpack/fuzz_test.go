package jsonpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzRoundTrip checks the contract on any bytes: Unpack(Pack(b)) is b;
// Pack packs only valid JSON, and only smaller, but every compact JSON
// value; Unpack of anything stays within its bound and, without an error,
// writes valid JSON; UnpackMax is Unpack within a limit.
func FuzzRoundTrip(f *testing.F) {
	for _, r := range records(f) {
		f.Add(r)
		f.Add(Pack(nil, r))
	}
	for _, s := range []string{
		record,
		`{"text":"a \u003cb\u003e \"quoted\" back\\slash \/ \b\f\n\r\t \u00e9\u4E2D","tags":["key account","重点客户"]}`,
		`{"company":"汇丰食品股份有限公司","contacts":[{"name":"黄艳","phone":"131 7014 9943"}],"tags":[]}`,
		`[0,-1,1.5,1e3,1E+3,-2.5e-10,63,64,-64,9223372036854775807,-9223372036854775808,9223372036854775808,-0,100000000000000000000]`,
		`{"a":{},"b":[],"c":[{}],"d":[[]],"e":"","f":null,"g":true,"h":false}`,
		`{"f":{"stage":"won","owner":"ann"},"base":{"hlc":{"wall_ms":1796420947059,"counter":6,"node":"` + uuid + `"},"actor":"ann"},"stamps":{"stage":{"hlc":{"wall_ms":1796420947060,"counter":0,"node":"` + uuid + `"},"actor":"ann"}}}`,
		`{"at":"2026-02-30T24:60:61.1234567890Z","due":"2026-02-30","id":"01A243EB-eb13-73f0-88f4-8ec785ba271d"}`,
		`{"a": 1}`, ` {}`, `{"a":1,}`, "\x01\x17\x01{}", "\x01", "", `"\u12"`,
	} {
		f.Add([]byte(s))
		f.Add(Pack(nil, []byte(s)))
	}
	// Values embedded whole (embed.go), for Unpack's side of the contract.
	inner := Pack(nil, []byte(record))
	f.Add(appendLen(AppendTag(nil), tEmbed, inner))
	f.Add(AppendArrayEnd(appendLen(appendLen(AppendArray(AppendTag(nil)), tEmbed, inner), tEmbed, inner)))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := Pack([]byte("dst"), b)
		if string(p[:3]) != "dst" {
			t.Fatalf("Pack lost dst: %q", p)
		}
		p = p[3:]
		back, err := Unpack(nil, p)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("Unpack(Pack(%q)) = %q, %v (packed % x)", b, back, err, p)
		}
		if kept, err := UnpackNew(p); err != nil || !bytes.Equal(kept, b) || cap(kept) != len(kept) {
			t.Fatalf("UnpackNew(Pack(%q)) = %q (capacity %d), %v", b, kept, cap(kept), err)
		}
		if Packed(p) && p[1] != tVerbatim && (len(p) >= len(b) || !json.Valid(b)) {
			t.Fatalf("Pack(%q) packed %d bytes into %d", b, len(b), len(p))
		}
		// Whatever JSON b is, its compact form packs (when not too deep).
		if json.Valid(b) {
			var c bytes.Buffer
			_ = json.Compact(&c, b)
			var pk packer
			if _, ok := pk.pack(nil, c.Bytes()); !ok && depthOf(c.Bytes()) <= maxDepth {
				t.Fatalf("Pack cannot pack %q", c.Bytes())
			}
		}
		for _, v := range [][]byte{b, append([]byte{tag}, b...)} {
			out, err := Unpack(nil, v)
			// What it wrote before an error counts too; append at most
			// doubles what it holds.
			if bound := 64*len(v) + 1024; len(out) > bound || cap(out) > 2*bound {
				t.Fatalf("Unpack of %d bytes wrote %d (capacity %d)", len(v), len(out), cap(out))
			}
			if err == nil && Packed(v) && v[1] != tVerbatim && !json.Valid(out) {
				t.Fatalf("Unpack(% x) = %q, not JSON", v, out)
			}
		}
		// UnpackMax gives what Unpack gives when that fits its limit, and
		// refuses what does not, having written about the limit at most.
		for _, v := range [][]byte{b, p} {
			full, ferr := Unpack(nil, v)
			for _, limit := range []int{0, len(full) / 2, max(len(full)-1, 0), len(full)} {
				out, err := UnpackMax(nil, v, limit)
				switch {
				case ferr != nil:
					if err == nil {
						t.Fatalf("UnpackMax(% x, %d) took what Unpack refused: %v", v, limit, ferr)
					}
				case len(full) <= limit:
					if err != nil || !bytes.Equal(out, full) {
						t.Fatalf("UnpackMax(% x, %d) = %q, %v; Unpack %q", v, limit, out, err, full)
					}
				case !errors.Is(err, ErrTooLarge) || len(out) != 0:
					t.Fatalf("UnpackMax(% x, %d) = %q, %v; want too large", v, limit, out, err)
				}
				if cap(out) > 2*(limit+len(v)+1024) {
					t.Fatalf("UnpackMax(%d bytes, %d) grew its output to %d bytes", len(v), limit, cap(out))
				}
			}
		}
	})
}

// depthOf returns how deeply the containers of JSON text b nest.
func depthOf(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
