package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
)

// createEncoder encodes what a create writes: the record and its merge
// state, into one allocation. The op is not written out: the outbox
// refers to the record (outbox.go).
type createEncoder struct {
	scratch bytes.Buffer
	enc     *json.Encoder
	buf     []byte // an activity's JSON (appendActivityJSON)
	mine    string // the replica's node, left out of its stamps
}

// createParts are the two values a create puts.
type createParts struct {
	fields []byte // the record's JSON, as json.Marshal would give it
	stamps []byte // the record's merge state: model.Record{Base: ...}
}

// encode encodes v, the new record of op, whose reference waits in the
// outbox at seq.
func (e *createEncoder) encode(op *rawOp, v any, seq uint64) (createParts, error) {
	var fields []byte
	if a, ok := v.(*model.Activity); ok {
		var err error
		if e.buf, err = appendActivityJSON(e.buf[:0], a); err != nil {
			return createParts{}, err
		}
		fields = e.buf
	} else {
		if e.enc == nil {
			e.enc = json.NewEncoder(&e.scratch)
		}
		e.scratch.Reset()
		// Encode gives what json.Marshal gives, plus a newline.
		if err := e.enc.Encode(v); err != nil {
			return createParts{}, err
		}
		fields = bytes.TrimSuffix(e.scratch.Bytes(), []byte("\n"))
	}
	out := make([]byte, 0, len(fields)+128)
	out = append(out, fields...)
	out = append(out, stampsWaitingTag)
	out = binary.AppendUvarint(out, seq)
	out = appendStamp(out, model.Stamp{HLC: op.HLC, Actor: op.Actor.User}, e.mine)
	out = append(out, 0, 0) // no field stamps, no history
	return createParts{fields: out[:len(fields):len(fields)], stamps: out[len(fields):]}, nil
}

// appendHead writes the op's JSON up to its fields.
func (op *rawOp) appendHead(b []byte) []byte {
	b = append(b, `{"op_id":`...)
	b = appendJSONString(b, op.ID)
	b = append(b, `,"entity":{"type":`...)
	b = appendJSONString(b, op.Entity.Type)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, op.Entity.ID)
	b = append(b, `},"kind":`...)
	b = appendJSONString(b, op.Kind)
	return append(b, `,"fields":`...)
}

// appendTail writes the op's JSON after its fields.
func (op *rawOp) appendTail(b []byte) []byte {
	b = append(b, `,"hlc":`...)
	b = appendHLC(b, op.HLC)
	b = append(b, `,"actor":{`...)
	if op.Actor.User != "" {
		b = append(b, `"user":`...)
		b = appendJSONString(b, op.Actor.User)
		if op.Actor.Device != "" {
			b = append(b, ',')
		}
	}
	if op.Actor.Device != "" {
		b = append(b, `"device":`...)
		b = appendJSONString(b, op.Actor.Device)
	}
	b = append(b, `},"schema":`...)
	b = strconv.AppendInt(b, int64(op.Schema), 10)
	return append(b, '}')
}

func appendHLC(b []byte, h model.HLC) []byte {
	b = append(b, `{"wall_ms":`...)
	b = strconv.AppendInt(b, h.Wall, 10)
	b = append(b, `,"counter":`...)
	b = strconv.AppendUint(b, uint64(h.Counter), 10)
	b = append(b, `,"node":`...)
	b = appendJSONString(b, h.Node)
	return append(b, '}')
}

