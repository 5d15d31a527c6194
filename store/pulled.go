package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// Changes pulled from the server that the replica could not apply
// (schema 9):
//
//	set_aside/<n>   JSON SetAside; n is 8 bytes big-endian from the
//	                bucket's NextSequence, so entries list in the order
//	                they were set aside
//
// A change is set aside instead of applied when it cannot be read, or when
// the record it would leave fails the checks a local write passes (see
// checkPulled). The rest of its page is applied and the cursor moves past
// it, so one bad change cannot stop this replica's sync for good.
var bucketSetAside = []byte("set_aside")

// ErrCannotApply is wrapped by the errors of ApplyRemote, MergeRecord,
// ReplaceRecord and RemoveLocal that refused a change from the server
// before writing any of it: the transaction may go on, and the caller sets
// the change aside. Those errors are *CannotApplyError.
var ErrCannotApply = errors.New("this replica cannot apply the change")

// CannotApplyError says why the replica refused a change from the server.
type CannotApplyError struct {
	Entity model.EntityRef // what the change names; zero when unknown
	Err    error           // why
}

func (e *CannotApplyError) Error() string {
	if e.Entity.Type == "" {
		return e.Err.Error()
	}
	return e.Entity.Type + " " + e.Entity.ID + ": " + e.Err.Error()
}

// Unwrap gives the reason and ErrCannotApply.
func (e *CannotApplyError) Unwrap() []error { return []error{e.Err, ErrCannotApply} }

// Reason is the reason alone, without the entity.
func (e *CannotApplyError) Reason() string { return e.Err.Error() }

func refuse(typ, id string, err error) error {
	return &CannotApplyError{Entity: model.EntityRef{Type: typ, ID: id}, Err: err}
}

// cannotApply refuses a change for a reason that names its own subject.
func cannotApply(err error) error { return &CannotApplyError{Err: err} }

// Kinds of set-aside change.
const (
	SetAsideOp         = "op"
	SetAsideState      = "state"
	SetAsideRemove     = "remove"
	SetAsideUnreadable = "unreadable" // the change itself could not be decoded
)

// MaxSetAsideBytes is the largest change kept in full in the set-aside
// list; a larger one keeps its size and reason only (the server has it).
const MaxSetAsideBytes = model.MaxOpBytes

// SetAside is a change from the server this replica could not apply, with
// the reason. It stays until the user dismisses it.
type SetAside struct {
	ID     uint64          `json:"id"`              // this replica's number for it
	Seq    uint64          `json:"seq"`             // the server's seq (0: in the answer to a push)
	Epoch  string          `json:"epoch,omitempty"` // the server history the seq belongs to
	Kind   string          `json:"kind"`            // SetAsideOp, SetAsideState, ...
	Entity model.EntityRef `json:"entity"`          // zero when the change could not be read
	OpID   string          `json:"op_id,omitempty"`
	Reason string          `json:"reason"`
	At     time.Time       `json:"at"`
	Size   int             `json:"size"`             // bytes of the change as received
	Change []byte          `json:"change,omitempty"` // the change as received, up to MaxSetAsideBytes
}

func createSetAside(tx *bolt.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bucketSetAside)
	return err
}

// AddSetAside keeps a change the replica could not apply. It fills in ID
// and At, records the size of s.Change and keeps the change itself only
// up to MaxSetAsideBytes.
func (t *Tx) AddSetAside(s SetAside) error {
	b := t.bucket(bucketSetAside)
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	s.ID, s.At, s.Size = n, t.now, len(s.Change)
	if len(s.Change) > MaxSetAsideBytes {
		s.Change = nil
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return b.Put(u64(n), data)
}

// SetAsides lists the changes set aside, in the order they were set aside.
func (t *Tx) SetAsides() ([]SetAside, error) {
	return listOf[SetAside](t.bucket(bucketSetAside), "set-aside change")
}

// SetAsideLen returns how many set-aside changes wait for the user.
func (t *Tx) SetAsideLen() int { return t.bucket(bucketSetAside).Stats().KeyN }

// DismissSetAside removes a set-aside change from the list, by its ID.
func (t *Tx) DismissSetAside(id uint64) error {
	b := t.bucket(bucketSetAside)
	if b.Get(u64(id)) == nil {
		return fmt.Errorf("set-aside change %d: %w", id, ErrNotFound)
	}
	return b.Delete(u64(id))
}

// ClearSetAside empties the list: the server's history was replaced (a
// restore), and the pull starts over and sets aside again whatever it
// still cannot apply.
func (t *Tx) ClearSetAside() error {
	b := t.bucket(bucketSetAside)
	var keys [][]byte
	if err := b.ForEach(func(k, _ []byte) error { keys = append(keys, clone(k)); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// PulledOp is an op of a pull answer with the work done that needs no
// transaction: when it is a create, the record it makes where the book
// does not hold its entity yet, merged, encoded, decoded into the typed
// model and checked. A fresh pull is almost all such creates, so the sync
// prepares a page's ops while the page before it is stored
// (remote.prefetch), and the transaction only looks the entity up and
// writes.
type PulledOp struct {
	op   model.Op
	made *prepared  // what the create makes from nothing; nil: not prepared
	doc  *searchDoc // made's view for the search index; nil: none
	err  error      // why the book refuses what it makes
}

// PreparePulled prepares op, which must have passed model.Op.Validate on
// this laptop (wire.DecodePullChanges checks every op of a pull answer).
// It reads nothing from the book, so it may run beside a transaction.
func (s *Store) PreparePulled(op model.Op) *PulledOp {
	p := &PulledOp{op: op}
	if op.Kind != model.OpCreate {
		return p
	}
	rec := model.NewRecord(op.Entity.Type)
	rec.Apply(op)
	// preparePulled reads the store's rules and node, never its
	// transaction; "{}" is what an absent record's fields encode to.
	p.made, p.err = (&Tx{s: s}).preparePulled(op.Entity.Type, op.Entity.ID, []byte("{}"), rec, carriedBy(op), madeRecord)
	if p.made != nil && p.made.value != nil {
		p.doc = searchDocOf(p.made.value, nil)
	}
	return p
}

// ApplyPulled merges a pulled op as ApplyRemoteOp does, without checking
// its shape again: the op passed model.Op.Validate when it was decoded.
// What the merged record must pass is checked here as there, against the
// record the book holds: the server's word is never taken for it.
func (t *Tx) ApplyPulled(p *PulledOp) error {
	op := p.op
	typ, id := op.Entity.Type, op.Entity.ID
	var made *prepared
	if p.made != nil || p.err != nil {
		// Prepared for a book without the record: does it hold it? (A
		// book missing a bucket takes the path that says so.)
		records, stamps := t.bucket(entityBucket[typ]), t.bucket(bucketStamps, []byte(typ))
		switch {
		case records == nil || stamps == nil || records.Get([]byte(id)) != nil:
		case p.err != nil:
			return p.err
		default:
			made = p.made
			if p.doc != nil {
				t.offerSearchDoc(made.value, p.doc)
				defer t.withdrawSearchDoc()
			}
		}
	}
	if made == nil {
		rec, existed, err := t.loadRecord(typ, id)
		if err != nil {
			return cannotApply(err)
		}
		before := model.EncodeFields(rec.Fields)
		rec.Apply(op)
		c := changedRecord
		if !existed && op.Kind == model.OpCreate {
			c = madeRecord
		}
		if made, err = t.preparePulled(typ, id, before, rec, carriedBy(op), c); err != nil {
			return err
		}
	}
	t.observe(op.HLC)
	if op.Kind == model.OpCreate {
		t.created++
	}
	return t.commit(made)
}
