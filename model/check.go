package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The checks on this page are the one validation that the client runs
// before it writes and the server runs before it accepts an op: a value
// passes them only if every replica can decode it into the typed model,
// show it on a terminal without harm and sum it in a report. They walk the
// typed records by reflection, so a field added to Lead or Activity is
// checked from the day it is added. A struct tag says what kind of text a
// string holds:
//
//	(none)     one line, at most MaxTextLen bytes
//	name       one line, at most MaxNameLen bytes
//	multi      several lines, at most MaxTextLen bytes
//	notes      several lines, at most MaxNotesLen bytes
//	stamp      (a time) when the change was made: never in the future
//	append     (a list) append-only: bounded by the user's quota, not here
//
// One line means no control characters (C0, DEL, C1) and no bidirectional
// override or isolate characters, which can make a terminal show text in
// another order than it is stored. Several lines may also hold newline and
// tab. A terminal escape sequence starts with ESC or CSI (U+009B), both
// refused, so no checked text can carry one.

// Limits of the checks beyond those in lead.go.
const (
	MaxListLen = 100  // elements of a list that is not append-only
	MaxMapKeys = 50   // keys of a map (screening, custom fields)
	MaxKeyLen  = 64   // bytes of a map key
	MaxAmount  = 1e14 // minor units: 10,000 such values still sum in an int64
	MaxCounter = 1 << 30
	minYear    = 1900
	maxYear    = 2200
)

// CheckFields checks the fields an op sets (or a record holds) on an
// entity of type typ: every name is a field of the typed model, every
// value decodes into it, and every value in it passes the text, count,
// range and time rules above. Null values clear a field and pass. Times
// marked as stamps must not be after latest (zero: no bound).
func CheckFields(typ string, fields map[string]json.RawMessage, latest time.Time) error {
	v, err := decodeFields(typ, fields)
	if err != nil {
		return err
	}
	var es Errors
	checkTyped(&es, v, latest)
	return es.Err()
}

// decodeFields decodes fields strictly into a new typed record of type
// typ, naming the field that does not fit.
func decodeFields(typ string, fields map[string]json.RawMessage) (any, error) {
	return decodeFieldsBy(typ, fields, setFields)
}

