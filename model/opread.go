package model

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Reading an op fast. The server decodes every pushed op, and a first push
// brings over a hundred thousand; encoding/json's Decoder spent most of
// that decode scanning each op twice (once to find its end, once to
// unmarshal it) and copying each field's value on its own. ReadOp reads
// an op written as json.Marshal writes one in a single pass with the
// scanner of the append-only lists (entries.go). It declines whatever
// encoding/json might read otherwise (a key in another case or with
// escapes, a repeated key, a string with escapes or bytes beyond ASCII, a
// null, a number that is not a plain integer), and DecodeOp then decides,
// so ReadOp answers every input as DecodeOp does (FuzzReadOp holds it to
// that).

// ReadOp is DecodeOp, faster for an op written as clients write one. The
// op's values share one copy of data.
func ReadOp(data []byte) (Op, error) { return readOp(data, true) }

// ReadOpShared is ReadOp whose values are slices of data itself, not of a
// copy: for a caller that leaves data as it is while the op is in use (the
// server, whose request bodies are read once).
func ReadOpShared(data []byte) (Op, error) { return readOp(data, false) }

func readOp(data []byte, copied bool) (Op, error) {
	if len(data) <= MaxOpBytes {
		scanned := data
		if copied {
			scanned = bytes.Clone(data)
		}
		if op, ok := scanOp(scanned); ok {
			if err := op.ValidateDecoded(); err != nil {
				return Op{}, err
			}
			return op, nil
		}
	}
	return DecodeOp(data)
}

// ScanFields reads the JSON object whose opening brace is data[at] as the
// fields of a record, as ScanOp reads an op's: its values are slices of
// data, and end is where the object ends. It declines (ok false) whatever
// encoding/json might read otherwise into a map[string]json.RawMessage,
// and the caller then decodes with encoding/json.
func ScanFields(data []byte, at int) (fields map[string]json.RawMessage, end int, ok bool) {
	s := jsonScan{b: data, i: at}
	if !s.fields(&fields) {
		return nil, at, false
	}
	for k, v := range fields {
		fields[k] = v[:len(v):len(v)] // an append to one never writes over the next
	}
	return fields, s.i, true
}

// scanOp reads data as an op, or declines (ok false).
func scanOp(data []byte) (op Op, ok bool) {
	s := jsonScan{b: data}
	s.ws()
	op, s.i, ok = ScanOp(data, s.i)
	if !ok {
		return Op{}, false
	}
	s.ws()
	return op, s.i == len(s.b)
}

// ScanOp reads the op whose opening brace is data[at] as ReadOp does, but
// neither validates it nor copies it: its values are slices of data, so
// a pull page's ops are read where they lie. end is where the op ends.
// It declines (ok false) whatever ReadOp leaves to DecodeOp, and the
// caller then decodes with encoding/json. The op's fields, most of its
// bytes, are split as they are checked, in one pass.
func ScanOp(data []byte, at int) (op Op, end int, ok bool) {
	s := jsonScan{b: data, i: at}
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return Op{}, at, false
	}
	var seen [9]bool
	once := func(i int) bool {
		if seen[i] {
			return false
		}
		seen[i] = true
		return true
	}
	member := func(key, v []byte) bool {
		if v[0] == 'n' {
			return false // null: leave it to encoding/json
		}
		switch string(key) {
		case "op_id":
			return once(0) && plainInto(&op.ID, v)
		case "entity":
			return once(1) && scanEntity(&op.Entity, v)
		case "kind":
			return once(2) && knownInto(&op.Kind, v)
		case "field":
			return once(4) && plainInto(&op.Field, v)
		case "entry":
			op.Entry = v
			return once(5)
		case "hlc":
			return once(6) && scanOpHLC(&op.HLC, v)
		case "actor":
			return once(7) && scanActor(&op.Actor, v)
		case "schema":
			if !once(8) || !isInteger(string(v)) {
				return false
			}
			n, err := strconv.ParseInt(string(v), 10, 64)
			op.Schema = int(n)
			return err == nil
		}
		return false // unknown, or another spelling of a known key
	}
	s.i++
	if s.ws(); s.i < len(s.b) && s.b[s.i] == '}' {
		return op, s.i + 1, true
	}
	for {
		k := s.i
		if plain, ok := s.str(); !ok || !plain {
			return Op{}, at, false
		}
		key := data[k+1 : s.i-1]
		if s.ws(); s.i >= len(s.b) || s.b[s.i] != ':' {
			return Op{}, at, false
		}
		s.i++
		s.ws()
		from := s.i
		if string(key) == "fields" {
			if !once(3) || !s.fields(&op.Fields) {
				return Op{}, at, false
			}
		} else if !s.value(1) || !member(key, data[from:s.i]) {
			return Op{}, at, false
		}
		if !s.sep('}') {
			return Op{}, at, false
		}
		if s.b[s.i-1] == '}' {
			return op, s.i, true
		}
		s.ws()
	}
}

