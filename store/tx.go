package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// Tx is one transaction on the replica. Values it returns are copies, valid
// after the transaction ends.
type Tx struct {
	s       *Store
	tx      *bolt.Tx
	now     time.Time
	clock   *model.Clock
	written int                     // ops this transaction added to the outbox
	created int                     // records this transaction created
	pending map[string]*cardPending // card parts to bring up to date, by lead
	creates *createEncoder          // encodes new records
	held    map[string][]heldEntry  // index entries not yet put, by idx/ bucket
	heldErr error                   // a held entry bbolt refused
	search  *searchPending          // postings not yet written (search.go)
	// mayCutAside lets a bulk write cut its records' terms on a goroutine
	// of its own (searchcut.go): Store.update's transactions, which stop
	// it if they end without writing the postings.
	mayCutAside bool
	// changedOld is set when the transaction changed or removed the
	// derived data of a record that was there before its run: such a
	// transaction carries nothing. made holds the records its run made,
	// in a transaction of a run (carry.go).
	changedOld bool
	made       map[string]struct{}
	run        *Carry   // the run this transaction is of, if any
	view       jsonView // records read as JSON (records.go)
	// handOver is the record of a handover (adopted) as last read, and
	// the names it holds, which are not to be changed.
	handOver struct {
		raw   []byte
		names map[string]string
	}
	// handedFacts is sync/handed_facts once handFacts made or found it.
	handedFacts *bolt.Bucket
	// ids are eachDue's and touchedBy's ids unpacked for their callbacks:
	// a buffer on the stack escapes once passed to one.
	ids [2][36]byte
}

// Now returns the transaction's wall time.
func (t *Tx) Now() time.Time { return t.now }

// Rules returns the store's rules.
func (t *Tx) Rules() model.Rules { return t.s.rules }

// User returns who writes.
func (t *Tx) User() string { return t.s.user }

func (t *Tx) bucket(path ...[]byte) *bolt.Bucket {
	if len(t.held) > 0 {
		t.putHeldFor(path)
	}
	b := t.tx.Bucket(path[0])
	for _, name := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(name)
	}
	if b != nil {
		// Most keys here grow in order (time-ordered ids, sequences): full
		// pages keep the file small and commits short.
		b.FillPercent = fillPercent
	}
	return b
}

// fillPercent is how full bbolt fills a page before it starts another.
const fillPercent = 0.9

func (t *Tx) idx(name []byte) *bolt.Bucket { return t.bucket(bucketIdx, name) }

// index is idx for a reader that must not meet a missing index: in a book
// at this schema one is damage, said as such.
func (t *Tx) index(name []byte) (*bolt.Bucket, error) {
	if b := t.idx(name); b != nil {
		return b, nil
	}
	return nil, fmt.Errorf("the index %s is %w: it is missing", name, errCorrupt)
}

// stamp returns the next HLC stamp, loading the persisted clock on first
// use so stamps never go backwards across processes and restarts.
func (t *Tx) stamp() model.HLC {
	if t.clock == nil {
		t.clock = model.NewClock(t.s.node, func() time.Time { return t.now })
		var last model.HLC
		if err := json.Unmarshal(t.bucket(bucketMeta).Get(keyHLC), &last); err == nil {
			t.clock.Observe(last)
		}
	}
	return t.clock.Now()
}

// observe merges a stamp seen in a remote op into the persisted clock.
func (t *Tx) observe(h model.HLC) {
	if t.clock == nil {
		t.stamp()
	}
	t.clock.Observe(h)
}

func (t *Tx) saveClock() error {
	if t.clock == nil || !t.tx.Writable() {
		return nil
	}
	data, err := json.Marshal(t.clock.Last())
	if err != nil {
		return err
	}
	return t.bucket(bucketMeta).Put(keyHLC, data)
}

// loadRecord reads an entity's fields and merge state; ok is false when
// the record does not exist.
func (t *Tx) loadRecord(typ, id string) (*model.Record, bool, error) {
	rec := model.NewRecord(typ)
	// A bucket missing from a book at this schema is damage (a name
	// garbled on its page), said as such rather than a nil dereference.
	records, stamps := t.bucket(entityBucket[typ]), t.bucket(bucketStamps, []byte(typ))
	if records == nil || stamps == nil {
		return nil, false, fmt.Errorf("the %s records or their merge states are %w: a bucket is missing", typ, errCorrupt)
	}
	data, err := t.view.record(records, id)
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: %w", typ, id, err)
	}
	if data == nil {
		return rec, false, nil
	}
	if err := json.Unmarshal(data, &rec.Fields); err != nil {
		return nil, false, fmt.Errorf("%s %s is %w: %w", typ, id, errCorrupt, err)
	}
	var buf [17]byte // a packed UUID
	if st := stamps.Get(appendStampKey(buf[:0], id)); st != nil {
		if err := decodeStamps(st, rec, t.s.node); err != nil {
			return nil, false, fmt.Errorf("%s %s merge state is %w: %w", typ, id, errCorrupt, err)
		}
	}
	return rec, true, nil
}

func (t *Tx) saveRecord(typ, id string, rec *model.Record) error {
	_, err := t.storeRecord(typ, id, rec)
	return err
}

// storeRecord writes a record's fields and merge state and returns the
// fields as stored.
func (t *Tx) storeRecord(typ, id string, rec *model.Record) ([]byte, error) {
	if err := t.settleCreate(typ, id); err != nil {
		return nil, err
	}
	data := model.EncodeFields(rec.Fields)
	if err := putFields(t.bucket(entityBucket[typ]), id, data); err != nil {
		return nil, err
	}
	st, err := encodeStamps(rec, t.s.node)
	if err != nil {
		return nil, err
	}
	return data, t.bucket(bucketStamps, []byte(typ)).Put(stampKey(id), st)
}

