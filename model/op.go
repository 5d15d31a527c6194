package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Entity types that travel as ops.
const (
	TypeLead      = "lead"
	TypeActivity  = "activity"
	TypeTask      = "task"
	TypeComplaint = "complaint"
	TypeTarget    = "target"
	TypeApproval  = "approval"
	TypeService   = "service"
)

// EntityTypes lists every type an op may name.
var EntityTypes = []string{TypeLead, TypeActivity, TypeTask, TypeComplaint, TypeTarget, TypeApproval, TypeService}

// Op kinds.
const (
	OpCreate = "create"
	OpSet    = "set"
	OpDelete = "delete"
	OpAppend = "append"
)

// CurrentSchema is the schema version stamped on ops made by this build.
const CurrentSchema = 1

// appendFields are the append-only lists: they change only through append
// ops, never through create or set, so they never conflict.
var appendFields = map[string]map[string]bool{
	TypeLead:     {"stage_log": true},
	TypeActivity: {"revisions": true},
	TypeApproval: {"decisions": true},
}

// IsAppendField reports whether field of entity type typ is an append-only
// list.
func IsAppendField(typ, field string) bool { return appendFields[typ][field] }

// anyAppendField holds the names of the append-only lists of every type.
var anyAppendField = func() map[string]bool {
	m := map[string]bool{}
	for _, fields := range appendFields {
		for f := range fields {
			m[f] = true
		}
	}
	return m
}()

// IsAppendFieldOfAny reports whether field is an append-only list of some
// entity type: one look-up where asking each type is six (a hand-over asks
// of every field of every record it hands over).
func IsAppendFieldOfAny(field string) bool { return anyAppendField[field] }