// fields reads the op's fields at s.i: an object of plain keys, each
// once, whose values are kept as they are written.
func (s *jsonScan) fields(dst *map[string]json.RawMessage) bool {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	// The members are listed first and the map made at its size: grown
	// as they came, a record's map was made three or four times over.
	type member struct{ key, value []byte }
	var list [32]member
	members := list[:0]
	ok := s.object(2, func(key []byte, from, to int) bool {
		members = append(members, member{key, s.b[from:to]})
		return true
	})
	fields := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		if _, dup := fields[string(m.key)]; dup {
			ok = false
		}
		fields[intern(m.key)] = m.value
	}
	*dst = fields
	return ok
}

// known holds the names every op repeats: the records' fields, the
// entity types and the op kinds. A page of pulled ops names the same
// few dozen fields thousands of times; intern gives each one string
// instead of a new one per op.
var known = func() map[string]string {
	m := map[string]string{}
	for _, v := range []any{Lead{}, Activity{}, Task{}, Complaint{}, Approval{}, ServiceOrder{}, Target{}} {
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			m[name] = name
		}
	}
	for _, name := range append(slices.Clone(EntityTypes), OpCreate, OpSet, OpDelete, OpAppend) {
		m[name] = name
	}
	return m
}()

// intern returns b as a string, a shared one when it is known.
func intern(b []byte) string {
	if s, ok := known[string(b)]; ok {
		return s
	}
	return string(b)
}

// SkipJSON returns where the JSON value that starts at data[at] ends,
// checking its grammar as encoding/json does. It declines (ok false) a
// value that is not JSON or is nested deeper than this scanner reads;
// encoding/json then decides.
func SkipJSON(data []byte, at int) (end int, ok bool) {
	s := jsonScan{b: data, i: at}
	if !s.value(0) {
		return at, false
	}
	return s.i, true
}

// plainInto sets *dst to the JSON string v if it is plain (plainString).
func plainInto(dst *string, v []byte) bool {
	if !plainString(string(v)) {
		return false
	}
	*dst = string(v[1 : len(v)-1])
	return true
}

// knownInto is plainInto for a value most often known (intern).
func knownInto(dst *string, v []byte) bool {
	if !plainString(string(v)) {
		return false
	}
	*dst = intern(v[1 : len(v)-1])
	return true
}

// scanMembers reads the object v, declining a key that is not in names
// or comes twice; set gets each member's value.
func scanMembers(v []byte, names []string, set func(i int, val []byte) bool) bool {
	if v[0] != '{' {
		return false
	}
	var seen [3]bool
	s := jsonScan{b: v}
	ok := s.object(1, func(key []byte, from, to int) bool {
		for i, n := range names {
			if string(key) == n {
				if seen[i] || v[from] == 'n' {
					return false
				}
				seen[i] = true
				return set(i, v[from:to])
			}
		}
		return false
	})
	return ok && s.i == len(v)
}

func scanEntity(e *EntityRef, v []byte) bool {
	return scanMembers(v, []string{"type", "id"}, func(i int, val []byte) bool {
		if i == 0 {
			return knownInto(&e.Type, val)
		}
		return plainInto(&e.ID, val)
	})
}

func scanActor(a *Actor, v []byte) bool {
	return scanMembers(v, []string{"user", "device"}, func(i int, val []byte) bool {
		if i == 0 {
			return plainInto(&a.User, val)
		}
		return plainInto(&a.Device, val)
	})
}

// scanOpHLC reads the op's stamp: parseHLC, with no key but the stamp's
// own (the op is decoded refusing unknown fields).
func scanOpHLC(h *HLC, v []byte) bool {
	keys := scanMembers(v, []string{"wall_ms", "counter", "node"}, func(int, []byte) bool { return true })
	if !keys {
		return false
	}
	var ok bool
	*h, ok = parseHLC(v)
	return ok
}

// EntryValues returns, for each element of the JSON list data (a create's
// append-only list), the value of its member key as written, nil where it
// has none: what decoding data into []map[string]json.RawMessage and
// reading key gives. ok is false when it declines (anything but a list of
// objects with plain keys, each once), and the caller decodes with
// encoding/json instead.
func EntryValues(data []byte, key string) (vals []json.RawMessage, ok bool) {
	s := jsonScan{b: data}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		return nil, false
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.ws()
		return []json.RawMessage{}, s.i == len(s.b)
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '{' {
			return nil, false
		}
		var v json.RawMessage
		var keys []string
		ok := s.object(1, func(k []byte, from, to int) bool {
			if slices.Contains(keys, string(k)) {
				return false
			}
			keys = append(keys, string(k))
			if string(k) == key {
				v = data[from:to]
			}
			return true
		})
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
		if !s.sep(']') {
			return nil, false
		}
		if s.b[s.i-1] == ']' {
			break
		}
		s.ws()
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, false
	}
	return vals, true
}
