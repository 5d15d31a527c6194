package jsonpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// ErrDamaged is wrapped by every error of Unpack: the value is not one
// Pack wrote, as after damage on disk.
var ErrDamaged = errors.New("damaged packed value")

// ErrTooLarge is wrapped by UnpackMax's error for a value whose JSON is
// longer than its caller allows.
var ErrTooLarge = errors.New("unpacked value too large")

// Packed reports whether v is in packed form: its first byte is the format
// tag, 0x01.
func Packed(v []byte) bool { return len(v) > 0 && v[0] == tag }

// Unpack appends to dst the JSON text of v: v as Pack wrote it, or, when
// v is not Packed, v itself (JSON stored before packing existed). Bytes
// Pack did not write give an error wrapping ErrDamaged and dst as it was,
// never a panic, and never more than 64 times len(v) plus 1 KiB of output.
func Unpack(dst, v []byte) ([]byte, error) { return unpack(dst, v, -1) }

// UnpackNew is Unpack into a new slice of the JSON's exact length, for a
// value that is kept (a log entry in a pull's page, an op waiting to be
// pushed): it unpacks into a buffer it reuses and copies the JSON out, one
// allocation. Unpack(nil, v) grows the JSON by doubling from nothing,
// which allocated about three times the bytes it kept and left up to
// twice their room in the value (a fresh pull of the demo book: 170 MB of
// its 3.2 GB).
//
// The JSON is copied out before the buffer goes back to the pool: once
// there, another goroutine may take it and unpack into it.
func UnpackNew(v []byte) ([]byte, error) {
	buf := scratch.Get().(*[]byte)
	out, err := Unpack((*buf)[:0], v)
	var kept []byte
	if err == nil {
		kept = append(make([]byte, 0, len(out)), out...)
	}
	if cap(out) <= maxScratch {
		*buf = out[:0]
	}
	scratch.Put(buf)
	return kept, err
}

// scratch holds UnpackNew's buffers; one that grew past maxScratch (a
// record with megabytes of notes) is not kept.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

const maxScratch = 256 << 10

// UnpackMax is Unpack for bytes from a stranger, such as a request body
// (issue 15: a small packed push may not make the server hold more than a
// plain push may): when the JSON of v would be longer than limit bytes it
// returns dst as it was and an error wrapping ErrTooLarge, having written
// no more than about limit plus len(v) bytes of it.
func UnpackMax(dst, v []byte, limit int) ([]byte, error) { return unpack(dst, v, max(limit, 0)) }

// unpack is Unpack, and UnpackMax when limit is not negative.
func unpack(dst, v []byte, limit int) ([]byte, error) {
	if !Packed(v) {
		if limit >= 0 && len(v) > limit {
			return dst, tooLarge(limit)
		}
		return append(dst, v...), nil
	}
	if len(v) > 1 && v[1] == tVerbatim {
		// Pack wraps only what starts with the tag itself.
		if len(v) < 3 || v[2] != tag {
			return dst, damaged("bad wrapping", 1)
		}
		if limit >= 0 && len(v)-2 > limit {
			return dst, tooLarge(limit)
		}
		return append(dst, v[2:]...), nil
	}
	u := unpacker{max: limit}
	out, err := u.unpack(dst, v)
	if err != nil {
		return out[:len(dst)], err // dst as it was, not half a value
	}
	return out, nil
}

// unpacker numbers the strings it writes as Pack did, for tRef.
type unpacker struct {
	base, limit int
	max         int       // UnpackMax's bound, or -1
	capped      bool      // limit is UnpackMax's bound, not the format's
	embeds      int       // the values this one is embedded in (embed.go)
	in          *unpacker // reads the values embedded in this one
	n           int
	at, end     [maxRefs]uint32 // each numbered string's JSON, from base
}

func damaged(what string, i int) error {
	return fmt.Errorf("%w: %s at byte %d", ErrDamaged, what, i)
}

func tooLarge(limit int) error {
	return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
}

// over is the error for output past u.limit: too large for UnpackMax's
// caller, or more than Pack can have written.
func (u *unpacker) over(i int) error {
	if u.capped {
		return tooLarge(u.max)
	}
	return damaged("too large", i)
}

func (u *unpacker) unpack(out, v []byte) ([]byte, error) {
	u.base = len(out)
	u.limit = u.base + 64*len(v) + 1024
	if u.max >= 0 && u.max < 64*len(v)+1024 {
		u.limit, u.capped = u.base+u.max, true
	}
	return u.walk(out, v, maxDepth)
}

