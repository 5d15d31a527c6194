package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// checkPulled is the one check a change from the server passes before the
// replica writes any of it; a stricter rule belongs here. carried are the
// values the change brings (an op's fields, an appended entry as a
// one-element list, a state's fields; nil for none) and merged the
// record's fields as they will be after it; made says the change made
// the record, so what it carries is the merged record.
//
//   - The carried values must pass model.CheckFields, whatever record they
//     merge into, so a bad change is refused on every replica whatever
//     order the changes arrive in. (For a change that made the record the
//     check of the merged record below covers them.)
//   - The record must name itself by its entity's id: the cards and the
//     indexes are keyed by the id the record holds.
//   - A live record must pass model.CheckRecord: strict typed decoding,
//     the text, count, range and time rules, and the type's own Validate
//     against this book's pipeline, as a local write would. A deleted one
//     need only decode (preparePulled does that), so that a delete can
//     always clear a record.
//
// Times are not held against this device's clock: the server bounds them,
// and a laptop whose clock is slow must not refuse a colleague's work.
//
// It returns the typed record it decoded when it checked a live one.
func (t *Tx) checkPulled(typ, id string, carried, merged map[string]json.RawMessage, made, live bool) (any, error) {
	if made {
		carried = nil
		if !live {
			carried = merged
		}
	}
	if carried != nil {
		if err := model.CheckFields(typ, carried, time.Time{}); err != nil {
			return nil, err
		}
	}
	if err := model.CheckSelfID(merged, id); err != nil {
		return nil, err
	}
	if !live {
		return nil, nil
	}
	return model.DecodeRecord(typ, merged, t.s.rules.Pipeline, time.Time{})
}

// check says how preparePulled checks a record.
type check int

const (
	// changedRecord: a change from the server to a record held here.
	changedRecord check = iota
	// madeRecord: a change from the server that made the record here.
	madeRecord
	// ownWork: this replica's own ops from its outbox, written and checked
	// when they were made; the record need only be storable.
	ownWork
)

// madeOrChanged is madeRecord when the record did not exist before.
func madeOrChanged(existed bool) check {
	if existed {
		return changedRecord
	}
	return madeRecord
}

// prepared is a record ready to store: encoded, decoded into its typed
// value and checked, so that storing it can fail only in bbolt itself.
// bbolt has no savepoints: whatever could refuse a change must refuse it
// before its first write.
type prepared struct {
	typ, id string
	before  []byte // the fields stored now, as the bucket holds them (nil: none)
	fields  []byte // the fields to store
	state   []byte // the merge state to store
	value   any    // the typed record; nil for one without fields
}

// preparePulled makes rec, an entity as it will be after a change from
// the server, ready to store, and refuses it (an error wrapping
// ErrCannotApply) when it cannot be stored and read back: its merge state
// must encode, its fields decode into the typed model, and a live lead's
// card read back. With a check other than ownWork, it must also pass
// checkPulled. Nothing is written.
func (t *Tx) preparePulled(typ, id string, before []byte, rec *model.Record, carried map[string]json.RawMessage, c check) (*prepared, error) {
	p := &prepared{typ: typ, id: id, before: before, fields: model.EncodeFields(rec.Fields)}
	var err error
	if p.state, err = encodeStamps(rec, t.s.node); err != nil {
		return nil, refuse(typ, id, fmt.Errorf("its merge state cannot be encoded: %w", err))
	}
	// Checked before decoding: the checks name the field at fault, the
	// decoder often does not.
	live := len(rec.Fields) > 0 && string(rec.Fields["deleted"]) != "true"
	if c != ownWork {
		if p.value, err = t.checkPulled(typ, id, carried, rec.Fields, c == madeRecord, live); err != nil {
			return nil, refuse(typ, id, err)
		}
	}
	after := p.fields
	if len(rec.Fields) == 0 {
		after = nil
	}
	if p.value == nil {
		if p.value, err = decodeEntity(typ, after); err != nil {
			return nil, refuse(typ, id, err)
		}
	}
	if l, ok := p.value.(*model.Lead); ok && live {
		// The card is what the board, `lead list` and the daily review
		// read; one they could not read back would break them all.
		c := cardFromLead(l)
		var back Card
		if err := back.unmarshal(c.marshal()); err != nil {
			return nil, refuse(typ, id, fmt.Errorf("its card could not be read back (%d tags, %d stage changes): %w", len(l.Tags), len(l.StageLog), err))
		}
	}
	return p, nil
}

// commit stores a prepared record and brings the indexes and the lead's
// card in step with it.
func (t *Tx) commit(p *prepared) error {
	if err := t.settleCreate(p.typ, p.id); err != nil {
		return err
	}
	if err := putFields(t.bucket(entityBucket[p.typ]), p.id, p.fields); err != nil {
		return err
	}
	if err := t.bucket(bucketStamps, []byte(p.typ)).Put(stampKey(p.id), p.state); err != nil {
		return err
	}
	if bytes.Equal(p.before, p.fields) {
		return nil
	}
	before := p.before
	if string(before) == "{}" {
		before = nil
	}
	old, err := decodeEntity(p.typ, before)
	if err != nil {
		old = nil // a corrupt old version has no index entries to remove
	}
	if old == nil && p.value == nil {
		return nil
	}
	return t.reindex(p.typ, p.id, old, p.value)
}

// carriedBy returns the values op brings, in the form checkPulled takes.
func carriedBy(op model.Op) map[string]json.RawMessage {
	switch op.Kind {
	case model.OpCreate, model.OpSet:
		return op.Fields
	case model.OpAppend:
		list := append(append([]byte{'['}, op.Entry...), ']')
		return map[string]json.RawMessage{op.Field: list}
	}
	return nil
}
