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
// and integers, and lists and objects of those (a note's revisions, a
// lead's contacts); setFields sets those itself, each exactly as
// encoding/json would, and gives the others (maps, pointers), as one
// object, to the strict decoder. A field it does not read the way
// encoding/json does (a null inside it, a name in another case, a
// number not a plain integer) goes to the strict decoder too; a name that
// is not a field's, or any error of that decoder, makes it decline, and
// decodeFields decodes the whole record with encoding/json as before, so
// the typed record and every error sentence stay encoding/json's.
// FuzzSetFields holds the two to the same answer. (Measured in
// BENCHMARKS.md, "The typed decode of a record's plain fields".)

// fieldWay says how setFields sets one field of a typed record, or one
// element of a list.
type fieldWay struct {
	index []int
	n     int // the field's place in its struct, for telling a repeated name
	how   fieldHow
	ways  map[string]fieldWay // setObject: the struct's fields
	elem  *fieldWay           // setList: how each element is set
}

type fieldHow uint8

const (
	setDecoded fieldHow = iota // by encoding/json's strict decoder
	setString                  // a string
	setBool
	setInt
	setUint
	setJSON   // its UnmarshalJSON, given a string without escapes
	setText   // its UnmarshalText, given a string without escapes
	setObject // a struct, each of its fields in one of these ways
	setList   // a slice, each element in one of these ways
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
		if ways, ok := waysOf(reflect.TypeOf(v).Elem(), 0); ok {
			fieldWays[typ] = ways
		}
	}
}

// waysOf lists how each field of struct type t is set; ok is false for a
// struct whose names encoding/json finds in ways this table does not
// follow (an embedded struct, two fields of one name), or too deep.
func waysOf(t reflect.Type, depth int) (map[string]fieldWay, bool) {
	if depth > 4 || t.NumField() > 64 {
		return nil, false
	}
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
		way := wayOf(f.Type, opts, depth)
		way.index, way.n = f.Index, i
		ways[name] = way
	}
	return ways, true
}

func wayOf(t reflect.Type, opts string, depth int) fieldWay {
	ptr := reflect.PointerTo(t)
	switch {
	case strings.Contains(","+opts+",", ",string,"):
		return fieldWay{how: setDecoded}
	case t.Implements(jsonUnmarshaler) || ptr.Implements(jsonUnmarshaler):
		if ptr.Implements(jsonUnmarshaler) && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
			return fieldWay{how: setJSON}
		}
		return fieldWay{how: setDecoded}
	case t.Implements(textUnmarshaler) || ptr.Implements(textUnmarshaler):
		if ptr.Implements(textUnmarshaler) && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
			return fieldWay{how: setText}
		}
		return fieldWay{how: setDecoded}
	}
	switch t.Kind() {
	case reflect.String:
		return fieldWay{how: setString}
	case reflect.Bool:
		return fieldWay{how: setBool}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fieldWay{how: setInt}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fieldWay{how: setUint}
	case reflect.Struct:
		if ways, ok := waysOf(t, depth+1); ok {
			return fieldWay{how: setObject, ways: ways}
		}
	case reflect.Slice:
		// Not []byte: encoding/json reads it from base64.
		if t.Elem().Kind() != reflect.Uint8 {
			if elem := wayOf(t.Elem(), "", depth+1); elem.how != setDecoded {
				return fieldWay{how: setList, elem: &elem}
			}
		}
	}
	return fieldWay{how: setDecoded}
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
		if f := rec.FieldByIndex(way.index); way.how == setDecoded || !setValue(f, way, raw, 0) {
			f.SetZero() // perhaps half set: encoding/json decodes it whole
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

// setValue sets f from raw, one JSON value without space around it, as
// encoding/json decodes it into f, and reports whether it could; when it
// could not, f may be half set.
func setValue(f reflect.Value, way fieldWay, raw []byte, depth int) bool {
	if depth > maxScanDepth || len(raw) == 0 {
		return false
	}
	text, plain := unescaped(raw)
	switch way.how {
	case setString:
		if plain {
			f.SetString(string(text))
			return true
		}
		if s, ok := unquoteShort(raw); ok { // a note's newlines
			f.SetString(s)
			return true
		}
		var s string // other escapes: encoding/json reads them
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return false
		}
		f.SetString(s)
		return true
	case setBool:
		if string(raw) != "true" && string(raw) != "false" {
			return false
		}
		f.SetBool(raw[0] == 't')
		return true
	case setInt:
		if !integer(raw) {
			return false
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || f.OverflowInt(n) {
			return false
		}
		f.SetInt(n)
		return true
	case setUint:
		if !integer(raw) || raw[0] == '-' {
			return false
		}
		n, err := strconv.ParseUint(string(raw), 10, 64)
		if err != nil || f.OverflowUint(n) {
			return false
		}
		f.SetUint(n)
		return true
	case setJSON:
		return plain && f.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw) == nil
	case setText:
		return plain && f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(text) == nil
	case setObject:
		return raw[0] == '{' && setMembers(f, way.ways, raw, depth+1)
	case setList:
		return raw[0] == '[' && setElements(f, *way.elem, raw, depth+1)
	}
	return false
}

// setMembers sets the struct f from raw, an object: each member a field of
// f's, named once, and none null.
func setMembers(f reflect.Value, ways map[string]fieldWay, raw []byte, depth int) bool {
	s := jsonScan{b: raw}
	var seen uint64
	return s.object(depth, func(key []byte, from, to int) bool {
		way, found := ways[string(key)]
		if !found || seen&(1<<way.n) != 0 || string(raw[from:to]) == "null" {
			return false
		}
		seen |= 1 << way.n
		return way.how != setDecoded && setValue(f.FieldByIndex(way.index), way, raw[from:to], depth)
	}) && s.i == len(raw)
}

// setElements sets the slice f, a new record's (nil), from raw, a list:
// none of its elements null. An empty list is an empty slice, not nil, as
// encoding/json makes. The elements are set where they lie in f, grown
// as they come.
func setElements(f reflect.Value, elem fieldWay, raw []byte, depth int) bool {
	s := jsonScan{b: raw, i: 1}
	s.ws()
	if s.i < len(raw) && raw[s.i] == ']' {
		f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		return s.i+1 == len(raw)
	}
	for n := 0; ; n++ {
		from := s.i
		if !s.value(depth) || string(raw[from:s.i]) == "null" {
			return false
		}
		if n == f.Cap() {
			f.Grow(max(n, 2))
		}
		f.SetLen(n + 1)
		if !setValue(f.Index(n), elem, raw[from:s.i], depth) {
			return false
		}
		if !s.sep(']') {
			return false
		}
		if raw[s.i-1] == ']' {
			return s.i == len(raw)
		}
		s.ws()
	}
}

// unquoteShort returns the JSON string raw as encoding/json reads it when
// its only escapes are the short ones (\n, \t, \", ...); ok is false for
// any other (\u, which encoding/json reads with its rules for broken
// surrogates). raw's UTF-8 is checked before.
func unquoteShort(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	text := raw[1 : len(raw)-1]
	var b strings.Builder // one allocation, the string's own
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\':
			if i++; i == len(text) {
				return "", false
			}
			switch text[i] {
			case '"', '\\', '/':
				c = text[i]
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			default:
				return "", false
			}
		case c < 0x20 || c == '"':
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
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