// EntityRef names one record.
type EntityRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Actor is who made a change: the user (the server overwrites it from the
// token) and the device.
type Actor struct {
	User   string `json:"user,omitempty"`
	Device string `json:"device,omitempty"`
}

// Op is one change to one record, the unit of the outbox and of sync.
type Op struct {
	ID     string                     `json:"op_id"`
	Entity EntityRef                  `json:"entity"`
	Kind   string                     `json:"kind"`
	Fields map[string]json.RawMessage `json:"fields,omitempty"` // create, set
	Field  string                     `json:"field,omitempty"`  // append: which list
	Entry  json.RawMessage            `json:"entry,omitempty"`  // append: the element
	HLC    HLC                        `json:"hlc"`
	Actor  Actor                      `json:"actor"`
	Schema int                        `json:"schema"`

	// lists are the append-only lists among Fields as validate parsed
	// them, for Apply to merge instead of parsing them once more
	// (listOf): a create's lists (a note's first revision, a lead's
	// first stage) were parsed twice wherever an op is read and then
	// applied, by the server and by a laptop's pull alike.
	lists []parsedList
}

// parsedList is one append-only list of an op's fields, parsed: raw is
// the value it was parsed from, entries its entries, each marked canon
// or not. Nothing writes to entries once they are made.
type parsedList struct {
	field   string
	raw     json.RawMessage
	entries []keyedEntry
}

// noteList keeps the entries of field's value v, just parsed. It writes a
// new list of lists: a copy of the op (ops are passed by value) shares
// the old one, perhaps with another goroutine.
func (op *Op) noteList(field string, v json.RawMessage, entries []keyedEntry) {
	lists := make([]parsedList, 0, len(op.lists)+1)
	for _, l := range op.lists {
		if l.field != field {
			lists = append(lists, l)
		}
	}
	op.lists = append(lists, parsedList{field, v, entries})
}

// listOf returns the entries validate parsed of field's value v, or nil
// when it did not parse this very value: the same bytes in the same
// place, so a value replaced since (a hand-over renames authors) is
// parsed again.
func (op *Op) listOf(field string, v json.RawMessage) []keyedEntry {
	for _, l := range op.lists {
		if l.field == field && len(l.raw) == len(v) && len(v) > 0 && &l.raw[0] == &v[0] {
			return l.entries
		}
	}
	return nil
}

// Limits on a decoded op.
const (
	MaxOpBytes   = 2 << 20
	maxIDLen     = 64
	maxFieldName = 64
	maxOpFields  = 100
)

// DecodeOp parses and checks one op. It accepts only what Validate accepts,
// so a hostile or corrupt op is refused with a sentence, never applied.
func DecodeOp(data []byte) (Op, error) {
	var op Op
	if len(data) > MaxOpBytes {
		return op, fmt.Errorf("op is %d bytes; at most %d", len(data), MaxOpBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&op); err != nil {
		return Op{}, fmt.Errorf("op is not valid JSON: %w", err)
	}
	if dec.More() {
		return Op{}, fmt.Errorf("op has data after its end")
	}
	if err := op.ValidateDecoded(); err != nil {
		return Op{}, err
	}
	return op, nil
}

// Validate checks the op's shape: ids, kind, field names, the clock.
func (op *Op) Validate() error { return op.validate(false) }

// ValidateDecoded is Validate for an op just decoded from JSON (by
// ReadOp, ScanOp or encoding/json), whose field values are JSON already:
// each was checked as it was read, so it is not checked again (a tenth of
// the CPU of reading a pushed op).
func (op *Op) ValidateDecoded() error { return op.validate(true) }

func (op *Op) validate(decoded bool) error {
	if err := checkID("op_id", op.ID); err != nil {
		return err
	}
	if !slices.Contains(EntityTypes, op.Entity.Type) {
		return fmt.Errorf("entity.type %q is not one of %v", op.Entity.Type, EntityTypes)
	}
	if err := checkID("entity.id", op.Entity.ID); err != nil {
		return err
	}
	if op.HLC.Wall <= 0 || op.HLC.Node == "" || len(op.HLC.Node) > maxIDLen {
		return fmt.Errorf("hlc is missing or malformed")
	}
	if op.HLC.Counter > MaxCounter {
		return fmt.Errorf("hlc counter %d is above %d; the device's clock is broken", op.HLC.Counter, MaxCounter)
	}
	if op.Entity.Type != TypeTarget && strings.ContainsRune(op.Entity.ID, ':') {
		// The server keeps other namespaces (a user's targets) under
		// names with a colon; a record's own id never has one.
		return fmt.Errorf("entity.id %q may not contain a colon", op.Entity.ID)
	}
	if op.Schema < 1 {
		return fmt.Errorf("schema %d is not a schema version", op.Schema)
	}
	switch op.Kind {
	case OpCreate, OpSet:
		if len(op.Fields) == 0 && op.Kind == OpSet {
			return fmt.Errorf("set op has no fields")
		}
		if len(op.Fields) > maxOpFields {
			return fmt.Errorf("op sets %d fields; at most %d", len(op.Fields), maxOpFields)
		}
		for name, v := range op.Fields {
			if op.checkField(name, v, decoded) != nil {
				// Of several bad fields, name the same one every time
				// (the map's order is random): the first by name.
				for _, name := range slices.Sorted(maps.Keys(op.Fields)) {
					if err := op.checkField(name, op.Fields[name], decoded); err != nil {
						return err
					}
				}
			}
		}
		if op.Field != "" || op.Entry != nil {
			return fmt.Errorf("%s op carries an append entry", op.Kind)
		}
	case OpDelete:
		if len(op.Fields) != 0 || op.Entry != nil {
			return fmt.Errorf("delete op carries data")
		}
	case OpAppend:
		if !IsAppendField(op.Entity.Type, op.Field) {
			return fmt.Errorf("field %q of %s is not an append-only list", op.Field, op.Entity.Type)
		}
		var e struct {
			ID  string `json:"id"`
			HLC HLC    `json:"hlc"`
		}
		if err := json.Unmarshal(op.Entry, &e); err != nil || e.ID != op.ID || e.HLC != op.HLC {
			return fmt.Errorf("append entry must be an object whose id and hlc are the op's")
		}
		if len(op.Fields) != 0 {
			return fmt.Errorf("append op carries fields")
		}
	default:
		return fmt.Errorf("kind %q is not one of create, set, delete, append", op.Kind)
	}
	return nil
}

func (op *Op) validEntries(field string, v json.RawMessage) bool {
	if list, canon, ok := parseEntries(v); ok {
		for i, e := range list {
			if e.key.ID == "" || e.key.HLC.IsZero() {
				return false
			}
			list[i].canon = canon // as entriesOf marks them
		}
		op.noteList(field, v, list)
		return true
	}
	var keys []entryKey
	if err := json.Unmarshal(v, &keys); err != nil {
		return false
	}
	for _, e := range keys {
		if e.ID == "" || e.HLC.IsZero() {
			return false
		}
	}
	return true
}

// CheckID says what is wrong with id as the id of a record, an op or a
// node named field, or nil: 1 to maxIDLen printable characters, no space
// or slash.
func CheckID(field, id string) error { return checkID(field, id) }

func checkID(field, id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("%s must be 1 to %d characters", field, maxIDLen)
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '/' {
			return fmt.Errorf("%s contains a space, a slash or a control character", field)
		}
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	return nil
}

// checkField checks one field of a create or set op; decoded says v is
// JSON already (ValidateDecoded).
func (op *Op) checkField(name string, v json.RawMessage, decoded bool) error {
	if err := checkFieldName(name); err != nil {
		return err
	}
	if IsAppendField(op.Entity.Type, name) {
		// A create may carry the first entries of an append-only list (a
		// note's first revision), merged like appends.
		if op.Kind != OpCreate || !op.validEntries(name, v) {
			return fmt.Errorf("field %q is append-only: set it with append ops, or with a list of entries with id and hlc in a create", name)
		}
		return nil
	}
	if name == "id" && op.Kind == OpSet {
		return fmt.Errorf("field \"id\" cannot be changed")
	}
	if !decoded && !json.Valid(v) {
		return fmt.Errorf("field %q is not valid JSON", name)
	}
	return nil
}

func checkFieldName(name string) error {
	if name == "" || len(name) > maxFieldName {
		return fmt.Errorf("field name %q must be 1 to %d characters", name, maxFieldName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Errorf("field name %q may hold only a-z, 0-9 and _", name)
		}
	}
	return nil
}

// Stamp is the clock and author of the value a field holds.
type Stamp struct {
	HLC   HLC    `json:"hlc"`
	Actor string `json:"actor,omitempty"`
}

// Overwritten is a value that lost to another: kept so the lead screen can
// say "changed by X while you were offline".
type Overwritten struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
	HLC   HLC             `json:"hlc"`
	Actor string          `json:"actor,omitempty"`
}

// MaxHistoryPerField bounds how many overwritten values a record keeps for
// each field (the newest ones).
const MaxHistoryPerField = 10

// Record is the mergeable state of one entity: its fields as JSON values,
// and for each field the stamp that set it. Base is the stamp of the
// create, which set every field not stamped on its own.
type Record struct {
	Type    string                     `json:"-"`
	Fields  map[string]json.RawMessage `json:"-"`
	Base    Stamp                      `json:"base,omitzero"`
	Stamps  map[string]Stamp           `json:"stamps,omitempty"`
	History []Overwritten              `json:"history,omitempty"`
}

// NewRecord returns an empty record of type typ.
func NewRecord(typ string) *Record {
	return &Record{Type: typ, Fields: map[string]json.RawMessage{}, Stamps: map[string]Stamp{}}
}

// StampOf returns the stamp of the value field holds.
func (r *Record) StampOf(field string) Stamp {
	if s, ok := r.Stamps[field]; ok {
		return s
	}
	return r.Base
}

var jsonNull = json.RawMessage("null")

func isNull(v json.RawMessage) bool { return len(v) == 0 || bytes.Equal(v, jsonNull) }

// Apply merges op into the record by the per-field rule: a field takes the
// op's value when the op's stamp is greater than the field's (ties broken
// on the value's bytes, so even a malformed duplicate cannot make replicas
// differ). The loser of every comparison is kept in History. Appends add
// their entry to a list ordered by stamp. Apply is commutative, associative
// and idempotent. It reports whether the record changed.
func (r *Record) Apply(op Op) bool {
	if r.Fields == nil {
		r.Fields = map[string]json.RawMessage{}
	}
	if r.Stamps == nil {
		r.Stamps = map[string]Stamp{}
	}
	st := Stamp{HLC: op.HLC, Actor: op.Actor.User}
	switch op.Kind {
	case OpAppend:
		return r.appendEntry(op.Field, op.ID, op.HLC, op.Entry)
	case OpDelete:
		return r.applyField("deleted", json.RawMessage("true"), st)
	case OpSet:
		changed := false
		for _, f := range slices.Sorted(maps.Keys(op.Fields)) {
			changed = r.applyField(f, op.Fields[f], st) || changed
		}
		return changed
	case OpCreate:
		if len(r.Fields) == 0 && len(r.Stamps) == 0 && r.Base == (Stamp{}) && op.HLC.Compare(HLC{}) > 0 {
			return r.createFresh(op, st)
		}
		return r.applyCreate(op, st)
	}
	return false
}

// applyCreate is Apply of a create: it sets every field, the ones it does
// not name to null.
func (r *Record) applyCreate(op Op, st Stamp) bool {
	names := map[string]bool{}
	for f := range op.Fields {
		names[f] = true
	}
	for f := range r.Fields {
		names[f] = true
	}
	for f := range r.Stamps {
		names[f] = true
	}
	changed := false
	for _, f := range slices.Sorted(maps.Keys(names)) {
		if IsAppendField(r.Type, f) {
			v := op.Fields[f]
			changed = r.mergeList(f, v, op.listOf(f, v)) || changed
			continue
		}
		changed = r.applyField(f, op.Fields[f], st) || changed
	}
	if op.HLC.Compare(r.Base.HLC) > 0 {
		r.Base = st
		for f, s := range r.Stamps {
			if s == st {
				delete(r.Stamps, f)
			}
		}
	}
	return changed
}

// createFresh is Apply of a create to a record that holds nothing (the
// most common merge of all: every record a pull brings the first time).
// The general path gives exactly this: each value the op names wins over
// nothing, null clears nothing, the op's stamp becomes the base, and the
// stamps equal to it are dropped, which are all of them.
func (r *Record) createFresh(op Op, st Stamp) bool {
	changed := false
	if len(r.Fields) == 0 {
		r.Fields = make(map[string]json.RawMessage, len(op.Fields)) // grown once
	}
	for f, v := range op.Fields {
		if IsAppendField(r.Type, f) {
			changed = r.mergeList(f, v, op.listOf(f, v)) || changed
			continue
		}
		if !isNull(v) {
			r.Fields[f] = v
		}
		changed = true
	}
	r.Base = st
	return changed
}

func (r *Record) applyField(f string, v json.RawMessage, st Stamp) bool {
	if isNull(v) {
		v = nil
	}
	cur := r.StampOf(f)
	curVal := r.Fields[f]
	c := st.HLC.Compare(cur.HLC)
	if c == 0 {
		c = bytes.Compare(v, curVal)
	}
	switch {
	case c > 0:
		if curVal != nil && !cur.HLC.IsZero() {
			r.remember(Overwritten{Field: f, Value: curVal, HLC: cur.HLC, Actor: cur.Actor})
		}
		if v == nil {
			delete(r.Fields, f)
		} else {
			r.Fields[f] = v
		}
		r.Stamps[f] = st
		return true
	case c < 0:
		if v != nil {
			r.remember(Overwritten{Field: f, Value: v, HLC: st.HLC, Actor: st.Actor})
		}
	}
	return false
}

func (r *Record) remember(o Overwritten) {
	for _, h := range r.History {
		if h.Field == o.Field && h.HLC == o.HLC {
			return
		}
	}
	r.History = append(r.History, o)
	slices.SortFunc(r.History, func(a, b Overwritten) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		if c := b.HLC.Compare(a.HLC); c != 0 {
			return c
		}
		return bytes.Compare(a.Value, b.Value)
	})
	// Keep the newest MaxHistoryPerField per field.
	out := r.History[:0]
	n := 0
	for i, h := range r.History {
		if i > 0 && h.Field != r.History[i-1].Field {
			n = 0
		}
		if n < MaxHistoryPerField {
			out = append(out, h)
		}
		n++
	}
	r.History = out
}

