package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// migration moves the schema from version-1 to version. Migrations run in
// order inside the transaction that opens the file, so a crash midway
// leaves the old schema intact.
type migration struct {
	version int
	name    string
	run     func(tx *bolt.Tx) error
}

// migrations is the ordered list; never edit a released one, append.
var migrations = []migration{
	{1, "create the buckets", createBuckets},
	{2, "derive board cards for every lead", rebuildCards},
	{3, "add the sync state and rejected-op buckets", createSyncBuckets},
	{4, "add targets, the activity facts index and stage history on cards", addReportData},
	{5, "keep each open task's lead and action in the due-day index", rebuildTaskDue},
	{6, "index leads by the short id that lists show", addLeadShort},
	{7, "index the visits still open", addVisitOpen},
	{8, "index leads by stage and last touch", addLeadTouch},
	{9, "add the bucket of pulled changes set aside", createSetAside},
	{10, "index the words of leads and activities for search", buildSearch},
	{11, "keep a waiting create as a reference to its record, not a second copy", refOutbox},
	{12, "add approval requests and service orders with their indexes", addApprovalsServices},
	{13, "drop the activities' time index that act_facts repeats", dropActTime},
	{14, "store the records packed, in about half the bytes", packRecords},
	{15, "write the ids in the activity indexes packed", packActIndexes},
	{16, "key the merge states by packed ids and keep in them where a waiting create waits", packStamps},
	{17, "write the ids in the lead and task indexes packed", packLeadTaskIndexes},
}

// showing are the migrations that can take seconds on a big book, in the
// form that says how far they have got; migrateShowing runs them so.
var showing = map[int]func(tx *bolt.Tx, progress func(done, total int)) error{
	10: buildSearchProgress,
	14: packRecordsProgress,
	15: packActIndexesProgress,
	16: packStampsProgress,
	17: packLeadTaskIndexesProgress,
}

// SchemaVersion is the schema this build writes.
var SchemaVersion = migrations[len(migrations)-1].version

func createBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketLeads, bucketActivities, bucketTasks, bucketComplaints, bucketCards, bucketOutbox, bucketDrafts} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	stamps, err := tx.CreateBucketIfNotExists(bucketStamps)
	if err != nil {
		return err
	}
	for typ := range entityBucket {
		if _, err := stamps.CreateBucketIfNotExists([]byte(typ)); err != nil {
			return err
		}
	}
	idx, err := tx.CreateBucketIfNotExists(bucketIdx)
	if err != nil {
		return err
	}
	for _, name := range [][]byte{idxLeadStage, idxTaskDue, idxTaskLead, idxActLead, idxActTime, idxComplaintOpen} {
		if _, err := idx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

func schemaVersion(tx *bolt.Tx) int {
	v := tx.Bucket(bucketMeta).Get(keySchema)
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

func migrate(tx *bolt.Tx) error { return migrateShowing(tx, nil) }

// migrateShowing is migrate telling progress (when not nil) how a long
// migration goes.
func migrateShowing(tx *bolt.Tx, progress func(done, total int)) error {
	cur := schemaVersion(tx)
	if cur > SchemaVersion {
		return fmt.Errorf("%w: schema %d, this build knows up to %d; update fieldcrm", ErrNewer, cur, SchemaVersion)
	}
	for _, m := range migrations {
		if m.version <= cur {
			continue
		}
		run := m.run
		if long := showing[m.version]; long != nil && progress != nil {
			run = func(tx *bolt.Tx) error { return long(tx, progress) }
		}
		if err := run(tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if err := tx.Bucket(bucketMeta).Put(keySchema, u64(uint64(m.version))); err != nil {
			return err
		}
	}
	if cur == 1 {
		// Migration 2 derived the cards through this build's readers of
		// act_lead and task_lead, which a book at schema 1 held with
		// text ids until migrations 15 and 17 packed them: the cards
		// missed the last activity and the next follow-up.
		return rebuildCards(tx)
	}
	return nil
}

// addApprovalsServices is migration 12: the buckets of approval requests
// and service orders, their merge states and their indexes (a book of an
// older build holds none, so there is nothing to index), and the queue of
// a queued task in the due-day index.
func addApprovalsServices(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketApprovals, bucketServices} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	for _, typ := range []string{model.TypeApproval, model.TypeService} {
		if _, err := tx.Bucket(bucketStamps).CreateBucketIfNotExists([]byte(typ)); err != nil {
			return err
		}
	}
	for _, name := range [][]byte{idxApprovalLead, idxApprovalPending, idxServiceLead, idxServiceOpen} {
		if _, err := tx.Bucket(bucketIdx).CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	// A queue's task (pulled by a build that knew queues but not this
	// index) carries its queue in the due-day index now.
	return rebuildTaskDue(tx)
}

// dropActTime is migration 13: idx/act_time held, under the same keys as
// idx/act_facts, only the lead's id that begins act_facts' value; the
// time-ordered activity list reads act_facts now. About 10 MB of a
// 10,000-lead book.
func dropActTime(tx *bolt.Tx) error {
	err := tx.Bucket(bucketIdx).DeleteBucket(idxActTime)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

func packRecords(tx *bolt.Tx) error { return packRecordsProgress(tx, nil) }

// packRecordsProgress is migration 14: every record a book holds as JSON
// is stored packed (records.go), as every write since this schema stores
// it; a 10,000-lead book's records go from about 84 to 40 MB. The room
// they leave is given back by the next compaction. A value that is not
// JSON is left as it is (Pack keeps it), for doctor to find.
func packRecordsProgress(tx *bolt.Tx, progress func(done, total int)) error {
	total, done := 0, 0
	for _, name := range entityBucket {
		if b := tx.Bucket(name); b != nil {
			total += b.Stats().KeyN
		}
	}
	// bbolt's cursors may not see puts made while they walk, so the
	// records go in chunks: read up to a chunk, put it, seek past it.
	const chunk = 4096
	for _, name := range entityBucket {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		var after []byte
		for {
			var batch []kv
			c := b.Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(batch) < chunk; k, v = c.Next() {
				if v != nil && !jsonpack.Packed(v) {
					batch = append(batch, kv{clone(k), jsonpack.Pack(nil, v)})
				}
				after = clone(k)
				done++
			}
			for _, e := range batch {
				if err := b.Put(e.k, e.v); err != nil {
					return err
				}
			}
			if progress != nil {
				progress(done, total)
			}
			if k == nil {
				break
			}
		}
	}
	return nil
}

func packActIndexes(tx *bolt.Tx) error { return packActIndexesProgress(tx, nil) }

// packActIndexesProgress is migration 15: act_lead and act_facts are
// derived again from the activity records, every id in them packed
// (appendID: 17 bytes for a UUID's 36), about 8 MB less in a 10,000-lead
// book, put in key order (rebuildIndexes says why).
func packActIndexesProgress(tx *bolt.Tx, progress func(done, total int)) error {
	acts := tx.Bucket(bucketActivities)
	total, done := acts.Stats().KeyN, 0
	var view jsonView
	keys := func(v []byte) []ikey {
		var a model.Activity
		if data, err := view.of(v); err != nil || decodeActivity(data, &a) != nil {
			return nil // a corrupt record has no index entry, as in doctor's rebuild
		}
		return indexKeys(&a)
	}
	return rebuildIndexes(tx, bucketActivities, [][]byte{idxActLead, idxActFacts}, keys, func() {
		if done++; progress != nil && (done%4096 == 0 || done == total) {
			progress(done, total)
		}
	})
}

func packLeadTaskIndexes(tx *bolt.Tx) error { return packLeadTaskIndexesProgress(tx, nil) }

// packLeadTaskIndexesProgress is migration 17: lead_stage, lead_short and
// lead_touch are derived again from the cards, task_lead and task_due
// from the task records, every id in their keys (and the lead id that
// begins task_due's value) packed, about 1.1 MB less in a 10,000-lead
// book. Only the text a key is looked up by (stage, short id, day) stays
// text, before the 0 that ends it.
func packLeadTaskIndexesProgress(tx *bolt.Tx, progress func(done, total int)) error {
	total, done := tx.Bucket(bucketTasks).Stats().KeyN+tx.Bucket(bucketCards).Stats().KeyN, 0
	each := func() {
		if done++; progress != nil && (done%4096 == 0 || done == total) {
			progress(done, total)
		}
	}
	if err := rebuildIndexes(tx, bucketTasks, [][]byte{idxTaskLead, idxTaskDue}, taskIndexKeys(), each); err != nil {
		return err
	}
	return rebuildIndexes(tx, bucketCards, [][]byte{idxLeadStage, idxLeadShort, idxLeadTouch}, cardIndexKeys, each)
}

func packStamps(tx *bolt.Tx) error { return packStampsProgress(tx, nil) }

// packStampsProgress is migration 16, two changes to the merge states
// made in one pass, as each writes every stamps bucket anew:
//
//   - Each is keyed by stampKey, the record's id packed, about 2.2 MB less
//     in a 10,000-lead book. A key already packed (only a book whose schema
//     number went back could hold one) is kept. A key that is no id is
//     left out, as migration 15 leaves out a corrupt record: no read can
//     reach it (every read asks for a record's id) and doctor's repair
//     would not carry it either; a nested bucket where a merge state should
//     be is left out the same way.
//   - Each create waiting in the outbox as a reference gets its seq written
//     into its record's merge state (stampsWaitingTag), and the bucket
//     outbox_new, which held the same in either of its forms, goes: 4.1 MB
//     less. The outbox is what is read, not outbox_new: a reference is the
//     create that waits. One that does not decode, or whose merge state is
//     missing or damaged, is left as it is for the push to report, as
//     before.
//
// As in migration 15, the entries are put in key order into a fresh bucket
// (putAnew): growing the values in place split every page in two.
func packStampsProgress(tx *bolt.Tx, progress func(done, total int)) error {
	out, stamps := tx.Bucket(bucketOutbox), tx.Bucket(bucketStamps)
	if stamps == nil {
		return nil // damage that loadRecord and doctor name
	}
	var types [][]byte
	total, done := 0, 0
	err := stamps.ForEachBucket(func(typ []byte) error {
		types = append(types, clone(typ))
		total += stamps.Bucket(typ).Stats().KeyN
		return nil
	})
	if err != nil {
		return err
	}
	if out != nil {
		total += out.Stats().KeyN
	}
	step := func() {
		if done++; progress != nil && (done%4096 == 0 || done == total) {
			progress(done, total)
		}
	}
	mine := string(tx.Bucket(bucketMeta).Get(keyNode))
	waits := map[string]map[string]uint64{} // type -> id -> seq
	if out != nil {
		err := out.ForEach(func(k, v []byte) error {
			step()
			if len(v) == 0 || v[0] != refTag {
				return nil
			}
			r, err := decodeRef(v, mine)
			if err != nil {
				return nil
			}
			if waits[r.Entity.Type] == nil {
				waits[r.Entity.Type] = map[string]uint64{}
			}
			waits[r.Entity.Type][r.Entity.ID] = binary.BigEndian.Uint64(k)
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, typ := range types {
		var entries []ikey
		err := stamps.Bucket(typ).ForEach(func(k, v []byte) error {
			step()
			id, ok := stampID(k)
			if !ok || v == nil {
				return nil
			}
			if seq, ok := waits[string(typ)][id]; ok {
				rec := model.NewRecord(string(typ))
				if decodeStamps(v, rec, mine) == nil {
					if enc, err := encodeStamps(rec, mine); err == nil {
						v = markWaiting(enc, seq)
					}
				}
			}
			entries = append(entries, ikey{key: string(stampKey(id)), value: string(v)})
			return nil
		})
		if err != nil {
			return err
		}
		if err := putAnew(stamps, typ, entries); err != nil {
			return err
		}
	}
	if err := tx.DeleteBucket(bucketOutboxNew); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

// kv is a key and its value, copied out of a bucket to put again.
type kv struct{ k, v []byte }
