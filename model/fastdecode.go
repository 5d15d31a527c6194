package model

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// A record's fields are decoded into its typed model on every check: the
// server's for each record a push changes, a laptop's for each record a
// pull brings. Most of a record's values are plain strings, times, flags
// and integers; setFields sets those itself, each exactly as
// encoding/json would, and gives the others, as one object, to the strict
// decoder. Whenever it meets anything it does not read the way
// encoding/json does (a name in another case, a string with an escape, a
// number not a plain integer, a decoder's error), it declines, and
// decodeFields decodes the whole record with encoding/json as before, so
// the typed record and every error sentence stay encoding/json's.
// FuzzSetFields holds the two to the same answer. (Measured in
// BENCHMARKS.md, "The typed decode of a record's plain fields".)

// fieldWay says how setFields sets one field of a typed record.
type fieldWay struct {
	index []int
	how   fieldHow
}

type fieldHow uint8

const (
	setDecoded fieldHow = iota // by encoding/json's strict decoder
	setString                  // a string without escapes
	setBool
	setInt
	setJSON // its UnmarshalJSON, given a string without escapes
	setText // its UnmarshalText, given a string without escapes
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	// fieldWays holds, for each entity type, its fields by their JSON
	// names exactly as written in the struct tags.
	fieldWays = map[string]map[string]fieldWay{}
)

func init() {
	for _, typ := range EntityTypes {
		v, err := newOf(typ)
		if err != nil {
			continue
		}
		if ways, ok := waysOf(reflect.TypeOf(v).Elem()); ok {
			fieldWays[typ] = ways
		}
	}
}

// waysOf lists how each field of struct type t is set; ok is false for a
// struct whose names encoding/json finds in ways this table does not
// follow (an embedded struct).
func waysOf(t reflect.Type) (map[string]fieldWay, bool) {
	ways := map[string]fieldWay{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil, false
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if _, dup := ways[name]; dup {
			return nil, false
		}
		ways[name] = fieldWay{index: f.Index, how: howOf(f.Type, opts)}
	}
	return ways, true
}

func howOf(t reflect.Type, opts string) fieldHow {
	ptr := reflect.PointerTo(t)
	switch {
	case strings.Contains(","+opts+",", ",string,"):
		return setDecoded
	case t.Implements(jsonUnmarshaler) || ptr.Implements(jsonUnmarshaler):
		if ptr.Implements(jsonUnmarshaler) && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
			return setJSON
		}
		return setDecoded
	case t.Implements(textUnmarshaler) || ptr.Implements(textUnmarshaler):
		if ptr.Implements(textUnmarshaler) && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
			return setText
		}
		return setDecoded
	}
	switch t.Kind() {
	case reflect.String:
		return setString
	case reflect.Bool:
		return setBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return setInt
	}
	return setDecoded
}

// setFields sets the fields named by keys into v, a pointer to a new
// typed record of type typ, as encoding/json's strict decode of them as
// one object would; ok is false when it declines (see above), and then v
// may be half set.
func setFields(typ string, v any, keys []string, fields map[string]json.RawMessage) (ok bool) {
	ways := fieldWays[typ]
	if ways == nil {
		return false
	}
	rec := reflect.ValueOf(v).Elem()
	buf := decodeBufs.Get().(*decodeBuf)
	defer decodeBufs.Put(buf)
	rest := buf.keys[:0] // the fields for encoding/json, in one object
	defer func() { buf.keys = rest }()
	for _, name := range keys {
		way, found := ways[name]
		if !found {
			return false // another case, or no such field: encoding/json says which
		}
		raw := fields[name]
		if len(raw) == 0 {
			continue // written as null
		}
		f := rec.FieldByIndex(way.index)
		text, plain := unescaped(raw)
		switch {
		case way.how == setString && plain:
			f.SetString(string(text))
		case way.how == setBool && (string(raw) == "true" || string(raw) == "false"):
			f.SetBool(raw[0] == 't')
		case way.how == setInt && integer(raw):
			n, err := strconv.ParseInt(string(raw), 10, 64)
			if err != nil || f.OverflowInt(n) {
				return false
			}
			f.SetInt(n)
		case way.how == setJSON && plain:
			if f.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw) != nil {
				return false
			}
		case way.how == setText && plain:
			if f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(text) != nil {
				return false
			}
		default:
			rest = append(rest, name)
		}
	}
	if len(rest) == 0 {
		return true
	}
	// Only the fields it names: the decoder leaves the others as set.
	buf.data = appendObject(buf.data[:0], rest, fields)
	return decodeStrict(buf.data, v) == nil
}

// unescaped returns the text of raw when raw is a JSON string with no
// escape: its text is its bytes between the quotes. (Its UTF-8 is checked
// before.)
func unescaped(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	text := raw[1 : len(raw)-1]
	for _, c := range text {
		if c < 0x20 || c == '"' || c == '\\' {
			return nil, false
		}
	}
	return text, true
}

// integer reports whether raw is a JSON integer: an optional minus and
// digits without a leading zero.
func integer(raw []byte) bool {
	d := raw
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || (d[0] == '0' && len(d) > 1) {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