type entryKey struct {
	ID  string `json:"id"`
	HLC HLC    `json:"hlc"`
}

func (r *Record) appendEntry(field, id string, hlc HLC, entry json.RawMessage) bool {
	return r.addEntries(field, []keyedEntry{{entryKey{id, hlc}, entry, canonicalJSON(entry)}})
}

// keyedEntry is an element of an append-only list with its id and stamp.
type keyedEntry struct {
	key   entryKey
	data  json.RawMessage
	canon bool // data is as json.Marshal writes it (canonicalJSON)
}

// entriesOf reads the append-only list data, as encoding/json reads it:
// when its JSON is not a list, ok is false; an element that is not an
// entry has a zero key (strict drops those instead).
func entriesOf(data []byte, strict bool) (all []keyedEntry, ok bool) {
	if list, canon, ok := parseEntries(data); ok {
		for i := range list {
			list[i].canon = canon
		}
		return list, true
	}
	var list []json.RawMessage
	if json.Unmarshal(data, &list) != nil {
		return nil, false
	}
	all = make([]keyedEntry, 0, len(list))
	for _, e := range list {
		var k entryKey
		if err := json.Unmarshal(e, &k); err != nil && strict {
			continue
		}
		all = append(all, keyedEntry{key: k, data: e})
	}
	return all, true
}

