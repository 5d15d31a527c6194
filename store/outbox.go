package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// The outbox holds each pending change as its op, kept until the server
// answers it (schema 11):
//
//	outbox/<seq>              an op: JSON model.Op, or, for a create whose
//	                          record has not changed since, a reference to
//	                          the record (0x01, then the op without its
//	                          fields, see appendRef): the record is the
//	                          create's fields, so they are stored once
//
// The record's merge state names the seq of its reference
// (stampsWaitingTag, schema 16; the bucket outbox_new held it before).
// Books before packed references hold references whose ids are text; they
// are read until they are pushed, so no migration rewrites them.
//
// Before the record of a referenced create changes, settleCreate writes
// the op out in full (as JSON, the record as it was), so what the outbox
// sends is always what was written.
var bucketOutboxNew = []byte("outbox_new")

// refTag starts a reference to a create; JSON ops start with '{'. A
// reference with packed ids has a 0 after it, where an older one has the
// length of its op id, which is never 0.
const refTag = 0x01

// refTypes are the entity types a packed reference names by one byte,
// their index plus one; never reorder, append. A type not here is a 0 and
// its name (a uvarint length and the bytes).
var refTypes = []string{model.TypeLead, model.TypeActivity, model.TypeTask, model.TypeComplaint,
	model.TypeTarget, model.TypeApproval, model.TypeService}

func appendType(b []byte, typ string) []byte {
	for i, t := range refTypes {
		if t == typ {
			return append(b, byte(i+1))
		}
	}
	b = append(b, 0)
	b = binary.AppendUvarint(b, uint64(len(typ)))
	return append(b, typ...)
}

// cutType reads what appendType wrote and returns what follows it.
func cutType(b []byte) (typ string, rest []byte, ok bool) {
	switch {
	case len(b) == 0:
		return "", nil, false
	case b[0] == 0:
		return cutString(b[1:])
	case int(b[0]) <= len(refTypes):
		return refTypes[b[0]-1], b[1:], true
	}
	return "", nil, false
}

// cutString reads a uvarint length and that many bytes.
func cutString(b []byte) (s string, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, false
	}
	return string(b[w : w+int(n)]), b[w+int(n):], true
}

// OutboxEntry is an op waiting to be pushed, with its place in the outbox.
type OutboxEntry struct {
	Seq uint64
	Op  model.Op
	Raw []byte // Op's JSON, as it is pushed

	// fields are the fields of an op handed over in its JSON (adoptOpJSON),
	// a part of Raw as it was made, from fieldsFrom; nil for any other.
	fields     []byte
	fieldsFrom int
}

// Outbox returns up to limit ops waiting to sync, oldest first (all when
// limit <= 0). Ops written as an account the book was handed from (see
// AdoptUnsynced) come as the account it was handed to.
func (t *Tx) Outbox(limit int) ([]OutboxEntry, error) { return t.outbox(0, limit, true) }

// OutboxJSONAfter is Outbox for a push, from the first entry whose Seq is
// greater than after (the batch after one still in flight; 0 for the
// first): each entry's Raw is set, its Op only when it had to be decoded
// anyway (DecodeOp decodes the rest).
func (t *Tx) OutboxJSONAfter(after uint64, limit int) ([]OutboxEntry, error) {
	return t.outbox(after, limit, false)
}

// DecodeOp sets e.Op from e.Raw if OutboxJSONAfter left it unset.
func (e *OutboxEntry) DecodeOp() error {
	if e.Op.ID != "" {
		return nil
	}
	return json.Unmarshal(e.Raw, &e.Op)
}