// decodeFieldsBy is decodeFields with set as its first way to set the
// fields (the tests' reference sets none).
func decodeFieldsBy(typ string, fields map[string]json.RawMessage, set func(string, any, []string, map[string]json.RawMessage) bool) (any, error) {
	v, err := newOf(typ)
	if err != nil {
		return nil, err
	}
	buf := decodeBufs.Get().(*decodeBuf)
	defer decodeBufs.Put(buf)
	keys := buf.keys[:0]
	var es Errors
	for name, raw := range fields {
		if isNull(raw) {
			continue
		}
		if !utf8.Valid(raw) {
			es.add(name, "is not valid UTF-8 text")
			continue
		}
		keys = append(keys, name)
	}
	if len(es) > 0 {
		// In the same order every time, not the map's.
		slices.SortFunc(es, func(a, b *FieldError) int { return strings.Compare(a.Field, b.Field) })
		return nil, es
	}
	buf.keys = keys
	// set takes the names in any order: it declines a name that is not
	// exactly a field's, and no two others can set the same field.
	if set(typ, v, keys, fields) {
		return v, nil
	}
	// set declined: encoding/json decodes the record and names what does
	// not fit, the names sorted as EncodeFields sorts them: of two that
	// differ in case, the decoder keeps the last, the same one every time.
	slices.Sort(keys)
	v, _ = newOf(typ)
	if err := decodeWhole(typ, v, buf, fields); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeWhole decodes the fields named by buf.keys into v with
// encoding/json, as one object, and names the field that does not fit.
func decodeWhole(typ string, v any, buf *decodeBuf, fields map[string]json.RawMessage) error {
	keys := buf.keys
	buf.data = appendObject(buf.data[:0], keys, fields)
	if err := decodeStrict(buf.data, v); err != nil {
		// Name the field: decode each alone (a time's decoder does not
		// say which field it was decoding).
		for _, name := range keys {
			one, _ := newOf(typ)
			if ferr := decodeStrict(EncodeFields(map[string]json.RawMessage{name: fields[name]}), one); ferr != nil {
				return decodeError(typ, name, ferr)
			}
		}
		return decodeError(typ, "", err)
	}
	return nil
}

// decodeBuf is what decodeFields writes a record's fields into, kept
// from one record to the next (decodeBufs): the server decodes every
// record a push changes, a laptop every record a pull brings. The typed
// record keeps nothing of it: the decoder copies strings and raw values.
type decodeBuf struct {
	keys []string
	data []byte
}

var decodeBufs = sync.Pool{New: func() any { return new(decodeBuf) }}

// checkTyped adds to es what the rules above find in v, a pointer to a
// typed record.
func checkTyped(es *Errors, v any, latest time.Time) {
	var steps [8]pathStep // deep enough for every record type
	c := checker{latest: latest, at: steps[:0]}
	c.walk(reflect.ValueOf(v).Elem(), "")
	*es = append(*es, c.es...)
}

// CheckRecord checks a whole record of type typ, as it will be after a
// change is merged: CheckFields, then the type's own rules (required
// fields, the pipeline's stages, enums).
func CheckRecord(typ string, fields map[string]json.RawMessage, p Pipeline, latest time.Time) error {
	_, err := DecodeRecord(typ, fields, p, latest)
	return err
}

// DecodeRecord is CheckRecord that also returns the typed record it
// checked (a *Lead, *Activity, ...), so a caller that needs it decodes the
// fields once.
func DecodeRecord(typ string, fields map[string]json.RawMessage, p Pipeline, latest time.Time) (any, error) {
	v, err := decodeFields(typ, fields)
	if err != nil {
		return nil, err
	}
	var es Errors
	switch r := v.(type) {
	case *Lead:
		r.validate(&es, p, latest)
	case *Activity:
		r.validate(&es, latest)
	case *Task:
		r.validate(&es, latest)
	case *Complaint:
		r.validate(&es, latest)
	case *Approval:
		r.validate(&es, latest)
	case *ServiceOrder:
		r.validate(&es, latest)
	case *Target:
		r.validate(&es, latest)
		if r.ID != "" && r.ID != TargetID(r.Year, r.Quarter, r.User) {
			es.add("id", fmt.Sprintf("%q is not the id of %s's target for %d q%d (%s)", r.ID, r.User, r.Year, r.Quarter, TargetID(r.Year, r.Quarter, r.User)))
		}
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return v, nil
}

// CheckEntry checks one element of an append-only list: a lead's stage
// log entry or an activity's note revision.
func CheckEntry(typ, field string, entry json.RawMessage, latest time.Time) error {
	if !IsAppendField(typ, field) {
		return fmt.Errorf("field %q of %s is not an append-only list", field, typ)
	}
	list := append(append([]byte{'['}, entry...), ']')
	return CheckFields(typ, map[string]json.RawMessage{field: list}, latest)
}

func newOf(typ string) (any, error) {
	switch typ {
	case TypeLead:
		return new(Lead), nil
	case TypeActivity:
		return new(Activity), nil
	case TypeTask:
		return new(Task), nil
	case TypeComplaint:
		return new(Complaint), nil
	case TypeTarget:
		return new(Target), nil
	case TypeApproval:
		return new(Approval), nil
	case TypeService:
		return new(ServiceOrder), nil
	}
	return nil, fmt.Errorf("entity type %q is not one of %v", typ, EntityTypes)
}

// decodeStrict decodes data, one object, into v, refusing unknown fields
// and anything after the object: a field's value with a stray brace
// would otherwise end the object early, and the fields after it would go
// unread.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		c, _ := utf8.DecodeRune(rest)
		return fmt.Errorf("invalid character %q after top-level value", c)
	}
	return nil
}

// decodeError turns a decoder's complaint about field into a sentence
// naming the field.
func decodeError(typ, field string, err error) error {
	var te *json.UnmarshalTypeError
	if ok := asType(err, &te); ok && te.Field != "" {
		return &FieldError{te.Field, fmt.Sprintf("must be %s, not a JSON %s", kindName(te.Type), te.Value)}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return &FieldError{strings.Trim(name, `"`), "is not a field of a " + typ}
	}
	if field == "" {
		return fmt.Errorf("%s: %s", typ, msg)
	}
	if kind := fieldKinds[typ][field]; kind != "" {
		return &FieldError{field, fmt.Sprintf("must be %s (%s)", kind, msg)}
	}
	return &FieldError{field, msg}
}

// fieldKinds names what each top-level field of each type holds, for
// messages.
var fieldKinds = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, typ := range EntityTypes {
		v, _ := newOf(typ)
		t := reflect.TypeOf(v).Elem()
		m := map[string]string{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			m[name] = kindName(t.Field(i).Type)
		}
		out[typ] = m
	}
	return out
}()

