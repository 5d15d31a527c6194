package model

import (
	"strconv"
	"strings"
)

// Reading the append-only lists fast. A note's revisions are most of the
// bytes a sync moves, and checking, merging and storing them decoded the
// list into raw elements, then each element into its id and stamp, then
// encoded the list again (encoding/json compacts and escapes every
// element anew): six passes over every note. parseEntries reads a list in
// one pass that checks the JSON as it goes, and says whether the list is
// already as json.Marshal would write it, so a merge that keeps it in order
// stores it without encoding it again. It declines (ok false) anything
// where its reading might differ from encoding/json's (a key spelled in
// another case or with escapes, a repeated key, an id with escapes or
// bytes beyond ASCII), and the callers then take the encoding/json path,
// whose result it must equal.

// maxScanDepth bounds the nesting read; deeper text is declined (encoding/json
// takes up to 10,000 levels and decides).
const maxScanDepth = 500

// jsonScan walks JSON text, checking its grammar as encoding/json does.
type jsonScan struct {
	b     []byte
	i     int
	canon bool // no space between tokens, nothing json.Marshal would escape
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.canon = false
			s.i++
		default:
			return
		}
	}
}

// str reads a string at s.i (its opening quote) and reports whether it is
// plain: printable ASCII without escapes, so its bytes are its value.
func (s *jsonScan) str() (plain, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false, false
	}
	plain = true
	for s.i++; s.i < len(s.b); s.i++ {
		// Most of a note: one look-up a byte, not the cases below.
		b, i, high := s.b, s.i, byte(0)
		for ; i < len(b) && quiet[b[i]]; i++ {
			high |= b[i]
		}
		plain = plain && high < 0x80
		if s.i = i; i == len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			s.i++
			return plain, true
		case c < 0x20:
			return false, false
		case c == '\\':
			plain = false
			s.i++
			if s.i >= len(s.b) {
				return false, false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 >= len(s.b) {
					return false, false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false, false
					}
				}
				s.i += 4
			default:
				return false, false
			}
		case c == '<' || c == '>' || c == '&':
			s.canon = false
		case c >= 0x80:
			plain = false
			// U+2028 and U+2029, which json.Marshal escapes.
			if c == 0xE2 && s.i+2 < len(s.b) && s.b[s.i+1] == 0x80 && s.b[s.i+2]&^1 == 0xA8 {
				s.canon = false
			}
		}
	}
	return false, false
}

// quiet marks the bytes of a string str need not look at one by one:
// printable ASCII but the quote, the backslash and what json.Marshal
// escapes, and bytes beyond ASCII but the first of U+2028 and U+2029.
var quiet = func() (t [256]bool) {
	for c := 0x20; c < 0x100; c++ {
		t[c] = c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' || c >= 0x80 && c != 0xE2
	}
	return t
}()

func (s *jsonScan) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

func (s *jsonScan) number() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i >= len(s.b) {
		return false
	}
	if s.b[s.i] == '0' {
		s.i++
	} else if !s.digits() {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// value reads one value at s.i (no space before it).
func (s *jsonScan) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxScanDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		return s.object(depth+1, nil)
	case c == '[':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		for {
			if !s.value(depth + 1) {
				return false
			}
			if !s.sep(']') {
				return false
			}
			if s.b[s.i-1] == ']' {
				return true
			}
			s.ws()
		}
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	}
	return false
}

func (s *jsonScan) word(w string) bool {
	if !strings.HasPrefix(string(s.b[s.i:min(s.i+len(w), len(s.b))]), w) {
		return false
	}
	s.i += len(w)
	return true
}

// sep reads the space after a value and a comma or close, leaving s.i
// after it.
func (s *jsonScan) sep(close byte) bool {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ',' && s.b[s.i] != close {
		return false
	}
	s.i++
	return true
}