func (t *Tx) outbox(after uint64, limit int, decode bool) ([]OutboxEntry, error) {
	var out []OutboxEntry
	adopted := t.adopted()
	c := t.bucket(bucketOutbox).Cursor()
	k, v := c.First()
	if after > 0 {
		k, v = c.Seek(u64(after + 1))
	}
	for ; k != nil; k, v = c.Next() {
		var raw, fields []byte
		var err error
		fieldsFrom := 0
		handed := false // handed over in its JSON, left undecoded (adopt.go)
		switch {
		case !decode && len(adopted) > 0 && len(v) > 0 && v[0] == refTag:
			raw, fields, fieldsFrom, handed, err = t.adoptRefJSON(k, v, adopted)
		case !decode && len(adopted) > 0:
			if raw, err = t.outboxJSON(k, v); err == nil {
				raw, fields, fieldsFrom, handed = adoptOpJSON(raw, adopted)
			}
		default:
			raw, err = t.outboxJSON(k, v)
		}
		if err != nil {
			return nil, err
		}
		var op model.Op
		if !handed && (decode || len(adopted) > 0) {
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
			}
		}
		if to, ok := adopted[op.Actor.User]; ok && !handed {
			adoptOp(&op, op.Actor.User, to)
			if raw, err = json.Marshal(op); err != nil {
				return nil, err
			}
		}
		out = append(out, OutboxEntry{Seq: binary.BigEndian.Uint64(k), Op: op, Raw: raw, fields: fields, fieldsFrom: fieldsFrom})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// outboxOp decodes the outbox entry k, v: an op, or a reference to a
// create and its record.
func (t *Tx) outboxOp(k, v []byte) (model.Op, error) {
	var op model.Op
	raw, err := t.outboxJSON(k, v)
	if err != nil {
		return op, err
	}
	if err := json.Unmarshal(raw, &op); err != nil {
		return op, fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
	}
	return op, nil
}

// outboxJSON returns the op of outbox entry k, v as JSON, a copy.
func (t *Tx) outboxJSON(k, v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != refTag {
		return clone(v), nil
	}
	r, fields, err := t.refRecord(k, v)
	if err != nil {
		return nil, err
	}
	return r.encodeWith(fields), nil
}

// refRecord decodes the outbox entry k, v, a reference to a create, and
// reads its record's fields through the transaction's view (valid until
// its next read).
func (t *Tx) refRecord(k, v []byte) (rawOp, []byte, error) {
	r, err := t.decodeRef(v)
	if err != nil {
		return r, nil, fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
	}
	fields, err := t.view.record(t.bucket(entityBucket[r.Entity.Type]), r.Entity.ID)
	if err != nil {
		return r, nil, fmt.Errorf("outbox entry %x: its record %s %s: %w", k, r.Entity.Type, r.Entity.ID, err)
	}
	if fields == nil {
		return r, nil, fmt.Errorf("outbox entry %x is %w: its record %s %s is missing", k, errCorrupt, r.Entity.Type, r.Entity.ID)
	}
	return r, fields, nil
}

// adoptRefJSON is outboxJSON and then adoptOpJSON for the outbox entry
// k, v, a reference to a create, in one pass: the record's fields are
// handed over as the op is written (a first push after a login reads a
// hundred thousand of them). ok is false when renameFields cannot be
// sure; raw is then the op as written, for the caller to decode.
func (t *Tx) adoptRefJSON(k, v []byte, adopted map[string]string) (raw, fields []byte, fieldsFrom int, ok bool, err error) {
	r, data, err := t.refRecord(k, v)
	if err != nil {
		return nil, nil, 0, false, err
	}
	old := r.Actor.User
	to, adopt := adopted[old]
	if !adopt {
		return r.encodeWith(data), nil, 0, true, nil
	}
	renamed, _, sure := renameFields(data, old, to, r.Entity.Type == model.TypeLead) // a create: a new lead's owner too
	if !sure {
		return r.encodeWith(data), nil, 0, false, nil
	}
	if renamed == nil {
		renamed = data
	}
	r.Actor.User = to
	raw = make([]byte, 0, len(renamed)+256)
	raw = r.appendHead(raw)
	fieldsFrom = len(raw)
	raw = r.appendTail(append(raw, renamed...))
	end := fieldsFrom + len(renamed)
	return raw, raw[fieldsFrom:end:end], fieldsFrom, true, nil
}

// OutboxLen returns how many ops wait to sync.
func (t *Tx) OutboxLen() int { return t.bucket(bucketOutbox).Stats().KeyN }

// DropOutbox removes ops the server answered from the outbox, by seq. The
// records of ops written as an account the book was handed from now name
// the account it was handed to, as the server stored them.
func (t *Tx) DropOutbox(seqs ...uint64) error {
	adopted := t.adopted()
	more := false
	for _, s := range seqs {
		var err error
		if more, err = t.dropEntry(s, adopted, nil, nil); err != nil {
			return err
		}
	}
	return t.forgetAdopted(adopted, more)
}

// dropEntry removes outbox entry seq, and hands its record over when the
// op was written as an account the book was handed from (adopted).
// pushed is the op as it was pushed, when the caller has it (DropPushed),
// and fields its fields when the caller knows where they are in it. more
// is true when an entry after seq is left: the outbox is not empty.
func (t *Tx) dropEntry(seq uint64, adopted map[string]string, pushed, fields []byte) (more bool, err error) {
	// One descent for the entry and its deletion, through a cursor.
	c := t.bucket(bucketOutbox).Cursor()
	k := u64(seq)
	at, v := c.Seek(k)
	if !bytes.Equal(at, k) || v == nil {
		return false, nil
	}
	var head opHead
	if v[0] == refTag {
		r, err := t.decodeRef(v)
		if err != nil {
			return false, fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
		}
		// Still a reference: the record is what the create wrote.
		head = opHead{Entity: r.Entity, Kind: r.Kind, HLC: r.HLC, Actor: r.Actor, pushed: pushed, pushedFields: fields}
	} else if len(adopted) > 0 {
		if err := json.Unmarshal(v, &head); err != nil {
			return false, fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
		}
	}
	if err := c.Delete(); err != nil {
		return false, err
	}
	// After a Delete, bbolt's Next may step over the entry that followed
	// the one deleted, but any key it finds is one left.
	next, _ := c.Next()
	more = next != nil
	if to, ok := adopted[head.Actor.User]; ok {
		head.seq = seq
		return more, t.adoptRecord(head, to)
	}
	return more, nil
}

// forgetAdopted removes the record of a handover once the outbox is
// empty; more says an entry is known to be left.
func (t *Tx) forgetAdopted(adopted map[string]string, more bool) error {
	if len(adopted) == 0 || more {
		return nil
	}
	if k, _ := t.bucket(bucketOutbox).Cursor().First(); k == nil {
		if err := t.settleHandedFacts(); err != nil {
			return err
		}
		return t.bucket(bucketSync).Delete(keyAdopted)
	}
	return nil
}

// pushCreate adds a create to the outbox at seq as a reference to its
// record, which the caller has just stored with a merge state naming seq
// (stampsWaitingTag).
func (t *Tx) pushCreate(op *rawOp, seq uint64) error {
	t.written++
	return t.bucket(bucketOutbox).Put(u64(seq), op.appendRef(nil, t.s.node))
}

// settleCreate writes out in full the create of entity typ/id while the
// outbox still refers to its record, before the record changes. The
// record's merge state says where the reference waits; what is there is
// checked, as the merge state may name an entry already answered.
func (t *Tx) settleCreate(typ, id string) error {
	stamps := t.bucket(bucketStamps, []byte(typ))
	if stamps == nil {
		return nil // damage, which the write that follows reports
	}
	var buf [17]byte // a packed UUID
	return t.settleWaiting(typ, id, stamps.Get(appendStampKey(buf[:0], id)), 0)
}

// settleWaiting is settleCreate for a record whose merge state, st, its
// caller has read; dropped, when not 0, is the outbox entry its caller
// has just deleted, which needs no settling.
func (t *Tx) settleWaiting(typ, id string, st []byte, dropped uint64) error {
	seq, ok := waitingSeq(st)
	if !ok || seq == dropped {
		return nil
	}
	out := t.bucket(bucketOutbox)
	k := u64(seq)
	v := out.Get(k)
	if len(v) == 0 || v[0] != refTag {
		return nil
	}
	r, err := t.decodeRef(v)
	if err != nil {
		return fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
	}
	if r.Entity.Type != typ || r.Entity.ID != id {
		return nil
	}
	fields, err := recordJSON(t.bucket(entityBucket[typ]), id)
	if err != nil {
		return fmt.Errorf("outbox entry %x: its record %s %s: %w", k, typ, id, err)
	}
	if fields == nil {
		return fmt.Errorf("outbox entry %x is %w: its record %s %s is missing", k, errCorrupt, typ, id)
	}
	return out.Put(k, r.encodeWith(fields))
}

// refKey is an entity's key in resend's set, and in outbox_new as
// migration 11 wrote it: type|id.
func refKey(e model.EntityRef) []byte {
	k := make([]byte, 0, len(e.Type)+1+len(e.ID))
	k = append(k, e.Type...)
	k = append(k, 0)
	return append(k, e.ID...)
}

// encodeWith returns the op's JSON with fields, a record's stored JSON.
func (op *rawOp) encodeWith(fields []byte) []byte {
	b := make([]byte, 0, len(fields)+256)
	b = append(op.appendHead(b), fields...)
	return op.appendTail(b)
}

// appendRef writes the op without its fields: refTag and a 0, the
// entity's type (appendType), the op id and the entity id packed
// (appendID), then node, user and device (each a uvarint length and the
// bytes), then wall (varint), counter and schema (uvarints). The node is
// left empty when it is the replica's own (mine), the device when it is
// the node: most refs then hold only ids and numbers, about 55 bytes.
// An id longer than appendID keeps (255 bytes) is written in the older
// form, every string as text.
func (op *rawOp) appendRef(b []byte, mine string) []byte {
	return op.appendRefIn(b, mine, len(op.ID) <= 255 && len(op.Entity.ID) <= 255)
}

// appendRefIn is appendRef in the form packed says: ids packed, or every
// string as text, as books before packed ids wrote references.
func (op *rawOp) appendRefIn(b []byte, mine string, packed bool) []byte {
	node, device := op.HLC.Node, op.Actor.Device
	if device == node {
		device = ""
	}
	if node == mine {
		node = ""
	}
	b = append(b, refTag)
	strs := []string{op.ID, op.Entity.Type, op.Entity.ID, node, op.Actor.User, device}
	if packed {
		b = append(b, 0)
		b = appendType(b, op.Entity.Type)
		b = appendID(appendID(b, op.ID), op.Entity.ID)
		strs = strs[3:]
	}
	for _, s := range strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, op.HLC.Wall)
	b = binary.AppendUvarint(b, uint64(op.HLC.Counter))
	return binary.AppendUvarint(b, uint64(op.Schema))
}

