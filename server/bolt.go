package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket tree of the server's bbolt file (DIR/server.db):
//
//	meta/epoch                 random hex, made when the file is created
//	meta/schema_version        uint64 big-endian
//	users/<name>               JSON User
//	tokens/<sha256 of secret>  JSON Token
//	log/<seq>                  kind byte (0x80 set: a uvarint of the
//	                           entry's Slots follows), the lead (0x40 set:
//	                           packed, see below; else uvarint-prefixed)
//	                           and the uvarint-prefixed user, then the
//	                           op's JSON, packed; seq uint64 big-endian,
//	                           from the bucket's NextSequence in the
//	                           writing transaction, so commit order is seq
//	                           order
//	opids/<op id, packed>      seq the op was applied at
//	records/<type>/<id>        JSON boltRecord: fields and merge state
//	children/<lead, packed><type>|<id, packed>
//	                           empty ("|" is a 0x00 byte)
//	visible/<user>|<lead>      empty: user owns or is assigned the lead
//	usage/<user>               uint64 big-endian: bytes of op JSON in the
//	                           log whose actor is user (schema 2 on)
//	quarantine/<seq>           JSON Quarantine: an op taken out of pulls
//	                           (bolt_repair.go; made on first use)
//	disabled/, token_expiry/,  accounts, invitations and the audit log
//	invites/, audit/           (bolt_accounts.go; made on first use)
//
// Ids in keys and log entries are packed (model.AppendPackedID, schema 3
// on): a UUID in 17 bytes where its text takes 36. Packed UUIDs sort as
// their text, so a lead's children keep their order. Log entries written
// before schema 3 keep their leads as text.
var (
	bMeta     = []byte("meta")
	bUsers    = []byte("users")
	bTokens   = []byte("tokens")
	bLog      = []byte("log")
	bOpIDs    = []byte("opids")
	bRecords  = []byte("records")
	bChildren = []byte("children")
	bVisible  = []byte("visible")
	bUsage    = []byte("usage")

	kEpoch  = []byte("epoch")
	kSchema = []byte("schema_version")
)

// boltSchema is the layout this build writes; boltMigrations bring an
// older file up to it.
const boltSchema = 4

// boltMigrations[v] turns a file of schema v-1 into one of schema v, in
// the transaction that opens it.
var boltMigrations = map[uint64]func(tx *bolt.Tx) error{
	2: countUsage,
	3: packIndexIDs,
	4: packRecordKeys,
}

// BoltStorage is the default Storage: one bbolt file.
type BoltStorage struct {
	db        *bolt.DB
	inflight  atomic.Int32
	releasing atomic.Bool // release is running (mapped.go)
	// the resident file pages of the process not in the server's mapping,
	// and when they were read (release, mapped.go)
	others atomic.Int64
	readAt atomic.Int64 // unix nanoseconds
}

// BoltPath is the server's database file in dir.
func BoltPath(dir string) string { return filepath.Join(dir, "server.db") }

// allocStep is how far bbolt grows the server's file past what a write
// needs. Its 16 MiB default left the file of a 10,000-lead team up to
// 16 MiB larger than its pages (137.5 MB for 127.8 MB of pages); with
// 4 MiB the first push of that book grows the file 23 times instead of
// 10, each a truncate and an fsync, in the same time (BENCHMARKS.md,
// "Where a waiting create waits, ... and the server's file").
const allocStep = 4 << 20

// ErrBusy says another process holds the server's file.
var ErrBusy = errors.New("the server's data is in use by another process")

