package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// Sync state of the replica (schema 3):
//
//	sync/
//	  cursor      uint64 big-endian: the highest server seq pulled
//	  epoch       the server's epoch the cursor belongs to
//	  last_sync   uint64 big-endian Unix milliseconds of the last full sync
//	  last_error  the last sync's error sentence, empty after a success
//	  acked       uint64 big-endian: the highest server seq of this
//	              replica's own ops whose push answer it stored (a pull
//	              leaves those out: wire.Own)
//	  role        the account's role as the server last said it (whoami)
//	  role_at     uint64 big-endian Unix milliseconds: when it said so
//	rejected/<op id>   JSON RejectedOp: ops the server refused, kept until
//	                   the user dismisses them
var (
	bucketSync     = []byte("sync")
	bucketRejected = []byte("rejected")

	keyCursor    = []byte("cursor")
	keyEpoch     = []byte("epoch")
	keyLastSync  = []byte("last_sync")
	keyLastError = []byte("last_error")
	keyAcked     = []byte("acked")
	keyRole      = []byte("role")
	keyRoleAt    = []byte("role_at")
)

func createSyncBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSync, bucketRejected} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// SyncState is where this replica stands with the server.
type SyncState struct {
	Cursor    uint64
	Epoch     string
	LastSync  time.Time // zero: never synced
	LastError string
	Acked     uint64 // the highest seq of this replica's ops it stored an answer for
}

// SyncState returns the replica's sync state.
func (t *Tx) SyncState() SyncState {
	b := t.bucket(bucketSync)
	var s SyncState
	if v := b.Get(keyCursor); len(v) == 8 {
		s.Cursor = beUint64(v)
	}
	s.Epoch = string(b.Get(keyEpoch))
	if v := b.Get(keyLastSync); len(v) == 8 && beUint64(v) > 0 {
		s.LastSync = time.UnixMilli(int64(beUint64(v)))
	}
	s.LastError = string(b.Get(keyLastError))
	if v := b.Get(keyAcked); len(v) == 8 {
		s.Acked = beUint64(v)
	}
	return s
}

