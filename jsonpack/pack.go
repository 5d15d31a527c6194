package jsonpack

import (
	"bytes"
	"encoding/binary"
)

// Pack appends to dst the packed form of src, a compact JSON value, or src
// itself unchanged when it cannot promise Unpack gives back exactly these
// bytes (not compact, not valid, nested deeper than 64, 2 GiB or more)
// or when packing would not make it smaller. The one exception: src that
// starts with the format tag (so is not JSON) is wrapped, two bytes more,
// since Unpack would take it for packed. src and dst must not overlap.
func Pack(dst, src []byte) []byte {
	start := len(dst)
	if len(src) > 0 && src[0] != tag && len(src) <= maxPacked {
		var p packer
		if out, ok := p.pack(dst, src); ok && len(out)-start < len(src) {
			return out
		}
		dst = dst[:start]
	}
	if len(src) > 0 && src[0] == tag {
		dst = append(dst, tag, tVerbatim)
	}
	return append(dst, src...)
}

// packer holds what Pack knows of the strings it wrote, to write a string
// seen before as a reference to it (a node's id or an author repeats in
// every stamp of a record).
type packer struct {
	base  int                 // where the packed value starts in dst
	n     int                 // strings numbered so far
	slots [1 << refBits]uint8 // a numbered string + 1, by the hash of its token
	at    [maxRefs]uint32     // a slotted string's token, from base
	size  [maxRefs]uint8      // and its length
}

const refBits = 7

// maxPacked bounds what Pack packs, so that offsets fit the packer's
// uint32s; a record is never near it.
const maxPacked = 1<<31 - 1

// pack writes the tag and src's tokens in one pass, failing on anything
// that is not compact JSON.
func (p *packer) pack(dst, src []byte) ([]byte, bool) {
	p.base = len(dst)
	dst = append(dst, tag)
	var objects uint64 // bit d-1 set: the container at depth d is an object
	depth, i := 0, 0
	var ok bool
	for {
		// A value starts at src[i].
		if i >= len(src) {
			return dst, false
		}
		switch c := src[i]; c {
		case '{':
			if depth == maxDepth {
				return dst, false
			}
			objects |= 1 << depth
			depth++
			dst = append(dst, tObject)
			i++
			if i < len(src) && src[i] == '}' {
				dst = append(dst, kEnd)
				depth--
				i++
				break
			}
			if dst, i, ok = packKey(dst, src, i); !ok {
				return dst, false
			}
			continue
		case '[':
			if depth == maxDepth {
				return dst, false
			}
			objects &^= 1 << depth
			depth++
			dst = append(dst, tArray)
			i++
			if i < len(src) && src[i] == ']' {
				dst = append(dst, tArrayEnd)
				depth--
				i++
				break
			}
			continue
		case '"':
			n := stringEnd(src[i+1:])
			if n < 0 {
				return dst, false
			}
			dst = p.str(dst, src[i+1:i+1+n])
			i += n + 2
		case 't':
			if !bytes.HasPrefix(src[i:], []byte("true")) {
				return dst, false
			}
			dst = append(dst, tTrue)
			i += 4
		case 'f':
			if !bytes.HasPrefix(src[i:], []byte("false")) {
				return dst, false
			}
			dst = append(dst, tFalse)
			i += 5
		case 'n':
			if !bytes.HasPrefix(src[i:], []byte("null")) {
				return dst, false
			}
			dst = append(dst, tNull)
			i += 4
		default:
			n, isInt := numberEnd(src[i:])
			if n == 0 {
				return dst, false
			}
			dst = appendNumber(dst, src[i:i+n], isInt)
			i += n
		}
		// A value ended: close what it ends, then find the next one.
		for {
			if depth == 0 {
				return dst, i == len(src)
			}
			if i >= len(src) {
				return dst, false
			}
			inObject := objects>>(depth-1)&1 == 1
			c := src[i]
			i++
			if c == ',' {
				if inObject {
					if dst, i, ok = packKey(dst, src, i); !ok {
						return dst, false
					}
				}
				break
			}
			switch {
			case inObject && c == '}':
				dst = append(dst, kEnd)
			case !inObject && c == ']':
				dst = append(dst, tArrayEnd)
			default:
				return dst, false
			}
			depth--
		}
	}
}

// packKey writes the key at src[i] and steps over it and its colon.
func packKey(dst, src []byte, i int) ([]byte, int, bool) {
	if i >= len(src) || src[i] != '"' {
		return dst, i, false
	}
	n := stringEnd(src[i+1:])
	if n < 0 {
		return dst, i, false
	}
	k := src[i+1 : i+1+n]
	i += n + 2
	if i >= len(src) || src[i] != ':' {
		return dst, i, false
	}
	if x := keyIndex(k); x >= 0 {
		return append(dst, kTable+byte(x)), i + 1, true
	}
	return appendLen(dst, kLiteral, k), i + 1, true
}

// str writes a string value's token, or a reference to the same token
// written before.
func (p *packer) str(dst, s []byte) []byte {
	at := len(dst)
	var ok bool
	if dst, ok = appendSpecial(dst, s); !ok {
		if len(s) < shortStrs {
			dst = append(append(dst, tShortStr+byte(len(s))), s...)
		} else {
			dst = appendLen(dst, tString, s)
		}
	}
	tok := dst[at:]
	slot := -1
	if len(tok) > 2 && len(tok) <= refMaxLen { // a reference takes two bytes
		h := sample(tok) >> (32 - refBits)
		if e := p.slots[h]; e != 0 {
			o := p.base + int(p.at[e-1])
			if bytes.Equal(dst[o:o+int(p.size[e-1])], tok) {
				return append(dst[:at], tRef, e-1)
			}
		}
		slot = int(h)
	}
	if p.n < maxRefs {
		if slot >= 0 {
			p.slots[slot] = uint8(p.n + 1)
			p.at[p.n] = uint32(at - p.base)
			p.size[p.n] = uint8(len(tok))
		}
		p.n++
	}
	return dst
}

// appendNumber writes a number as a small or zigzag integer when it is
// written as strconv.FormatInt would write its value, else as its text.
func appendNumber(dst, num []byte, isInt bool) []byte {
	if isInt {
		if v, ok := canonicalInt(num); ok {
			if v >= 0 && v < smallInts {
				return append(dst, tSmallInt+byte(v))
			}
			return binary.AppendUvarint(append(dst, tInt), uint64(v<<1)^uint64(v>>63))
		}
	}
	return appendLen(dst, tNumber, num)
}