// OpenBolt opens (creating) the server's bbolt file in dir.
func OpenBolt(dir string, noSync bool) (*BoltStorage, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	path := BoltPath(dir)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: noSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is open elsewhere (is 'fieldcrm serve' running on it?)", ErrBusy, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.AllocSize = allocStep
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bMeta, bUsers, bTokens, bLog, bOpIDs, bRecords, bChildren, bVisible, bUsage} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		recs := tx.Bucket(bRecords)
		for _, typ := range model.EntityTypes {
			if _, err := recs.CreateBucketIfNotExists([]byte(typ)); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get(kSchema); len(v) == 8 {
			have := binary.BigEndian.Uint64(v)
			if have > boltSchema {
				return fmt.Errorf("%s was written by a newer fieldcrm; update fieldcrm", path)
			}
			for next := have + 1; next <= boltSchema; next++ {
				if err := boltMigrations[next](tx); err != nil {
					return fmt.Errorf("migrate to schema %d: %w", next, err)
				}
			}
		}
		if meta.Get(kEpoch) == nil {
			var b [8]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			if err := meta.Put(kEpoch, []byte(hex.EncodeToString(b[:]))); err != nil {
				return err
			}
		}
		return meta.Put(kSchema, be(boltSchema))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	return &BoltStorage{db: db}, nil
}

// View implements Storage.
func (s *BoltStorage) View(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer s.release() // mapped.go
	return s.db.View(func(tx *bolt.Tx) error { return fn(&boltTx{tx: tx}) })
}

// Update implements Storage. Concurrent updates are committed together
// (bbolt's Batch: one fsync for many pushes); fn may therefore run more
// than once, and must start from scratch each time, as every caller in
// this package does.
func (s *BoltStorage) Update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	run := func(tx *bolt.Tx) error { return fn(&boltTx{tx: tx}) }
	defer s.release() // mapped.go
	// Alone, commit at once; with others waiting, join their batch.
	if s.inflight.Add(1) == 1 {
		defer s.inflight.Add(-1)
		return s.db.Update(run)
	}
	defer s.inflight.Add(-1)
	return s.db.Batch(run)
}

// Close implements Storage.
func (s *BoltStorage) Close() error { return s.db.Close() }

// boltTx implements Tx on one bbolt transaction.
type boltTx struct {
	tx *bolt.Tx
	// opIDs is the cursor OpSeq looks op ids up with, made once for the
	// transaction: bbolt's Get makes a cursor for each lookup and grows
	// its stack as it descends, and a push looks each op's id up three
	// times. The server's part of the demo book's first push made 17.4
	// million allocations (1.71 GB), and makes 15.6 million (1.64 GB)
	// with it; its CPU did not change beyond the noise (BENCHMARKS.md).
	// A transaction is used by one goroutine.
	opIDs *bolt.Cursor
}

// boltRecord is a record as stored: fields plus merge state.
type boltRecord struct {
	Fields map[string]json.RawMessage `json:"f"`
	*model.Record
}

func be(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func (t *boltTx) Epoch() (string, error) { return string(t.tx.Bucket(bMeta).Get(kEpoch)), nil }

func (t *boltTx) User(name string) (User, bool, error) {
	var u User
	v := t.tx.Bucket(bUsers).Get([]byte(name))
	if v == nil {
		return u, false, nil
	}
	return u, true, json.Unmarshal(v, &u)
}

func (t *boltTx) PutUser(u User) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bUsers).Put([]byte(u.Name), data)
}