// SetSyncState stores the replica's sync state.
func (t *Tx) SetSyncState(s SyncState) error {
	b := t.bucket(bucketSync)
	for k, v := range map[string][]byte{
		string(keyCursor): u64(s.Cursor), string(keyEpoch): []byte(s.Epoch),
		string(keyLastSync): millis(s.LastSync), string(keyLastError): []byte(s.LastError),
		string(keyAcked): u64(s.Acked),
	} {
		if err := b.Put([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// Acknowledge records that the server applied one of this replica's ops
// at seq (or had it already, at seq).
func (t *Tx) Acknowledge(seq uint64) error {
	if s := t.SyncState(); seq > s.Acked {
		return t.bucket(bucketSync).Put(keyAcked, u64(seq))
	}
	return nil
}

// RejectedOp is an op the server refused, with its reason. It stays in the
// replica, with everything the user wrote, until the user dismisses it.
type RejectedOp struct {
	Op     model.Op  `json:"op"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// AddRejected records that the server refused op.
func (t *Tx) AddRejected(op model.Op, reason string) error {
	data, err := json.Marshal(RejectedOp{Op: op, Reason: reason, At: t.now})
	if err != nil {
		return err
	}
	return t.bucket(bucketRejected).Put([]byte(op.ID), data)
}

// Rejected lists the refused ops, oldest op first.
func (t *Tx) Rejected() ([]RejectedOp, error) {
	return listOf[RejectedOp](t.bucket(bucketRejected), "rejected op")
}

// listOf decodes every value of bucket b, in key order; what names an
// entry in the error for one that does not decode.
func listOf[T any](b *bolt.Bucket, what string) ([]T, error) {
	var out []T
	err := b.ForEach(func(k, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("%s %q is %w: %w", what, k, errCorrupt, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// RejectedLen returns how many refused ops wait for the user.
func (t *Tx) RejectedLen() int { return t.bucket(bucketRejected).Stats().KeyN }

// DismissRejected removes a refused op from the list, by op id.
func (t *Tx) DismissRejected(opID string) error {
	b := t.bucket(bucketRejected)
	if b.Get([]byte(opID)) == nil {
		return fmt.Errorf("rejected op %s: %w", opID, ErrNotFound)
	}
	return b.Delete([]byte(opID))
}

// Record returns the merge state of one entity; ok is false when the
// replica does not hold it.
func (t *Tx) Record(typ, id string) (*model.Record, bool, error) {
	if entityBucket[typ] == nil {
		return nil, false, fmt.Errorf("unknown entity type %q", typ)
	}
	return t.loadRecord(typ, id)
}

// Records calls fn for every entity of type typ the replica holds, in id
// order.
func (t *Tx) Records(typ string, fn func(id string, rec *model.Record) error) error {
	b := t.bucket(entityBucket[typ])
	if b == nil {
		return fmt.Errorf("unknown entity type %q", typ)
	}
	var ids []string
	if err := b.ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil }); err != nil {
		return err
	}
	for _, id := range ids {
		rec, _, err := t.loadRecord(typ, id)
		if err != nil {
			return err
		}
		if err := fn(id, rec); err != nil {
			return err
		}
	}
	return nil
}

// MergeRecord folds a record's full state from the server into the local
// copy (creating it if missing), the way a lead arrives when it becomes
// visible. Local changes not yet pushed keep their place by the merge rule.
// A state the replica cannot apply is refused with an error wrapping
// ErrCannotApply, before anything is written.
func (t *Tx) MergeRecord(typ, id string, remote *model.Record) error {
	if entityBucket[typ] == nil {
		return refuse(typ, id, errors.New("unknown entity type"))
	}
	rec, existed, err := t.loadRecord(typ, id)
	if err != nil {
		return cannotApply(err)
	}
	before := model.EncodeFields(rec.Fields)
	rec.Merge(remote)
	p, err := t.preparePulled(typ, id, before, rec, remote.Fields, madeOrChanged(existed))
	if err != nil {
		return err
	}
	t.observeRecord(remote)
	return t.commit(p)
}

// ReplaceRecord sets the local copy of an entity to the server's state and
// then re-applies the ops still waiting in the outbox for it. The client
// uses it after the server refused a change, so the replica shows what the
// server holds plus what is yet to be pushed. A state the replica cannot
// apply is refused with an error wrapping ErrCannotApply, before anything
// is written.
func (t *Tx) ReplaceRecord(typ, id string, remote *model.Record) error {
	if entityBucket[typ] == nil {
		return refuse(typ, id, errors.New("unknown entity type"))
	}
	old, exists, err := t.loadRecord(typ, id)
	if err != nil {
		return cannotApply(err)
	}
	var before []byte
	if exists {
		if before, err = json.Marshal(old.Fields); err != nil {
			return cannotApply(err)
		}
	}
	rec := model.NewRecord(typ)
	rec.Merge(remote)
	if err := t.reapplyOutbox(typ, id, rec); err != nil {
		return err
	}
	p, err := t.preparePulled(typ, id, before, rec, remote.Fields, changedRecord)
	if err != nil {
		return err
	}
	t.observeRecord(remote)
	return t.commit(p)
}

// RemoveLocal deletes the local copy of an entity without making an op:
// the server said the user may no longer see it. Ops for it still waiting
// in the outbox are re-applied (the server will answer them). A local copy
// that cannot be read is refused with an error wrapping ErrCannotApply,
// before anything is written.
func (t *Tx) RemoveLocal(typ, id string) error {
	if entityBucket[typ] == nil {
		return refuse(typ, id, errors.New("unknown entity type"))
	}
	old, exists, err := t.loadRecord(typ, id)
	if err != nil {
		return cannotApply(err)
	}
	if !exists {
		return nil
	}
	before, err := json.Marshal(old.Fields)
	if err != nil {
		return cannotApply(err)
	}
	rec := model.NewRecord(typ)
	if err := t.reapplyOutbox(typ, id, rec); err != nil {
		return err
	}
	if len(rec.Fields) > 0 {
		// What is left is this replica's own work: it need only be
		// storable, not pass the checks of a change from the server.
		p, err := t.preparePulled(typ, id, before, rec, nil, ownWork)
		if err != nil {
			return err
		}
		return t.commit(p)
	}
	if err := t.settleCreate(typ, id); err != nil {
		return err
	}
	if err := t.bucket(entityBucket[typ]).Delete([]byte(id)); err != nil {
		return err
	}
	if err := t.bucket(bucketStamps, []byte(typ)).Delete(stampKey(id)); err != nil {
		return err
	}
	return t.reindexData(typ, id, before, nil)
}

// reapplyOutbox applies to rec the ops waiting in the outbox for entity
// typ/id.
func (t *Tx) reapplyOutbox(typ, id string, rec *model.Record) error {
	adopted := t.adopted()
	want := model.EntityRef{Type: typ, ID: id}
	return t.bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] == refTag {
			if r, err := t.decodeRef(v); err == nil && r.Entity != want {
				return nil
			}
		}
		op, err := t.outboxOp(k, v)
		if err != nil {
			return cannotApply(err)
		}
		if op.Entity != want {
			return nil
		}
		if to, ok := adopted[op.Actor.User]; ok {
			adoptOp(&op, op.Actor.User, to)
		}
		rec.Apply(op)
		return nil
	})
}

// store saves rec and keeps the indexes in step with what was there.
func (t *Tx) store(typ, id string, rec *model.Record, before []byte) error {
	if err := t.saveRecord(typ, id, rec); err != nil {
		return err
	}
	after := model.EncodeFields(rec.Fields)
	return t.reindexData(typ, id, before, after)
}

// observeRecord advances the local clock past every stamp in rec.
func (t *Tx) observeRecord(rec *model.Record) {
	t.observe(rec.Base.HLC)
	for _, s := range rec.Stamps {
		t.observe(s.HLC)
	}
}

// AdoptUnsynced hands the changes made on this device as oldUser that have
// never been pushed (still waiting in the outbox) to newUser: they are
// pushed as newUser's, and leads created as oldUser are newUser's. `fieldcrm
// login` uses it, so work written before the first login (as $USER) is not
// refused by the server for naming someone else as owner. It records the
// two names once (sync/adopted) instead of rewriting every op and record:
// Outbox translates the ops as they are pushed, DropOutbox their records
// as the server answers them. It returns how many leads change owner.
func (t *Tx) AdoptUnsynced(oldUser, newUser string) (int, error) {
	if k, _ := t.bucket(bucketOutbox).Cursor().First(); oldUser == newUser || k == nil {
		return 0, nil
	}
	leads := 0
	var owner struct {
		Owner string `json:"owner"`
	}
	leadsB := t.bucket(bucketLeads)
	err := t.bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var head opHead
		if len(v) > 0 && v[0] == refTag {
			r, err := t.decodeRef(v)
			if err != nil {
				return fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
			}
			head = opHead{Entity: r.Entity, Kind: r.Kind, Actor: r.Actor}
		} else if err := json.Unmarshal(v, &head); err != nil {
			return fmt.Errorf("outbox entry %x is %w: %w", k, errCorrupt, err)
		}
		if head.Actor.User != oldUser || head.Kind != model.OpCreate || head.Entity.Type != model.TypeLead {
			return nil
		}
		owner.Owner = ""
		if data, err := t.view.record(leadsB, head.Entity.ID); err == nil && data != nil && json.Unmarshal(data, &owner) == nil && owner.Owner == oldUser {
			leads++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	m := maps.Clone(t.adopted()) // adopted's own is not to be changed
	if m == nil {
		m = map[string]string{}
	}
	for from, to := range m {
		if to == oldUser {
			m[from] = newUser
		}
		if m[from] == from {
			delete(m, from)
		}
	}
	m[oldUser] = newUser
	data, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	return leads, t.bucket(bucketSync).Put(keyAdopted, data)
}

// The account a book is bound to, in the sync bucket beside the cursor it
// goes with (no migration: the bucket exists since schema 3):
//
//	sync/
//	  server      the server's address, as the client normalises it
//	  user        the user name on that server
//	  replica     this book's replica id (meta/node) when it was bound
//	  bound_at    uint64 big-endian Unix milliseconds
var (
	keyBoundServer  = []byte("server")
	keyBoundUser    = []byte("user")
	keyBoundReplica = []byte("replica")
	keyBoundAt      = []byte("bound_at")
)

// Binding is the account a book belongs to: the server, the user and the
// replica id of its first login. The cursor and epoch in the sync state
// count that account's history, so syncing the book as anyone else would
// push its work under the wrong name and pull with the wrong cursor.
type Binding struct {
	Server  string    `json:"server"`
	User    string    `json:"user"`
	Replica string    `json:"replica"`
	At      time.Time `json:"bound_at,omitzero"`
}

// IsZero reports whether the book is bound to no account yet.
func (b Binding) IsZero() bool { return b.Server == "" && b.User == "" }

// Binding returns the account the book is bound to; zero when it is not.
func (t *Tx) Binding() Binding {
	return readBinding(t.bucket(bucketSync))
}

func readBinding(b *bolt.Bucket) Binding {
	if b == nil {
		return Binding{}
	}
	bd := Binding{Server: string(b.Get(keyBoundServer)), User: string(b.Get(keyBoundUser)), Replica: string(b.Get(keyBoundReplica))}
	if v := b.Get(keyBoundAt); len(v) == 8 && beUint64(v) > 0 {
		bd.At = time.UnixMilli(int64(beUint64(v)))
	}
	return bd
}

// Synced reports whether the book has ever pulled from a server.
func (s SyncState) Synced() bool {
	return s.Cursor > 0 || s.Epoch != "" || !s.LastSync.IsZero()
}

// Bind binds a book that is bound to no account yet to user on server. A
// book that has never synced gets its first sync state (no cursor, no
// epoch) in the same transaction; a book synced before books were bound
// keeps its cursor, which can only belong to the account it synced with.
func (t *Tx) Bind(server, user string) error {
	if !t.Binding().IsZero() {
		return errors.New("this book is already bound to an account")
	}
	s := t.SyncState()
	if !s.Synced() {
		s = SyncState{}
	}
	return t.bind(server, user, s)
}

// Rebind binds the book to user on server in place of its account and
// starts a fresh sync state: no cursor and no epoch, so the next pull
// brings that account's history from the beginning. Unsynced work in the
// outbox is left as it is; the caller decides its fate first.
func (t *Tx) Rebind(server, user string) error {
	return t.bind(server, user, SyncState{})
}

func (t *Tx) bind(server, user string, s SyncState) error {
	if server == "" || user == "" {
		return errors.New("a book is bound to a server and a user, and one is missing")
	}
	if err := t.SetSyncState(s); err != nil {
		return err
	}
	b := t.bucket(bucketSync)
	// The role was the former account's.
	for _, k := range [][]byte{keyRole, keyRoleAt} {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for k, v := range map[string][]byte{
		string(keyBoundServer): []byte(server), string(keyBoundUser): []byte(user),
		string(keyBoundReplica): []byte(t.s.node), string(keyBoundAt): millis(t.now),
	} {
		if err := b.Put([]byte(k), v); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketMeta).Put(keyUser, []byte(user))
}

// SetAsideOutbox moves every op waiting in the outbox to the rejected
// list with reason, so it is kept, visible and never sent; it returns how
// many moved. `fieldcrm login --rebind` uses it for work written as the
// book's former account that the new one should not push.
func (t *Tx) SetAsideOutbox(reason string) (int, error) {
	entries, err := t.Outbox(0)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if err := t.AddRejected(e.Op, reason); err != nil {
			return 0, err
		}
		if err := t.DropOutbox(e.Seq); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

// Role returns the account's role as the server last said it, so the
// book can refuse at once what the role may not do (an approval's
// decision); "" when it never said, and then the server decides.
func (t *Tx) Role() string { return string(t.bucket(bucketSync).Get(keyRole)) }

// RoleAt returns when the server last said the role (zero: never).
func (t *Tx) RoleAt() time.Time {
	if v := t.bucket(bucketSync).Get(keyRoleAt); len(v) == 8 && beUint64(v) > 0 {
		return time.UnixMilli(int64(beUint64(v)))
	}
	return time.Time{}
}

// SetRole keeps the role the server said the account has (whoami, at
// login and sync).
func (t *Tx) SetRole(role string) error {
	b := t.bucket(bucketSync)
	if err := b.Put(keyRole, []byte(role)); err != nil {
		return err
	}
	return b.Put(keyRoleAt, millis(t.now))
}
