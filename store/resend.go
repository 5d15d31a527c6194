package store

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
)

// After a server restore the server's history is older than this book:
// the ops this replica pushed after the backup are gone from it, and the
// outbox no longer holds them. So when the pull sees a new epoch the book
// marks a resend (StartResend), notes every entity the pull from scratch
// brings (NoteSeen), and once that pull is done Resend puts back into the
// outbox what this replica wrote, rebuilt from its records' stamps:
//
//	sync/resend            the epoch a resend waits for the pull of
//	sync/resend_seen/<type>|<id>   entities the server has (value 0x01)
//
// A field or list entry whose stamp names this replica's node was written
// here. Resending what the server still has is harmless: the merge rule
// keeps equal stamps as they are, and a resent append keeps its op id, so
// the server answers it "duplicate".
var (
	keyResend        = []byte("resend")
	bucketResendSeen = []byte("resend_seen")
)

// StartResend marks that the server's data was replaced (epoch is its new
// history): Resend is to run once the pull from scratch is done.
func (t *Tx) StartResend(epoch string) error {
	b := t.bucket(bucketSync)
	if b.Bucket(bucketResendSeen) != nil {
		if err := b.DeleteBucket(bucketResendSeen); err != nil {
			return err
		}
	}
	if _, err := b.CreateBucket(bucketResendSeen); err != nil {
		return err
	}
	return b.Put(keyResend, []byte(epoch))
}

// ResendPending returns the epoch a resend waits for, or "".
func (t *Tx) ResendPending() string { return string(t.bucket(bucketSync).Get(keyResend)) }

// NoteSeen records, while a resend waits, that the server has these
// entities.
func (t *Tx) NoteSeen(refs ...model.EntityRef) error {
	seen := t.bucket(bucketSync, bucketResendSeen)
	if seen == nil {
		return nil
	}
	for _, r := range refs {
		// Not an empty value: bbolt reads one back as nil (absent) in the
		// transaction that wrote it.
		if err := seen.Put(refKey(r), []byte{1}); err != nil {
			return err
		}
	}
	return nil
}

// Resend puts into the outbox the ops that rebuild what this replica
// wrote (see above), and ends the resend. An entity the server lacks is
// created whole, if this replica created it; the fields this replica
// changed since go as sets at their own stamps, and the list entries it
// appended as appends with their own ids. (A lead's owner and assignees
// carry this replica's stamp only when a manager's replica set them, or
// in the create.) It returns how many ops it queued.
func (t *Tx) Resend() (int, error) {
	b := t.bucket(bucketSync)
	seen := b.Bucket(bucketResendSeen)
	node := t.s.node
	actor := model.Actor{User: t.s.user, Device: node}
	n := 0
	queue := func(op model.Op) error {
		op.Actor, op.Schema = actor, model.CurrentSchema
		if op.ID == "" {
			op.ID = model.NewID()
		}
		data, err := json.Marshal(op)
		if err != nil {
			return err
		}
		n++
		return t.pushOutbox(data)
	}
	// Leads first: the server takes a child only under a lead it has.
	for _, typ := range model.EntityTypes {
		err := t.Records(typ, func(id string, rec *model.Record) error {
			ref := model.EntityRef{Type: typ, ID: id}
			has := seen != nil && seen.Get(refKey(ref)) != nil
			mine := rec.Base.HLC.Node == node
			if !has && !mine {
				return nil // the server refuses changes to what it lacks
			}
			if !has {
				fields := map[string]json.RawMessage{}
				for f, v := range rec.Fields {
					if model.IsAppendField(typ, f) {
						v = ownEntries(v, node)
					}
					fields[f] = v
				}
				if err := queue(model.Op{Entity: ref, Kind: model.OpCreate, Fields: fields, HLC: rec.Base.HLC}); err != nil {
					return err
				}
			}
			sets := map[model.HLC]map[string]json.RawMessage{}
			for _, f := range slices.Sorted(maps.Keys(rec.Stamps)) {
				st := rec.Stamps[f]
				if st.HLC.Node != node || model.IsAppendField(typ, f) || f == "id" {
					continue
				}
				if sets[st.HLC] == nil {
					sets[st.HLC] = map[string]json.RawMessage{}
				}
				v := rec.Fields[f]
				if v == nil {
					v = json.RawMessage("null")
				}
				sets[st.HLC][f] = v
			}
			for _, h := range slices.SortedFunc(maps.Keys(sets), model.HLC.Compare) {
				if err := queue(model.Op{Entity: ref, Kind: model.OpSet, Fields: sets[h], HLC: h}); err != nil {
					return err
				}
			}
			if !has {
				return nil // the create carried this replica's entries
			}
			for f, v := range rec.Fields {
				if !model.IsAppendField(typ, f) {
					continue
				}
				var list []json.RawMessage
				_ = json.Unmarshal(ownEntries(v, node), &list)
				for _, e := range list {
					var head struct {
						ID  string    `json:"id"`
						HLC model.HLC `json:"hlc"`
					}
					if json.Unmarshal(e, &head) != nil || head.ID == "" {
						continue
					}
					if err := queue(model.Op{ID: head.ID, Entity: ref, Kind: model.OpAppend, Field: f, Entry: e, HLC: head.HLC}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	if seen != nil {
		if err := b.DeleteBucket(bucketResendSeen); err != nil {
			return n, err
		}
	}
	return n, b.Delete(keyResend)
}

// ownEntries returns the entries of an append-only list whose stamp names
// node, as a JSON list.
func ownEntries(list json.RawMessage, node string) json.RawMessage {
	var all []json.RawMessage
	if json.Unmarshal(list, &all) != nil {
		return json.RawMessage("[]")
	}
	own := []json.RawMessage{}
	for _, e := range all {
		var head struct {
			HLC model.HLC `json:"hlc"`
		}
		if json.Unmarshal(e, &head) == nil && head.HLC.Node == node {
			own = append(own, e)
		}
	}
	data, _ := json.Marshal(own)
	return data
}