// object reads an object at s.i (its opening brace), calling member, when
// not nil, with each key's bytes (without quotes; only plain keys: member
// is never called for a key with escapes, and the read fails) and the
// span of its value.
func (s *jsonScan) object(depth int, member func(key []byte, from, to int) bool) bool {
	if depth > maxScanDepth {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		k := s.i
		plain, ok := s.str()
		if !ok || member != nil && !plain {
			return false
		}
		key := s.b[k+1 : s.i-1]
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		from := s.i
		if !s.value(depth) {
			return false
		}
		if member != nil && !member(key, from, s.i) {
			return false
		}
		if !s.sep('}') {
			return false
		}
		if s.b[s.i-1] == '}' {
			return true
		}
		s.ws()
	}
}

// entry reads an element of an append-only list at s.i: an object whose
// id and hlc it returns.
func (s *jsonScan) entry() (entryKey, bool) {
	var k entryKey
	var hlc []byte
	seenID := false
	ok := s.object(1, func(key []byte, from, to int) bool {
		switch {
		case string(key) == "id":
			if seenID {
				return false
			}
			seenID = true
			v := string(s.b[from:to])
			if !plainString(v) {
				return false
			}
			k.ID = v[1 : len(v)-1]
		case string(key) == "hlc":
			if hlc != nil {
				return false
			}
			hlc = s.b[from:to]
		case strings.EqualFold(string(key), "id") || strings.EqualFold(string(key), "hlc"):
			return false // encoding/json would match it: leave it to that
		}
		return true
	})
	if !ok {
		return k, false
	}
	if hlc != nil {
		if k.HLC, ok = parseHLC(hlc); !ok {
			return k, false
		}
	}
	return k, true
}

// parseHLC reads a stamp written as json.Marshal writes an HLC (keys in
// any order, others ignored); it declines what encoding/json might read
// otherwise, and that path decides.
func parseHLC(data []byte) (HLC, bool) {
	var h HLC
	if len(data) == 0 || data[0] != '{' {
		return h, false
	}
	var seen [3]bool
	s := jsonScan{b: data}
	ok := s.object(1, func(key []byte, from, to int) bool {
		v := string(data[from:to])
		var err error
		switch string(key) {
		case "wall_ms":
			if seen[0] || !isInteger(v) {
				return false
			}
			seen[0] = true
			h.Wall, err = strconv.ParseInt(v, 10, 64)
		case "counter":
			if seen[1] || !isInteger(v) || v[0] == '-' {
				return false
			}
			seen[1] = true
			var c uint64
			c, err = strconv.ParseUint(v, 10, 32)
			h.Counter = uint32(c)
		case "node":
			if seen[2] || !plainString(v) {
				return false
			}
			seen[2] = true
			h.Node = v[1 : len(v)-1]
		default:
			return !strings.EqualFold(string(key), "wall_ms") && !strings.EqualFold(string(key), "counter") &&
				!strings.EqualFold(string(key), "node")
		}
		return err == nil
	})
	return h, ok && s.i == len(data)
}

// isInteger reports whether v is a JSON number without fraction or
// exponent.
func isInteger(v string) bool {
	if strings.HasPrefix(v, "-") {
		v = v[1:]
	}
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// plainString reports whether v is a JSON string of printable ASCII
// without escapes, so that its bytes between the quotes are its value.
func plainString(v string) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	for i := 1; i < len(v)-1; i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

// parseEntries reads a JSON list of entries of an append-only list. ok is
// false when it declines (see above); canon says every byte is as
// json.Marshal would write it.
func parseEntries(data []byte) (list []keyedEntry, canon, ok bool) {
	s := jsonScan{b: data, canon: true}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		return nil, false, false
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
	} else {
		for {
			if s.i >= len(s.b) || s.b[s.i] != '{' {
				return nil, false, false
			}
			from := s.i
			k, ok := s.entry()
			if !ok {
				return nil, false, false
			}
			list = append(list, keyedEntry{key: k, data: data[from:s.i]})
			if !s.sep(']') {
				return nil, false, false
			}
			if s.b[s.i-1] == ']' {
				break
			}
			s.ws()
		}
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, false, false
	}
	return list, s.canon, true
}

// canonicalJSON reports whether data is one valid JSON value written as
// json.Marshal writes a json.RawMessage: no space between tokens and
// nothing it escapes.
func canonicalJSON(data []byte) bool {
	s := jsonScan{b: data, canon: true}
	return s.value(0) && s.i == len(s.b) && s.canon
}