var errBadRef = errors.New("a reference to a create that does not decode")

// decodeRef reads what appendRef wrote, in either form; damage is
// errBadRef.
func (t *Tx) decodeRef(v []byte) (rawOp, error) {
	return decodeRef(v, t.s.node)
}

func decodeRef(v []byte, mine string) (rawOp, error) {
	var op rawOp
	if len(v) == 0 || v[0] != refTag {
		return op, errBadRef
	}
	var s [6]string
	rest, i, ok := v[1:], 0, true
	if len(rest) > 0 && rest[0] == 0 { // packed ids
		if s[1], rest, ok = cutType(rest[1:]); ok {
			if s[0], rest, ok = cutID(rest); ok {
				s[2], rest, ok = cutID(rest)
			}
		}
		if !ok {
			return op, errBadRef
		}
		i = 3
	}
	for ; i < len(s); i++ {
		if s[i], rest, ok = cutString(rest); !ok {
			return op, errBadRef
		}
	}
	// Read from the slice: a reader for three numbers was an allocation
	// and an interface call each, for every entry a push answers.
	wall, n1 := binary.Varint(rest)
	if n1 <= 0 {
		return op, errBadRef
	}
	counter, n2 := binary.Uvarint(rest[n1:])
	if n2 <= 0 {
		return op, errBadRef
	}
	schema, n3 := binary.Uvarint(rest[n1+n2:])
	if n3 <= 0 || n1+n2+n3 != len(rest) || counter > 1<<32-1 || schema > 1<<16 {
		return op, errBadRef
	}
	op.ID, op.Entity.Type, op.Entity.ID = s[0], s[1], s[2]
	op.Kind = model.OpCreate
	op.HLC = model.HLC{Wall: wall, Counter: uint32(counter), Node: s[3]}
	if op.HLC.Node == "" {
		op.HLC.Node = mine
	}
	op.Actor = model.Actor{User: s[4], Device: s[5]}
	if op.Actor.Device == "" {
		op.Actor.Device = op.HLC.Node
	}
	op.Schema = int(schema)
	if entityBucket[op.Entity.Type] == nil || op.ID == "" || op.Entity.ID == "" {
		return op, errBadRef
	}
	return op, nil
}