// walk writes the JSON of the packed value v, holding the output to
// u.limit and its containers to room deep.
func (u *unpacker) walk(out, v []byte, room int) ([]byte, error) {
	var objects uint64 // bit d-1 set: the container at depth d is an object
	depth, i := 0, 1
	first := true // the next item is its container's first: no comma
	for {
		// One token writes at most a key and a value, each no longer than
		// its packed bytes or a few dozen: checked once a token, the
		// output stays within about the limit plus len(v).
		if len(out) > u.limit {
			return out, u.over(i)
		}
		if depth > 0 {
			if i >= len(v) {
				return out, damaged("cut short", i)
			}
			t := v[i]
			if objects>>(depth-1)&1 == 1 {
				i++
				if t == kEnd {
					out = append(out, '}')
					if depth--; depth == 0 {
						return u.done(out, v, i)
					}
					first = false
					continue
				}
				if !first {
					out = append(out, ',')
				}
				if t == kLiteral {
					k, n := readLen(v[i:])
					if n <= 0 || !validContent(k) {
						return out, damaged("bad key", i)
					}
					out = append(append(append(out, '"'), k...), '"', ':')
					i += n
				} else if x := int(t - kTable); x < len(keyJSON) {
					out = append(out, keyJSON[x]...)
				} else {
					return out, damaged("unknown key", i-1)
				}
			} else {
				if t == tArrayEnd {
					i++
					out = append(out, ']')
					if depth--; depth == 0 {
						return u.done(out, v, i)
					}
					first = false
					continue
				}
				if !first {
					out = append(out, ',')
				}
			}
		}
		// A value.
		if i >= len(v) {
			return out, damaged("cut short", i)
		}
		t := v[i]
		i++
		at := len(out)
		switch {
		case t >= tShortStr:
			n := int(t - tShortStr)
			if n > len(v)-i || !validContent(v[i:i+n]) {
				return out, damaged("bad string", i-1)
			}
			out = append(append(append(out, '"'), v[i:i+n]...), '"')
			i += n
		case t >= tSmallInt:
			if t -= tSmallInt; t >= 10 {
				out = append(out, '0'+t/10)
			}
			out = append(out, '0'+t%10)
			at = -1
		case t >= tTime && t < tTime+10:
			nd := int(t - tTime)
			m := 5 + fracBytes[nd]
			if m > len(v)-i {
				return out, damaged("cut short", i)
			}
			var ok bool
			if out, ok = appendTimeText(out, v[i:i+m], nd); !ok {
				return out, damaged("bad time", i-1)
			}
			i += m
		default:
			at = -1
			switch t {
			case tObject, tArray:
				if depth == room {
					return out, damaged("nested too deep", i-1)
				}
				if t == tObject {
					objects |= 1 << depth
					out = append(out, '{')
				} else {
					objects &^= 1 << depth
					out = append(out, '[')
				}
				depth++
				first = true
				continue
			case tFalse:
				out = append(out, "false"...)
			case tTrue:
				out = append(out, "true"...)
			case tNull:
				out = append(out, "null"...)
			case tString:
				s, n := readLen(v[i:])
				if n <= 0 || !validContent(s) {
					return out, damaged("bad string", i-1)
				}
				out = append(append(append(out, '"'), s...), '"')
				i += n
				at = len(out) - len(s) - 2
			case tUUID:
				if len(v)-i < 16 {
					return out, damaged("cut short", i)
				}
				out = appendUUIDText(out, v[i:i+16])
				i += 16
				at = len(out) - uuidLen - 2
			case tDate:
				if len(v)-i < 3 {
					return out, damaged("cut short", i)
				}
				d := uint64(v[i])<<16 | uint64(v[i+1])<<8 | uint64(v[i+2])
				if d >= dateMax {
					return out, damaged("bad date", i-1)
				}
				out = append(appendDateText(append(out, '"'), d), '"')
				i += 3
				at = len(out) - dateLen - 2
			case tInt:
				z, n := binary.Uvarint(v[i:])
				if n <= 0 {
					return out, damaged("bad integer", i-1)
				}
				out = strconv.AppendInt(out, int64(z>>1)^-int64(z&1), 10)
				i += n
			case tNumber:
				s, n := readLen(v[i:])
				if m, _ := numberEnd(s); n <= 0 || m == 0 || m != len(s) {
					return out, damaged("bad number", i-1)
				}
				out = append(out, s...)
				i += n
			case tEmbed:
				// A value of its own, with its own numbered strings
				// and its own 64 levels (embed.go), as Pack took it,
				// wherever it is embedded; the output limit is shared.
				s, n := readLen(v[i:])
				if n <= 0 || len(s) < 2 || s[0] != tag || s[1] == tVerbatim {
					return out, damaged("bad embedded value", i-1)
				}
				if u.embeds == maxEmbeds {
					return out, damaged("embedded too deep", i-1)
				}
				if u.in == nil {
					u.in = new(unpacker) // one for every value embedded at this level
				}
				in := u.in
				in.base, in.limit, in.max, in.capped, in.embeds, in.n = len(out), u.limit, u.max, u.capped, u.embeds+1, 0
				var err error
				if out, err = in.walk(out, s, maxDepth); err != nil {
					return out, fmt.Errorf("in the value embedded at byte %d: %w", i-1, err)
				}
				i += n
			case tRef:
				if i >= len(v) || int(v[i]) >= u.n {
					return out, damaged("bad reference", i-1)
				}
				s := out[u.base+int(u.at[v[i]]) : u.base+int(u.end[v[i]])]
				if len(out)+len(s) > u.limit {
					return out, u.over(i - 1)
				}
				out = append(out, s...)
				i++
			default:
				return out, damaged(fmt.Sprintf("unknown token %#x", t), i-1)
			}
		}
		if at >= 0 && u.n < maxRefs {
			u.at[u.n], u.end[u.n] = uint32(at-u.base), uint32(len(out)-u.base)
			u.n++
		}
		if depth == 0 {
			return u.done(out, v, i)
		}
		first = false
	}
}