// addEntries adds to the append-only list field the entries it does not
// hold yet (by id), keeping the list ordered by stamp, then id. The list is
// decoded and sorted once however many entries arrive, so merging a
// record's whole history costs n log n, not n squared. A list whose
// entries are all written as json.Marshal writes them is joined as it is,
// which gives json.Marshal's bytes without its pass over every entry.
func (r *Record) addEntries(field string, add []keyedEntry) bool {
	var list []keyedEntry
	if cur := r.Fields[field]; cur != nil {
		list, _ = entriesOf(cur, false)
	}
	all := make([]keyedEntry, 0, len(list)+len(add))
	have := make(map[string]bool, len(list)+len(add))
	for _, e := range list {
		all = append(all, e)
		have[e.key.ID] = true
	}
	n := len(all)
	for _, e := range add {
		if !have[e.key.ID] {
			have[e.key.ID] = true
			all = append(all, e)
		}
	}
	if len(all) == n {
		return false
	}
	slices.SortStableFunc(all, func(a, b keyedEntry) int {
		if c := a.key.HLC.Compare(b.key.HLC); c != 0 {
			return c
		}
		return strings.Compare(a.key.ID, b.key.ID)
	})
	data, ok := joinEntries(all)
	if !ok {
		return false
	}
	r.Fields[field] = data
	return true
}