// outboxEntities calls fn with the entity of every op in the outbox.
func (t *Tx) outboxEntities(fn func(model.EntityRef)) error {
	return t.bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] == refTag {
			r, err := t.decodeRef(v)
			if err != nil {
				return fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
			}
			fn(r.Entity)
			return nil
		}
		var op struct {
			Entity model.EntityRef `json:"entity"`
		}
		if err := json.Unmarshal(v, &op); err != nil {
			return fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
		}
		fn(op.Entity)
		return nil
	})
}

// refOutbox is migration 11: a create op waiting in the outbox whose
// record is still exactly what it made becomes a reference to the record.
func refOutbox(tx *bolt.Tx) error {
	refs, err := tx.CreateBucketIfNotExists(bucketOutboxNew)
	if err != nil {
		return err
	}
	out := tx.Bucket(bucketOutbox)
	if out == nil {
		return nil
	}
	mine := string(tx.Bucket(bucketMeta).Get(keyNode))
	type swap struct{ k, v []byte }
	var swaps []swap
	err = out.ForEach(func(k, v []byte) error {
		var op model.Op
		if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &op) != nil || op.Kind != model.OpCreate || entityBucket[op.Entity.Type] == nil {
			return nil // not a create, or one a push will report
		}
		if !createStands(tx, op, mine) {
			return nil
		}
		raw := rawOp{ID: op.ID, Entity: op.Entity, Kind: op.Kind, HLC: op.HLC, Actor: op.Actor, Schema: op.Schema}
		swaps = append(swaps, swap{clone(k), raw.appendRef(nil, mine)})
		return refs.Put(refKey(op.Entity), clone(k))
	})
	if err != nil {
		return err
	}
	out.FillPercent = fillPercent
	for _, s := range swaps {
		if err := out.Put(s.k, s.v); err != nil {
			return err
		}
	}
	return nil
}

// createStands reports whether op's record is exactly what op made of
// nothing: the same fields, stamped only by op. Only migration 11 asks,
// of a book before schema 16, whose merge states are keyed by the id's
// text (not stampKey).
func createStands(tx *bolt.Tx, op model.Op, mine string) bool {
	var view jsonView
	data, err := view.record(tx.Bucket(entityBucket[op.Entity.Type]), op.Entity.ID)
	st := tx.Bucket(bucketStamps).Bucket([]byte(op.Entity.Type))
	if err != nil || data == nil || st == nil {
		return false
	}
	rec := model.NewRecord(op.Entity.Type)
	if json.Unmarshal(data, &rec.Fields) != nil {
		return false
	}
	if v := st.Get([]byte(op.Entity.ID)); v == nil || decodeStamps(v, rec, mine) != nil {
		return false
	}
	return len(rec.Stamps) == 0 && len(rec.History) == 0 && rec.Base.HLC == op.HLC &&
		bytes.Equal(model.EncodeFields(rec.Fields), model.EncodeFields(op.Fields))
}