// done checks that the value ended where v does.
func (u *unpacker) done(out, v []byte, i int) ([]byte, error) {
	if i != len(v) {
		return out, damaged("bytes after the value", i)
	}
	if len(out) > u.limit {
		return out, u.over(i)
	}
	return out, nil
}

// readLen reads a uvarint length and that many bytes after it; n is how
// many bytes that took, 0 or less when v is too short.
func readLen(v []byte) (s []byte, n int) {
	l, m := binary.Uvarint(v)
	if m <= 0 || l > uint64(len(v)-m) {
		return nil, 0
	}
	return v[m : m+int(l)], m + int(l)
}

func appendUUIDText(out, u []byte) []byte {
	var b [uuidLen + 2]byte
	b[0], b[uuidLen+1] = '"', '"'
	j := 1
	for i, c := range u[:16] {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexDigits[c>>4], hexDigits[c&15]
		j += 2
	}
	return append(out, b[:]...)
}

// appendTimeText writes the time packed in p (five bytes, then the
// fraction of nd digits), quoted.
func appendTimeText(out, p []byte, nd int) ([]byte, bool) {
	v := uint64(p[0])<<32 | uint64(p[1])<<24 | uint64(p[2])<<16 | uint64(p[3])<<8 | uint64(p[4])
	var frac uint64
	for i, c := range p[5:] {
		frac |= uint64(c) << (8 * i)
	}
	if v >= timeMax || frac >= pow10[nd] {
		return out, false
	}
	sec, v := v%61, v/61
	mi, v := v%60, v/60
	h, d := v%24, v/24
	var b [timeMaxLen + 2]byte
	t := appendDateText(append(b[:0], '"'), d)
	t = append2(append(t, 'T'), h)
	t = append2(append(t, ':'), mi)
	t = append2(append(t, ':'), sec)
	if nd > 0 {
		t = append(t, '.')
		for i := nd - 1; i >= 0; i-- {
			t = append(t, '0'+byte(frac/pow10[i]%10))
		}
	}
	return append(out, append(t, 'Z', '"')...), true
}

// appendDateText writes the date packed as d, which is below dateMax.
func appendDateText(dst []byte, d uint64) []byte {
	day, d := d%32, d/32
	mo, y := d%13, d/13
	return append(dst, '0'+byte(y/1000), '0'+byte(y/100%10), '0'+byte(y/10%10), '0'+byte(y%10),
		'-', '0'+byte(mo/10), '0'+byte(mo%10), '-', '0'+byte(day/10), '0'+byte(day%10))
}

func append2(dst []byte, v uint64) []byte { return append(dst, '0'+byte(v/10), '0'+byte(v%10)) }
