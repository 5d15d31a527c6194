package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
)

// OutboxEntry is an op waiting to be pushed, with its place in the outbox.
type OutboxEntry struct {
	Seq uint64
	Op  model.Op
}

// Outbox returns up to limit ops waiting to sync, oldest first (all when
// limit <= 0).
func (t *Tx) Outbox(limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	c := t.bucket(bucketOutbox).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var op model.Op
		if err := json.Unmarshal(v, &op); err != nil {
			return nil, fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
		}
		out = append(out, OutboxEntry{Seq: binary.BigEndian.Uint64(k), Op: op})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// OutboxLen returns how many ops wait to sync.
func (t *Tx) OutboxLen() int { return t.bucket(bucketOutbox).Stats().KeyN }

// DropOutbox removes pushed ops from the outbox, by seq.
func (t *Tx) DropOutbox(seqs ...uint64) error {
	b := t.bucket(bucketOutbox)
	for _, s := range seqs {
		if err := b.Delete(u64(s)); err != nil {
			return err
		}
	}
	return nil
}