func (t *boltTx) Users() ([]User, error) {
	var out []User
	err := t.tx.Bucket(bUsers).ForEach(func(_, v []byte) error {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

func (t *boltTx) Token(hash [32]byte) (Token, bool, error) {
	var tok Token
	v := t.tx.Bucket(bTokens).Get(hash[:])
	if v == nil {
		return tok, false, nil
	}
	if err := json.Unmarshal(v, &tok); err != nil {
		return tok, false, err
	}
	tok.Hash = hash
	return tok, true, nil
}

func (t *boltTx) PutToken(tok Token) error {
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bTokens).Put(tok.Hash[:], data)
}

func (t *boltTx) Tokens() ([]Token, error) {
	var out []Token
	err := t.tx.Bucket(bTokens).ForEach(func(k, v []byte) error {
		var tok Token
		if err := json.Unmarshal(v, &tok); err != nil {
			return err
		}
		copy(tok.Hash[:], k)
		out = append(out, tok)
		return nil
	})
	return out, err
}

func (t *boltTx) Record(ref model.EntityRef) (*model.Record, bool, error) {
	b := t.tx.Bucket(bRecords).Bucket([]byte(ref.Type))
	if b == nil {
		return nil, false, fmt.Errorf("unknown entity type %q", ref.Type)
	}
	var buf [17]byte // a packed UUID
	v := b.Get(recordKey(buf[:0], ref.ID))
	if v == nil {
		return model.NewRecord(ref.Type), false, nil
	}
	rec, err := decodeRecord(ref, v)
	return rec, err == nil, err
}

func (t *boltTx) PutRecord(ref model.EntityRef, rec *model.Record) error {
	data, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	return t.putEncoded(ref, data)
}

// putEncoded stores a record encodeRecord encoded as data (encodedPutter).
func (t *boltTx) putEncoded(ref model.EntityRef, data []byte) error {
	b := t.tx.Bucket(bRecords).Bucket([]byte(ref.Type))
	if b == nil {
		return fmt.Errorf("unknown entity type %q", ref.Type)
	}
	b.FillPercent = fillPercent
	return b.Put(recordKey(nil, ref.ID), data)
}

// recordKey appends a record's key in records/<type>: its id packed
// (schema 4), 17 bytes for a UUID's 36, as the index keys hold ids.
// Packed UUIDs sort as their text does.
func recordKey(b []byte, id string) []byte { return model.AppendPackedID(b, id) }

// recordID is the id of a key recordKey wrote; ok is false for any other.
func recordID(k []byte) (string, bool) {
	id, rest, ok := model.CutPackedID(k)
	return id, ok && len(rest) == 0
}

// encodeRecord writes rec as json.Marshal(boltRecord{...}) would, the
// same on both backends, but the fields, checked already, are laid out as
// they are rather than compacted and escaped again: that was most of the
// cost of storing a record.
func encodeRecord(rec *model.Record) ([]byte, error) {
	state, err := json.Marshal(rec) // its merge state; Fields is left out
	if err != nil {
		return nil, err
	}
	// The fields written where they go, not copied there; room made once
	// for them and the state after them.
	data := model.AppendFields([]byte(`{"f":`), rec.Fields, len(state))
	if len(state) > 2 {
		data = append(append(data, ','), state[1:]...)
	} else {
		data = append(data, '}')
	}
	// Stored packed (jsonpack), about 2.3x smaller; decodeRecord reads
	// either form.
	return jsonpack.Pack(make([]byte, 0, len(data)/2+16), data), nil
}

func childKey(lead string, ref model.EntityRef) []byte {
	b := model.AppendPackedID(make([]byte, 0, 2*17+len(ref.Type)+1), lead)
	b = append(append(b, ref.Type...), 0)
	return model.AppendPackedID(b, ref.ID)
}

// parseChildKey reads a key childKey wrote; ok is false for any other.
func parseChildKey(k []byte) (lead string, ref model.EntityRef, ok bool) {
	lead, rest, ok := model.CutPackedID(k)
	if !ok {
		return "", ref, false
	}
	i := bytes.IndexByte(rest, 0)
	if i <= 0 {
		return "", ref, false
	}
	ref.Type = string(rest[:i])
	if ref.ID, rest, ok = model.CutPackedID(rest[i+1:]); !ok || len(rest) > 0 {
		return "", model.EntityRef{}, false
	}
	return lead, ref, true
}

// opKey is an op id's key in opids/.
func opKey(opID string) []byte { return model.AppendPackedID(nil, opID) }

func (t *boltTx) ChildRecords(lead string, types ...string) (map[model.EntityRef]*model.Record, error) {
	kids, err := t.Children(lead)
	if err != nil {
		return nil, err
	}
	out := map[model.EntityRef]*model.Record{}
	for _, ref := range kids {
		if !slices.Contains(types, ref.Type) {
			continue
		}
		rec, ok, err := t.Record(ref)
		if err != nil {
			return nil, err
		}
		if ok {
			out[ref] = rec
		}
	}
	return out, nil
}

func (t *boltTx) Children(lead string) ([]model.EntityRef, error) {
	var out []model.EntityRef
	prefix := model.AppendPackedID(nil, lead)
	c := t.tx.Bucket(bChildren).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if _, ref, ok := parseChildKey(k); ok {
			out = append(out, ref)
		}
	}
	return out, nil
}

func (t *boltTx) AddChild(lead string, ref model.EntityRef) error {
	b := t.tx.Bucket(bChildren)
	// A lead's children come in time order after their lead, so its
	// range fills from the left like the log; half-full pages, bbolt's
	// default, left this index twice its 11 MB at 10,000 leads.
	b.FillPercent = fillPercent
	return b.Put(childKey(lead, ref), nil)
}

func (t *boltTx) OpSeq(opID string) (uint64, bool, error) {
	if t.opIDs == nil {
		t.opIDs = t.tx.Bucket(bOpIDs).Cursor()
	}
	var buf [17]byte // a packed UUID
	k := model.AppendPackedID(buf[:0], opID)
	// Seek starts from the bucket's root each time, so it sees what this
	// transaction put since the last lookup.
	got, v := t.opIDs.Seek(k)
	if !bytes.Equal(got, k) || len(v) != 8 {
		return 0, false, nil
	}
	return binary.BigEndian.Uint64(v), true, nil
}

func (t *boltTx) Usage(user string) (int64, error) {
	v := t.tx.Bucket(bUsage).Get([]byte(user))
	if len(v) != 8 {
		return 0, nil
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// addUsage adds n bytes to user's usage.
func addUsage(b *bolt.Bucket, user string, n int64) error {
	if user == "" || n == 0 {
		return nil
	}
	var have uint64
	if v := b.Get([]byte(user)); len(v) == 8 {
		have = binary.BigEndian.Uint64(v)
	}
	return b.Put([]byte(user), be(uint64(int64(have)+n)))
}

// countUsage fills the usage bucket from the log: files from before
// schema 2 kept no counts.
func countUsage(tx *bolt.Tx) error {
	usage := tx.Bucket(bUsage)
	totals := map[string]int64{}
	err := tx.Bucket(bLog).ForEach(func(k, v []byte) error {
		e, err := decodeEntry(binary.BigEndian.Uint64(k), v, true)
		if err != nil || e.Kind != EntryOp || e.Raw == nil {
			return err
		}
		user, err := opActor(e.Raw)
		if err != nil {
			return fmt.Errorf("log entry %d: %w", e.Seq, err)
		}
		totals[user] += int64(len(e.Raw))
		return nil
	})
	if err != nil {
		return err
	}
	for user, n := range totals {
		if err := addUsage(usage, user, n); err != nil {
			return err
		}
	}
	return nil
}

// opActor returns the user named by an op's JSON.
func opActor(raw []byte) (string, error) {
	var op struct {
		Actor model.Actor `json:"actor"`
	}
	if err := json.Unmarshal(raw, &op); err != nil {
		return "", err
	}
	return op.Actor.User, nil
}

// Visible looks the key up, not its value: bbolt's Get answers nil for a
// key put with an empty value in the transaction asking, so a lead made
// visible earlier in a batch read as not visible until the commit
// (TestVisibleChangesKeepTheirOrder).
func (t *boltTx) Visible(user, lead string) (bool, error) {
	key := []byte(user + "\x00" + lead)
	k, _ := t.tx.Bucket(bVisible).Cursor().Seek(key)
	return bytes.Equal(k, key), nil
}

func (t *boltTx) VisibleToAny(users []string, lead string) (bool, error) {
	for _, u := range users {
		if ok, err := t.Visible(u, lead); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

func (t *boltTx) SetVisible(lead string, remove, add []string) error {
	b := t.tx.Bucket(bVisible)
	for _, u := range remove {
		if err := b.Delete([]byte(u + "\x00" + lead)); err != nil {
			return err
		}
	}
	for _, u := range add {
		if err := b.Put([]byte(u+"\x00"+lead), nil); err != nil {
			return err
		}
	}
	return nil
}

var entryKinds = []string{EntryOp, EntryGrant, EntryRevoke}

// slotsFlag marks a kind byte followed by the entry's Slots, and
// packedLeadFlag one whose lead is packed (schema 3 on).
const (
	slotsFlag      = 0x80
	packedLeadFlag = 0x40
	entryFlags     = slotsFlag | packedLeadFlag
)

// encodeEntry lays an entry out so a scan can filter on kind, lead and
// user without decoding the op. It also returns the length of the op's
// JSON, the bytes usage counts. An entry's Raw, when set with its Op, is
// taken as the op's JSON.
func encodeEntry(e LogEntry) ([]byte, int, error) {
	k := slices.Index(entryKinds, e.Kind)
	if k < 0 {
		return nil, 0, fmt.Errorf("log entry kind %q", e.Kind)
	}
	room := 1 + binary.MaxVarintLen64 + 17 + binary.MaxVarintLen64 + len(e.User) // made once, not grown
	switch {
	case e.Packed != nil && e.Raw != nil:
		room += len(e.Packed)
	case e.Raw != nil:
		room += len(e.Raw)/2 + 16
	}
	b := append(make([]byte, 0, room), byte(k))
	if e.Slots > 0 {
		b[0] |= slotsFlag
		b = binary.AppendUvarint(b, e.Slots)
	}
	b[0] |= packedLeadFlag
	b = model.AppendPackedID(b, e.Lead)
	b = binary.AppendUvarint(b, uint64(len(e.User)))
	b = append(b, e.User...)
	n := 0
	if e.Op != nil {
		op := e.Raw // the op's JSON, when the caller encoded it already
		if op == nil {
			var err error
			if op, err = json.Marshal(e.Op); err != nil {
				return nil, 0, err
			}
		}
		if e.Packed != nil && e.Raw != nil {
			b = append(b, e.Packed...)
		} else {
			b = jsonpack.Pack(b, op) // about half the bytes; decodeEntry unpacks
		}
		n = len(op)
	}
	return b, n, nil
}

// decodeEntry reads the log entry v at seq; its op is unpacked into Raw,
// or, without unpack, copied as stored into Packed.
func decodeEntry(seq uint64, v []byte, unpack bool) (LogEntry, error) {
	bad := fmt.Errorf("log entry %d is corrupt", seq)
	if len(v) < 1 || int(v[0]&^entryFlags) >= len(entryKinds) {
		return LogEntry{}, bad
	}
	e := LogEntry{Seq: seq, Kind: entryKinds[v[0]&^entryFlags]}
	rest := v[1:]
	if v[0]&slotsFlag != 0 {
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > seq {
			return LogEntry{}, bad
		}
		e.Slots, rest = n, rest[w:]
	}
	str := func() (string, bool) {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return "", false
		}
		s := string(rest[w : w+int(n)])
		rest = rest[w+int(n):]
		return s, true
	}
	var ok1, ok2 bool
	if v[0]&packedLeadFlag != 0 {
		e.Lead, rest, ok1 = model.CutPackedID(rest)
	} else {
		e.Lead, ok1 = str()
	}
	e.User, ok2 = str()
	if !ok1 || !ok2 {
		return LogEntry{}, bad
	}
	if len(rest) > 0 && !unpack {
		e.Packed = append([]byte(nil), rest...) // the map's bytes last only as long as the transaction
	} else if len(rest) > 0 {
		raw, err := jsonpack.UnpackNew(rest)
		if err != nil {
			return LogEntry{}, fmt.Errorf("log entry %d is corrupt: %w", seq, err)
		}
		e.Raw, e.OwnRaw = json.RawMessage(raw), true
	}
	return e, nil
}

// fillPercent is how full bbolt fills a page of the op ids, the records
// and the children before it starts another. Their keys mostly grow in
// order (time-ordered ids), so bbolt's default of half full would leave
// the file about twice the size of its data; the room left takes the
// keys that come late (an op made offline) and records that grow.
const fillPercent = 0.95

func (t *boltTx) Append(e LogEntry) (uint64, error) {
	b := t.tx.Bucket(bLog)
	b.FillPercent = 1 // appended in key order and never changed: full pages
	e.Slots = 0
	if e.Kind == EntryGrant || e.Kind == EntryRevoke {
		e.Slots = VisibilitySlots
		if err := b.SetSequence(b.Sequence() + e.Slots); err != nil {
			return 0, err
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	data, opLen, err := encodeEntry(e)
	if err != nil {
		return 0, err
	}
	if err := b.Put(be(seq), data); err != nil {
		return 0, err
	}
	if e.Kind == EntryOp && e.Op != nil {
		ids := t.tx.Bucket(bOpIDs)
		ids.FillPercent = fillPercent
		if err := ids.Put(opKey(e.Op.ID), be(seq)); err != nil {
			return 0, err
		}
		if err := addUsage(t.tx.Bucket(bUsage), e.Op.Actor.User, int64(opLen)); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

func (t *boltTx) Head() (uint64, error) { return t.tx.Bucket(bLog).Sequence(), nil }

func (t *boltTx) Scan(after uint64, fn func(LogEntry) (bool, error)) error {
	return t.scan(after, true, fn)
}

func (t *boltTx) ScanPacked(after uint64, fn func(LogEntry) (bool, error)) error {
	return t.scan(after, false, fn)
}

func (t *boltTx) scan(after uint64, unpack bool, fn func(LogEntry) (bool, error)) error {
	c := t.tx.Bucket(bLog).Cursor()
	for k, v := c.Seek(be(after + 1)); k != nil; k, v = c.Next() {
		e, err := decodeEntry(binary.BigEndian.Uint64(k), v, unpack)
		if err != nil {
			return err
		}
		more, err := fn(e)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// packIndexIDs (schema 3) writes the keys of children/ and opids/ with
// their ids packed (childKey, opKey): about a third of the bytes. A
// children key that is not lead|type|id was skipped by every reader, and
// is left out.
func packIndexIDs(tx *bolt.Tx) error {
	err := rekey(tx, bChildren, 1, func(k []byte) []byte {
		parts := bytes.SplitN(k, []byte{0}, 3)
		if len(parts) != 3 || len(parts[0]) == 0 || len(parts[1]) == 0 || len(parts[2]) == 0 {
			return nil
		}
		return childKey(string(parts[0]), model.EntityRef{Type: string(parts[1]), ID: string(parts[2])})
	})
	if err != nil {
		return fmt.Errorf("children: %w", err)
	}
	if err := rekey(tx, bOpIDs, 1, func(k []byte) []byte { return opKey(string(k)) }); err != nil {
		return fmt.Errorf("op ids: %w", err)
	}
	return nil
}

// packRecordKeys is schema 4: each records/<type> bucket is written again
// keyed by recordKey, about 2.2 MB less in a 10,000-lead team's file. The
// records keep room to grow, as PutRecord leaves it.
func packRecordKeys(tx *bolt.Tx) error {
	recs := tx.Bucket(bRecords)
	var types [][]byte
	if err := recs.ForEachBucket(func(typ []byte) error { types = append(types, bytes.Clone(typ)); return nil }); err != nil {
		return err
	}
	for _, typ := range types {
		if err := rekey(recs, typ, fillPercent, func(k []byte) []byte { return recordKey(nil, string(k)) }); err != nil {
			return fmt.Errorf("%s records: %w", typ, err)
		}
	}
	return nil
}

// parentBucket is a transaction or a bucket: what holds the buckets
// rekey writes again.
type parentBucket interface {
	Bucket(name []byte) *bolt.Bucket
	CreateBucket(name []byte) (*bolt.Bucket, error)
	DeleteBucket(name []byte) error
}

// rekey writes bucket name of parent again, each key as key gives it (a
// nil one left out), in key order into a fresh bucket filled to fill.
func rekey(parent parentBucket, name []byte, fill float64, key func(k []byte) []byte) error {
	type kv struct{ k, v []byte }
	var all []kv
	err := parent.Bucket(name).ForEach(func(k, v []byte) error {
		if nk := key(k); nk != nil && v != nil {
			all = append(all, kv{nk, bytes.Clone(v)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := parent.DeleteBucket(name); err != nil {
		return err
	}
	b, err := parent.CreateBucket(name)
	if err != nil {
		return err
	}
	b.FillPercent = fill
	slices.SortFunc(all, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	for _, e := range all {
		if err := b.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}
