package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
)

// bQuarantine holds the ops an operator took out of pulls (repair.go):
//
//	quarantine/<seq>   JSON Quarantine; seq uint64 big-endian
//
// The bucket is made by the first quarantine, so files without one need
// no migration: no bucket, nothing quarantined.
var bQuarantine = []byte("quarantine")

func (t *boltTx) Quarantine(q Quarantine) error {
	b, err := t.tx.CreateBucketIfNotExists(bQuarantine)
	if err != nil {
		return err
	}
	data, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return b.Put(be(q.Seq), data)
}

func (t *boltTx) Quarantined(after uint64) ([]Quarantine, error) {
	b := t.tx.Bucket(bQuarantine)
	if b == nil {
		return nil, nil
	}
	var out []Quarantine
	c := b.Cursor()
	for k, v := c.Seek(be(after + 1)); k != nil; k, v = c.Next() {
		var q Quarantine
		if err := json.Unmarshal(v, &q); err != nil {
			return nil, fmt.Errorf("quarantine mark %d is corrupt: %w", binary.BigEndian.Uint64(k), err)
		}
		out = append(out, q)
	}
	return out, nil
}

func (t *boltTx) DropRecord(ref model.EntityRef) error {
	b := t.tx.Bucket(bRecords).Bucket([]byte(ref.Type))
	if b == nil {
		return fmt.Errorf("unknown entity type %q", ref.Type)
	}
	return b.Delete(recordKey(nil, ref.ID))
}

func (t *boltTx) EachRecord(after model.EntityRef, fn func(ref model.EntityRef, rec *model.Record, bad error) (bool, error)) error {
	for _, typ := range slices.Sorted(slices.Values(model.EntityTypes)) {
		b := t.tx.Bucket(bRecords).Bucket([]byte(typ))
		if b == nil || typ < after.Type {
			continue
		}
		c := b.Cursor()
		k, v := c.First()
		if typ == after.Type {
			key := recordKey(nil, after.ID)
			if k, v = c.Seek(key); k != nil && bytes.Equal(k, key) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			id, ok := recordID(k)
			ref := model.EntityRef{Type: typ, ID: id}
			var rec *model.Record
			var err error
			if ok {
				rec, err = decodeRecord(ref, v)
			} else { // damage: no write makes such a key
				ref.ID, err = fmt.Sprintf("%x", k), fmt.Errorf("its key %x is no id", k)
			}
			more, err := fn(ref, rec, err)
			if err != nil || !more {
				return err
			}
		}
	}
	return nil
}