func asType(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

func kindName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[time.Time]():
		return "a time (RFC 3339)"
	case reflect.TypeFor[Date]():
		return "a date (YYYY-MM-DD)"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

var (
	typeTime  = reflect.TypeFor[time.Time]()
	typeDate  = reflect.TypeFor[Date]()
	typeMoney = reflect.TypeFor[Money]()
	typeHLC   = reflect.TypeFor[HLC]()
)

type checker struct {
	latest time.Time
	es     Errors
	at     []pathStep // where in the record it is (path)
}

func (c *checker) walk(v reflect.Value, tag string) {
	switch v.Type() {
	case typeTime:
		c.time(*addrOf[time.Time](v), tag == "stamp")
		return
	case typeDate:
		if d := *addrOf[Date](v); !d.IsZero() && (d.Y < minYear || d.Y > maxYear) {
			c.add(fmt.Sprintf("%s is not a plausible date", d))
		}
		return
	case typeMoney:
		m := addrOf[Money](v)
		if m.Amount < 0 || m.Amount > MaxAmount {
			c.add(fmt.Sprintf("amount %d is not between 0 and %d", m.Amount, int64(MaxAmount)))
		}
		if m.Currency != "" && !isCurrency(m.Currency) {
			c.es.add(c.path()+".currency", fmt.Sprintf("%q is not a three-letter currency code", m.Currency))
		}
		return
	case typeHLC:
		if err := checkStamp(*addrOf[HLC](v), c.latest); err != nil {
			c.add(err.Error())
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		c.text(v.String(), tag)
	case reflect.Pointer:
		if !v.IsNil() {
			c.walk(v.Elem(), tag)
		}
	case reflect.Struct:
		for _, f := range fieldsOf(v.Type()) {
			c.at = append(c.at, pathStep{name: f.name})
			c.walk(v.Field(f.index), f.check)
			c.at = c.at[:len(c.at)-1]
		}
	case reflect.Slice:
		if tag != "append" && v.Len() > MaxListLen {
			c.add(fmt.Sprintf("has %d entries; at most %d", v.Len(), MaxListLen))
			return
		}
		for i := range v.Len() {
			c.at = append(c.at, pathStep{index: i, elem: true})
			c.walk(v.Index(i), "")
			c.at = c.at[:len(c.at)-1]
		}
	case reflect.Map:
		if v.Len() > MaxMapKeys {
			c.add(fmt.Sprintf("has %d keys; at most %d", v.Len(), MaxMapKeys))
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if k == "" || len(k) > MaxKeyLen || !oneLine(k) {
				c.add(fmt.Sprintf("key %q must be one line of 1 to %d bytes", Printable(k), MaxKeyLen))
				continue
			}
			c.at = append(c.at, pathStep{name: k, member: true})
			c.walk(iter.Value(), tag)
			c.at = c.at[:len(c.at)-1]
		}
	}
}

// pathStep is one step of the path to where the checker is in a record:
// a field's name, a list's element or a map's member. The path is
// written out ("contacts[2].phone") only for an error, which most records
// never have.
type pathStep struct {
	name   string
	index  int
	elem   bool // the index-th element of a list
	member bool // a map's member: name is its key
}

// path names where the checker is, as a field error names it.
func (c *checker) path() string {
	var b strings.Builder
	for i, st := range c.at {
		switch {
		case st.elem:
			fmt.Fprintf(&b, "[%d]", st.index)
		case i > 0 || st.member:
			b.WriteString("." + st.name)
		default:
			b.WriteString(st.name)
		}
	}
	return b.String()
}

// add notes a problem with the value the checker is at.
func (c *checker) add(problem string) { c.es.add(c.path(), problem) }

// addrOf returns a pointer to v's value, of type T: v's own when v is
// addressable (a record's field, a list's element), else a copy's. It
// saves boxing a time or an amount into an interface to read it.
func addrOf[T any](v reflect.Value) *T {
	if v.CanAddr() {
		return v.Addr().Interface().(*T)
	}
	t := v.Interface().(T)
	return &t
}

// checkedField is what walk reads of a struct's field: its JSON name and
// its check tag.
type checkedField struct {
	index       int
	name, check string
}

// checkedFields holds each struct type's checkedFields, read once: every
// pushed and pulled record is walked, and reading the tags of each field
// of each took about 0.8 of the walk's 1.8 CPU-seconds in a first push
// and pull of the 10,000-lead demo book.
var checkedFields sync.Map // reflect.Type -> []checkedField

// fieldsOf returns the exported fields of struct type t that have a JSON
// name.
func fieldsOf(t reflect.Type) []checkedField {
	if v, ok := checkedFields.Load(t); ok {
		return v.([]checkedField)
	}
	var out []checkedField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out = append(out, checkedField{i, name, f.Tag.Get("check")})
	}
	checkedFields.Store(t, out)
	return out
}

func (c *checker) time(t time.Time, stamp bool) {
	if t.IsZero() {
		return
	}
	if y := t.Year(); y < minYear || y > maxYear {
		c.add(fmt.Sprintf("%s is not a plausible time", t.UTC().Format(time.RFC3339)))
		return
	}
	if stamp && !c.latest.IsZero() && t.After(c.latest) {
		c.add(fmt.Sprintf("%s is in the future; check this device's date and time", t.UTC().Format(time.RFC3339)))
	}
}

func (c *checker) text(s, tag string) {
	max, multi := MaxTextLen, false
	switch tag {
	case "name":
		max = MaxNameLen
	case "multi":
		multi = true
	case "notes":
		max, multi = MaxNotesLen, true
	}
	if len(s) > max {
		c.add(fmt.Sprintf("is %d bytes long; at most %d", len(s), max))
		return
	}
	if !utf8.ValidString(s) {
		c.add("is not valid UTF-8 text")
		return
	}
	if multi {
		if !manyLines(s) {
			c.add("contains control characters (only newline and tab are allowed)")
		}
	} else if !oneLine(s) {
		c.add("must be one line without control or text-direction override characters")
	}
}

// checkStamp checks a clock stamp inside a record (an entry's hlc).
func checkStamp(h HLC, latest time.Time) error {
	switch {
	case h.Wall <= 0 || h.Node == "" || len(h.Node) > maxIDLen:
		return fmt.Errorf("hlc is missing or malformed")
	case h.Counter > MaxCounter:
		return fmt.Errorf("hlc counter %d is above %d; the device's clock is broken", h.Counter, MaxCounter)
	case !latest.IsZero() && h.Wall > latest.UnixMilli():
		return fmt.Errorf("hlc %s is in the future; check this device's date and time", h.Time().UTC().Format(time.RFC3339))
	}
	return checkID("hlc.node", h.Node)
}

// isControl reports C0, DEL and C1 control characters.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// isBidiControl reports the characters that override or isolate the
// direction of text (U+202A..U+202E, U+2066..U+2069).
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func oneLine(s string) bool {
	for _, r := range s {
		if isControl(r) || isBidiControl(r) {
			return false
		}
	}
	return true
}

func manyLines(s string) bool {
	for _, r := range s {
		if isControl(r) && r != '\n' && r != '\t' {
			return false
		}
	}
	return true
}

// Printable returns s with every control and direction-override character
// replaced by its escaped form (\x1b, \u202e), so text from a file or
// another user can be printed on a terminal without acting on it.
// Newline and tab are kept when keepLines is set by PrintableLines.
func Printable(s string) string { return printable(s, false) }

// PrintableLines is Printable that keeps newlines and tabs.
func PrintableLines(s string) string { return printable(s, true) }

// PrintableFlat is Printable for a value shown on one line (a table cell,
// a card): newline, carriage return and tab become spaces rather than
// escapes, so a multi-line note reads as one line of text.
func PrintableFlat(s string) string {
	if strings.ContainsAny(s, "\n\r\t") {
		s = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return r
		}, s)
	}
	return printable(s, false)
}

func printable(s string, keepLines bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || isControl(r) && !(keepLines && (r == '\n' || r == '\t')) || isBidiControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x100 && isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CheckRef reports whether ref names a record an op may name: a known
// type and an id by the rules of Op.Validate.
func CheckRef(ref EntityRef) error {
	probe := Op{ID: "probe", Entity: ref, Kind: OpDelete, HLC: HLC{Wall: 1, Node: "probe"}, Schema: CurrentSchema}
	return probe.Validate()
}

// CheckSelfID reports whether the id a record's fields hold, when they
// hold one, is id: cards and indexes are keyed by the id a record holds,
// so a record must not name another.
func CheckSelfID(fields map[string]json.RawMessage, id string) error {
	v, ok := fields["id"]
	if !ok {
		return nil
	}
	if !JSONTextIs(v, id) {
		return &FieldError{"id", fmt.Sprintf("names another record (%s)", Printable(string(v)))}
	}
	return nil
}