// get decodes the stored entity into v; ErrNotFound when absent.
func (t *Tx) get(typ, id string, v any) error {
	data, err := t.view.record(t.bucket(entityBucket[typ]), id)
	if err != nil {
		return fmt.Errorf("%s %s: %w", typ, id, err)
	}
	if data == nil {
		return fmt.Errorf("%s %s: %w", typ, id, ErrNotFound)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s %s is %w: %w", typ, id, errCorrupt, err)
	}
	return nil
}

// put writes entity v (a *model.Lead, ...) as a local change: it diffs v
// against the stored record, and when anything changed applies and logs an
// op. create says the record must not exist yet; a create may carry the
// first entries of append-only lists.
func (t *Tx) put(typ, id string, v any, create bool) error {
	if create {
		if t.bucket(entityBucket[typ]).Get([]byte(id)) != nil {
			return fmt.Errorf("%s %s: %w", typ, id, ErrExists)
		}
		return t.create(typ, id, v)
	}
	fields, err := model.FieldsOf(v)
	if err != nil {
		return err
	}
	rec, exists, err := t.loadRecord(typ, id)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%s %s: %w", typ, id, ErrNotFound)
	}
	op := model.Op{Entity: model.EntityRef{Type: typ, ID: id}, Kind: model.OpSet, Fields: model.Diff(typ, rec.Fields, fields)}
	if len(op.Fields) == 0 {
		return nil
	}
	return t.applyLocal(rec, op)
}

// create writes a new record. Applying a create to an absent record gives
// exactly its fields stamped with the op's clock, so this path skips the
// general merge and encodes each part once: it is what makes a bulk load
// (the demo book, an import) fast.
func (t *Tx) create(typ, id string, v any) error {
	op := rawOp{ID: model.NewID(), Entity: model.EntityRef{Type: typ, ID: id}, Kind: model.OpCreate,
		HLC: t.stamp(), Actor: model.Actor{User: t.s.user, Device: t.s.node}, Schema: model.CurrentSchema}
	if t.creates == nil {
		t.creates = &createEncoder{mine: t.s.node}
	}
	seq, err := t.bucket(bucketOutbox).NextSequence()
	if err != nil {
		return err
	}
	parts, err := t.creates.encode(&op, v, seq)
	if err != nil {
		return err
	}
	t.created++
	if err := putFields(t.bucket(entityBucket[typ]), id, parts.fields); err != nil {
		return err
	}
	if err := t.bucket(bucketStamps, []byte(typ)).Put(stampKey(id), parts.stamps); err != nil {
		return err
	}
	if err := t.reindex(typ, id, nil, v); err != nil {
		return err
	}
	return t.pushCreate(&op, seq)
}

// rawOp is a create op without its fields, which are the record's JSON
// (outbox.go).
type rawOp struct {
	ID     string
	Entity model.EntityRef
	Kind   string
	HLC    model.HLC
	Actor  model.Actor
	Schema int
}

func (t *Tx) pushOutbox(data []byte) error {
	out := t.bucket(bucketOutbox)
	seq, err := out.NextSequence()
	if err != nil {
		return err
	}
	t.written++
	return out.Put(u64(seq), data)
}

// appendTo adds entry (which gets the op's id and stamp) to the append-only
// list field of a record.
func (t *Tx) appendTo(typ, id, field string, entry func(opID string, h model.HLC) any) error {
	rec, exists, err := t.loadRecord(typ, id)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%s %s: %w", typ, id, ErrNotFound)
	}
	op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: typ, ID: id}, Kind: model.OpAppend, Field: field}
	op.HLC = t.stamp()
	if op.Entry, err = json.Marshal(entry(op.ID, op.HLC)); err != nil {
		return err
	}
	return t.applyLocal(rec, op)
}

// applyLocal stamps op, applies it and appends it to the outbox.
func (t *Tx) applyLocal(rec *model.Record, op model.Op) error {
	if op.ID == "" {
		op.ID = model.NewID()
	}
	if op.HLC.IsZero() {
		op.HLC = t.stamp()
	}
	op.Actor = model.Actor{User: t.s.user, Device: t.s.node}
	op.Schema = model.CurrentSchema
	if err := t.apply(rec, op); err != nil {
		return err
	}
	data, err := json.Marshal(op)
	if err != nil {
		return err
	}
	return t.pushOutbox(data)
}

// ApplyRemote merges ops pulled from the server, in order, with
// ApplyRemoteOp. It stops at the first op refused; the ops before it are
// applied.
func (t *Tx) ApplyRemote(ops []model.Op) error {
	for _, op := range ops {
		if err := t.ApplyRemoteOp(op); err != nil {
			return err
		}
	}
	return nil
}

// ApplyRemoteOp merges one op pulled from the server. An op already
// applied is a no-op; the op's stamp advances the local clock. An op the
// replica cannot apply (malformed, or leaving a record that fails
// checkPulled) is refused with an error wrapping ErrCannotApply, before
// anything is written, so the transaction can go on without it.
func (t *Tx) ApplyRemoteOp(op model.Op) error {
	if err := op.Validate(); err != nil {
		return refuse(op.Entity.Type, op.Entity.ID, err)
	}
	return t.ApplyPulled(&PulledOp{op: op}) // pulled.go
}

// apply merges op into rec, stores the result and keeps the indexes and
// the lead's card in step.
func (t *Tx) apply(rec *model.Record, op model.Op) error {
	typ, id := op.Entity.Type, op.Entity.ID
	before := model.EncodeFields(rec.Fields)
	rec.Apply(op)
	after, err := t.storeRecord(typ, id, rec)
	if err != nil || bytes.Equal(before, after) {
		return err
	}
	return t.reindexData(typ, id, before, after)
}
