package jsonpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Values built by hand around values packed before (issue 15: a pull
// page around the ops its server stores packed). Pack never writes these
// tokens' combination itself; a server writes a page with them only for
// a client that says it reads embedded values (wire.PackEmbed), and
// Unpack reads them like any other token.
//
// The value token 0x18, then a uvarint length and that many bytes, is a
// value embedded whole: a packed value (the tag, then its tokens; not the
// verbatim form) whose strings are numbered for tRef among themselves,
// from 0, and are not counted among the enclosing value's. It nests at
// most 64 deep within itself, as Pack takes a value, wherever it is
// embedded (a value Pack stored embeds in a page three levels down), and
// embedded values nest at most 8 deep: the JSON nests at most 9 times 64
// deep. Its JSON counts toward the enclosing value's output bound.
//
// A value is built as the JSON it stands for is written: AppendTag once,
// then the containers, keys and values in order. Nothing checks the order
// as it is built; Unpack refuses a value built out of order.

// ErrNotCompact is AppendEmbedded's error for a value that is neither
// packed nor compact JSON Pack could pack.
var ErrNotCompact = errors.New("not a packed value nor compact JSON")

// AppendTag starts a value built by hand.
func AppendTag(dst []byte) []byte { return append(dst, tag) }

// AppendObject opens an object: keys and values follow, then AppendEnd.
func AppendObject(dst []byte) []byte { return append(dst, tObject) }

// AppendEnd closes an object.
func AppendEnd(dst []byte) []byte { return append(dst, kEnd) }

// AppendArray opens an array: values follow, then AppendArrayEnd.
func AppendArray(dst []byte) []byte { return append(dst, tArray) }

// AppendArrayEnd closes an array.
func AppendArrayEnd(dst []byte) []byte { return append(dst, tArrayEnd) }

// AppendKey writes an object's key, whose content (as written between its
// quotes) is key.
func AppendKey(dst []byte, key string) []byte {
	if x := keyIndex([]byte(key)); x >= 0 {
		return append(dst, kTable+byte(x))
	}
	return appendLen(dst, kLiteral, []byte(key))
}

// AppendUint writes the number v.
func AppendUint(dst []byte, v uint64) []byte {
	switch {
	case v < smallInts:
		return append(dst, tSmallInt+byte(v))
	case v <= 1<<63-1:
		return binary.AppendUvarint(append(dst, tInt), v<<1)
	}
	return appendLen(dst, tNumber, strconv.AppendUint(nil, v, 10))
}

// AppendBool writes true or false.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, tTrue)
	}
	return append(dst, tFalse)
}

// AppendString writes a string whose content, as written between its
// quotes in JSON (escapes included), is s.
func AppendString(dst []byte, s []byte) []byte {
	if len(s) < shortStrs {
		return append(append(dst, tShortStr+byte(len(s))), s...)
	}
	return appendLen(dst, tString, s)
}

// AppendEmbedded writes v, a value as Pack returned it, as one value of
// the value being built. A value Pack left as its JSON (not smaller
// packed) is packed here, smaller or not. It fails, writing nothing, for
// anything else. A packed value is taken as it is, unread: Unpack checks
// it where it is embedded, as it checks every token.
func AppendEmbedded(dst, v []byte) ([]byte, error) {
	if Packed(v) && len(v) > 1 && v[1] != tVerbatim {
		return appendLen(dst, tEmbed, v), nil
	}
	if len(v) == 0 || v[0] == tag || len(v) > maxPacked {
		return dst, fmt.Errorf("embed a value of %d bytes: %w", len(v), ErrNotCompact)
	}
	// Packed after its length, which is known once it is packed: it is
	// packed past the room a length can take, then moved down.
	start := len(dst)
	room := binary.MaxVarintLen64 + 1
	var p packer
	out, ok := p.pack(append(dst, make([]byte, room)...), v)
	if !ok {
		return out[:start], fmt.Errorf("embed a value of %d bytes: %w", len(v), ErrNotCompact)
	}
	n := len(out) - start - room
	head := binary.AppendUvarint(append(out[start:start], tEmbed), uint64(n))
	copy(out[start+len(head):], out[start+room:])
	return out[:start+len(head)+n], nil
}

// EmbeddedList returns the elements of v when v is exactly the object
// {key: [e0, e1, ...]} built by AppendTag, AppendObject, AppendKey(key),
// AppendArray, AppendEmbedded for each element, AppendArrayEnd and
// AppendEnd, with every element a packed value (the tag, then its tokens;
// not the verbatim form). The elements are slices of v, unread: Unpack
// checks each when it is unpacked. ok is false for anything else, which
// its reader unpacks whole, as any value.
//
// A client packs each op of a push on its own this way, so that a server
// keeps each as it came instead of unpacking the body, splitting its JSON
// and packing each op again (wire.DecodeEmbeddedPush).
func EmbeddedList(v []byte, key string) (elems [][]byte, ok bool) {
	var buf [64]byte
	head := AppendArray(AppendKey(AppendObject(AppendTag(buf[:0])), key))
	if len(v) < len(head) || string(v[:len(head)]) != string(head) {
		return nil, false
	}
	elems = [][]byte{}
	i := len(head)
	for i < len(v) && v[i] == tEmbed {
		n, w := binary.Uvarint(v[i+1:])
		from := i + 1 + w
		if w <= 0 || n > uint64(len(v)-from) {
			return nil, false
		}
		e := v[from : from+int(n)]
		if len(e) < 2 || e[0] != tag || e[1] == tVerbatim {
			return nil, false
		}
		elems = append(elems, e)
		i = from + int(n)
	}
	if len(v)-i != 2 || v[i] != tArrayEnd || v[i+1] != kEnd {
		return nil, false
	}
	return elems, true
}