// appendJSONString writes s as a JSON string, byte for byte as
// json.Marshal does: quotes, backslashes and control bytes escaped, <, >
// and & too (json's HTML escaping), U+2028 and U+2029 as \u2028 and
// \u2029, and each byte that is not UTF-8 as \ufffd
// (TestAppendJSONStringAgrees).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendActivityJSON writes a's JSON, byte for byte what json.Marshal
// writes (TestActivityJSONAgrees); TestActivityJSONFields fails when
// Activity or Revision gains, loses or changes a field, until this is
// brought in step. Activities are most of what a bulk write makes (the
// demo, 100,000 of its 118,000 records), and json.Marshal took 2.4 us
// an activity, a tenth of the demo book's time, almost half of it in
// time.Time's MarshalJSON and compacting what that returns. Written
// here, the demo as a rep's book (BenchmarkDemo10kSalesOnly) took
// 2.04-2.10 s against 2.22-2.23 s, three rounds in turn.
func appendActivityJSON(b []byte, a *model.Activity) ([]byte, error) {
	var err error
	b = appendMember(b, `{"id":`, a.ID)
	b = appendMember(b, `,"lead_id":`, a.LeadID)
	b = appendMember(b, `,"kind":`, a.Kind)
	b = append(b, `,"started_at":`...)
	if b, err = appendJSONTime(b, a.StartedAt); err != nil {
		return nil, err
	}
	if !a.EndedAt.IsZero() {
		b = append(b, `,"ended_at":`...)
		if b, err = appendJSONTime(b, a.EndedAt); err != nil {
			return nil, err
		}
	}
	b = appendOmitEmpty(b, `,"contact":`, a.Contact)
	b = appendOmitEmpty(b, `,"feedback":`, a.Feedback)
	b = appendOmitEmpty(b, `,"outcome":`, a.Outcome)
	b = appendOmitEmpty(b, `,"next_step":`, a.NextStep)
	if !a.NextDue.IsZero() {
		b = appendMember(b, `,"next_due":`, a.NextDue.String())
	}
	b = appendOmitEmpty(b, `,"author":`, a.Author)
	if len(a.Revisions) > 0 {
		b = append(b, `,"revisions":[`...)
		for i := range a.Revisions {
			r := &a.Revisions[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = appendMember(b, `{"id":`, r.ID)
			b = append(b, `,"hlc":`...)
			b = appendHLC(b, r.HLC)
			b = appendMember(b, `,"text":`, r.Text)
			b = appendOmitEmpty(b, `,"author":`, r.Author)
			b = append(b, `,"at":`...)
			if b, err = appendJSONTime(b, r.At); err != nil {
				return nil, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, a.CreatedAt); err != nil {
		return nil, err
	}
	if a.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	return append(b, '}'), nil
}

// appendMember writes key (with what comes before it: `{"id":`,
// `,"kind":`) and s as a JSON string.
func appendMember(b []byte, key, s string) []byte {
	return appendJSONString(append(b, key...), s)
}

// appendOmitEmpty is appendMember for a member left out when s is empty
// (omitempty).
func appendOmitEmpty(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendMember(b, key, s)
}

// appendJSONTime writes t as time.Time's MarshalJSON does, and fails
// where it fails (a year outside 0-9999).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b, err := t.AppendText(append(b, '"'))
	if err != nil {
		return nil, fmt.Errorf("json: error calling MarshalJSON for type time.Time: %w", err)
	}
	return append(b, '"'), nil
}

// A record's merge state (stamps/<type>/<id>) is binary since issue 15:
// a JSON stamp names its node (a 36-byte id) and spells out its keys, and
// a book holds one per record. Books written before keep their JSON until
// the record is next written; decodeStamps reads both.
//
//	stampsTag
//	stamp                                     the base stamp
//	uvarint n, n x (string field, stamp)      per-field stamps, by field
//	uvarint n, n x (string field, bytes value, stamp)   history, in order
//
// where a stamp is varint wall, uvarint counter, string node (empty for
// the replica's own node), string actor, and strings and bytes are a
// uvarint length and the bytes.
const stampsTag = 0x02

// stampsWaitingTag starts the merge state of a record whose create waits
// in the outbox as a reference to it (schema 16): the tag, the outbox seq
// of that reference (a uvarint), then what follows stampsTag. It is how a
// change to the record finds the create to write out first (settleCreate),
// without an index of its own: outbox_new held that, 4.4 MB in a fresh
// 10,000-lead book. The next write of the record drops it. One left after
// the push answered names an entry that is gone, or that is not a
// reference to this record, and settleCreate checks that.
const stampsWaitingTag = 0x03

// markWaiting returns st, a merge state encodeStamps wrote, naming seq as
// where its record's create waits.
func markWaiting(st []byte, seq uint64) []byte {
	b := make([]byte, 0, len(st)+binary.MaxVarintLen64)
	b = append(b, stampsWaitingTag)
	b = binary.AppendUvarint(b, seq)
	return append(b, st[1:]...)
}

// waitingSeq is the outbox seq a merge state says its record's create
// waits at, if it says one.
func waitingSeq(st []byte) (uint64, bool) {
	if len(st) == 0 || st[0] != stampsWaitingTag {
		return 0, false
	}
	seq, n := binary.Uvarint(st[1:])
	return seq, n > 0
}

// encodeStamps encodes rec's merge state; mine is the replica's node. It
// fails on a history value that is not JSON, as json.Marshal would.
func encodeStamps(rec *model.Record, mine string) ([]byte, error) {
	b := make([]byte, 0, 32+48*len(rec.Stamps))
	b = append(b, stampsTag)
	b = appendStamp(b, rec.Base, mine)
	b = binary.AppendUvarint(b, uint64(len(rec.Stamps)))
	for _, f := range slices.Sorted(maps.Keys(rec.Stamps)) {
		b = appendBytes(b, f)
		b = appendStamp(b, rec.Stamps[f], mine)
	}
	b = binary.AppendUvarint(b, uint64(len(rec.History)))
	for _, h := range rec.History {
		if !json.Valid(h.Value) {
			return nil, fmt.Errorf("the overwritten value of %s is not JSON", h.Field)
		}
		b = appendBytes(b, h.Field)
		b = appendBytes(b, string(h.Value))
		b = appendStamp(b, model.Stamp{HLC: h.HLC, Actor: h.Actor}, mine)
	}
	return b, nil
}

func appendStamp(b []byte, s model.Stamp, mine string) []byte {
	b = binary.AppendVarint(b, s.HLC.Wall)
	b = binary.AppendUvarint(b, uint64(s.HLC.Counter))
	node := s.HLC.Node
	if node == mine && mine != "" {
		node = ""
	}
	b = appendBytes(b, node)
	return appendBytes(b, s.Actor)
}

func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// stampKey is a record's key in its stamps/<type> bucket: its id packed
// as the activity indexes hold ids (appendID), 17 bytes for a UUID where
// its text takes 36, about 2 MB of a 10,000-lead book. Packed UUIDs sort
// as their text does, so a bulk load still appends. Books before schema
// 16 keyed merge states by the id's text.
func stampKey(id string) []byte { return appendStampKey(make([]byte, 0, 2+len(id)), id) }

// appendStampKey appends stampKey(id) to b. A read passes a buffer on its
// stack (bbolt's Get keeps no key), one allocation fewer per record read.
func appendStampKey(b []byte, id string) []byte { return appendID(b, id) }

// stampID is the id of a stamps key: packed (stampKey), or the text of a
// book before schema 16. A text id never starts with the 0 or 1 a packed
// one does (model.CheckID: printable, no space), so the two cannot be
// taken for each other. ok is false for a key that is neither.
func stampID(k []byte) (id string, ok bool) {
	if id, rest, ok := cutID(k); ok && len(rest) == 0 {
		return id, true
	}
	if model.CheckID("id", string(k)) != nil {
		return "", false
	}
	return string(k), true
}

var errBadStamps = errors.New("the merge state does not decode")

// decodeStamps reads a merge state that encodeStamps or json.Marshal
// wrote into rec.
func decodeStamps(data []byte, rec *model.Record, mine string) error {
	if len(data) == 0 || data[0] != stampsTag && data[0] != stampsWaitingTag {
		return json.Unmarshal(data, rec)
	}
	r := stampReader{b: data[1:], mine: mine}
	if data[0] == stampsWaitingTag {
		r.uvarint() // the waiting create's seq
	}
	rec.Base = r.stamp()
	n := r.count()
	if rec.Stamps == nil && n > 0 {
		rec.Stamps = make(map[string]model.Stamp, n)
	}
	for range n {
		f := r.str()
		rec.Stamps[f] = r.stamp()
	}
	n = r.count()
	if n > 0 {
		rec.History = make([]model.Overwritten, 0, n)
	}
	for range n {
		h := model.Overwritten{Field: r.str(), Value: json.RawMessage(r.str())}
		s := r.stamp()
		h.HLC, h.Actor = s.HLC, s.Actor
		rec.History = append(rec.History, h)
	}
	if r.bad || len(r.b) != 0 {
		return errBadStamps
	}
	return nil
}

type stampReader struct {
	b    []byte
	mine string
	bad  bool
}

func (r *stampReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a count, at most one per remaining byte.
func (r *stampReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return 0
	}
	return int(n)
}

func (r *stampReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *stampReader) stamp() model.Stamp {
	wall, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return model.Stamp{}
	}
	r.b = r.b[n:]
	counter := r.uvarint()
	s := model.Stamp{HLC: model.HLC{Wall: wall, Counter: uint32(counter), Node: r.str()}, Actor: r.str()}
	if counter > 1<<32-1 {
		r.bad = true
	}
	if s.HLC.Node == "" {
		s.HLC.Node = r.mine
	}
	return s
}