// joinEntries writes a list of entries as json.Marshal writes a
// []json.RawMessage; ok is false when one is not valid JSON.
func joinEntries(all []keyedEntry) ([]byte, bool) {
	n := 2
	for _, e := range all {
		if !e.canon {
			out := make([]json.RawMessage, len(all))
			for i, e := range all {
				out[i] = e.data
			}
			data, err := json.Marshal(out)
			return data, err == nil
		}
		n += len(e.data) + 1
	}
	data := make([]byte, 0, n)
	data = append(data, '[')
	for i, e := range all {
		if i > 0 {
			data = append(data, ',')
		}
		data = append(data, e.data...)
	}
	return append(data, ']'), true
}

// mergeEntries adds every entry of a JSON list to the append-only list f.
func (r *Record) mergeEntries(f string, data json.RawMessage) bool {
	return r.mergeList(f, data, nil)
}

// mergeList is mergeEntries of data whose entries were parsed already
// (parsed, from Op.listOf), or not (nil).
func (r *Record) mergeList(f string, data json.RawMessage, parsed []keyedEntry) bool {
	if isNull(data) {
		return false
	}
	add := parsed
	if add == nil {
		var ok bool
		if add, ok = entriesOf(data, true); !ok {
			return false
		}
	}
	if r.Fields[f] == nil && joinedAsIs(data, add) {
		// The list is new to the record and data is already what
		// addEntries would write: in order, no id twice, canonical.
		if r.Fields == nil {
			r.Fields = map[string]json.RawMessage{}
		}
		r.Fields[f] = data
		return true
	}
	return r.addEntries(f, add)
}

// joinedAsIs reports whether data, the JSON list add was read from, is
// byte for byte what joinEntries writes of add once addEntries has
// dropped an id seen before and sorted it: add is not empty, in order by
// stamp then id, with no id twice (checked for short lists only; a
// longer one takes the general path), every entry canonical, and data
// holds nothing but the entries and one byte between each two.
func joinedAsIs(data []byte, add []keyedEntry) bool {
	const most = 8
	if len(add) == 0 || len(add) > most {
		return false
	}
	n := len(add) + 1 // the brackets and the commas
	for i, e := range add {
		if !e.canon {
			return false
		}
		n += len(e.data)
		if i == 0 {
			continue
		}
		if c := add[i-1].key.HLC.Compare(e.key.HLC); c > 0 || c == 0 && add[i-1].key.ID >= e.key.ID {
			return false
		}
		for _, d := range add[:i] {
			if d.key.ID == e.key.ID {
				return false
			}
		}
	}
	return len(data) == n
}

// FieldsOf returns v's JSON fields; v must marshal to a JSON object.
func FieldsOf(v any) (map[string]json.RawMessage, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	for k, val := range m {
		if isNull(val) {
			delete(m, k)
		}
	}
	return m, nil
}

// Diff returns the fields whose values differ between old and new (a field
// gone from new is set to null), leaving out append-only lists, which
// change only through append ops.
func Diff(typ string, old, new map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for f, v := range new {
		if IsAppendField(typ, f) {
			continue
		}
		if !bytes.Equal(old[f], v) {
			out[f] = v
		}
	}
	for f := range old {
		if _, ok := new[f]; !ok && !IsAppendField(typ, f) {
			out[f] = jsonNull
		}
	}
	return out
}

// Decode unmarshals the record's fields into v (a *Lead, *Activity, ...).
func (r *Record) Decode(v any) error {
	return json.Unmarshal(EncodeFields(r.Fields), v)
}

// Merge folds another replica's state of the same record into r, as if
// every op behind it had been applied. It is the state form of Apply and
// obeys the same laws.
func (r *Record) Merge(o *Record) {
	if r.Fields == nil {
		r.Fields = map[string]json.RawMessage{}
	}
	if r.Stamps == nil {
		r.Stamps = map[string]Stamp{}
	}
	for _, f := range slices.Sorted(maps.Keys(unionKeys(r, o))) {
		if IsAppendField(r.Type, f) {
			r.mergeEntries(f, o.Fields[f])
			continue
		}
		r.applyField(f, o.Fields[f], o.StampOf(f))
	}
	for _, h := range o.History {
		r.remember(h)
	}
	if o.Base.HLC.Compare(r.Base.HLC) > 0 {
		r.Base = o.Base
	}
	for f, s := range r.Stamps {
		if s == r.Base {
			delete(r.Stamps, f)
		}
	}
}

func unionKeys(rs ...*Record) map[string]bool {
	keys := map[string]bool{}
	for _, r := range rs {
		for f := range r.Fields {
			keys[f] = true
		}
		for f := range r.Stamps {
			keys[f] = true
		}
	}
	return keys
}

// Equal reports whether two records hold the same state: the same values
// with the same stamps, and the same history.
func (r *Record) Equal(o *Record) bool {
	for f := range unionKeys(r, o) {
		if !bytes.Equal(r.Fields[f], o.Fields[f]) {
			return false
		}
		if !IsAppendField(r.Type, f) && r.StampOf(f) != o.StampOf(f) {
			return false
		}
	}
	return r.Base == o.Base && slices.EqualFunc(r.History, o.History, func(a, b Overwritten) bool {
		return a.Field == b.Field && a.HLC == b.HLC && a.Actor == b.Actor && bytes.Equal(a.Value, b.Value)
	})
}

// EncodeFields writes fields as a JSON object with sorted keys, like
// json.Marshal, but without re-checking each value: values are JSON already
// (from DecodeOp, which checks them, or from a stored record). Re-checking
// them was most of the cost of a write.
func EncodeFields(fields map[string]json.RawMessage) []byte {
	return AppendFields(nil, fields, 0)
}

// AppendFields appends EncodeFields(fields) to dst, making room at once
// for it and extra bytes more.
func AppendFields(dst []byte, fields map[string]json.RawMessage, extra int) []byte {
	keys := make([]string, 0, len(fields)) // one allocation, where slices.Sorted grows its list
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n := 2
	for _, k := range keys {
		n += len(k) + len(fields[k]) + 4
	}
	return appendObject(slices.Grow(dst, n+extra), keys, fields)
}

// appendObject appends to b the JSON object of fields' members named by
// keys, in that order.
func appendObject(b []byte, keys []string, fields map[string]json.RawMessage) []byte {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if plainKey(k) {
			b = append(b, '"')
			b = append(b, k...)
			b = append(b, '"')
		} else {
			q, _ := json.Marshal(k)
			b = append(b, q...)
		}
		b = append(b, ':')
		if v := fields[k]; len(v) > 0 {
			b = append(b, v...)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}

func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
