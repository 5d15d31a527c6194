package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	{16, "write the ids in the merge states' keys packed", func(tx *bolt.Tx) error { return packStampKeys(tx, nil) }},
}

// showing are the migrations that can take seconds on a big book, in the
// form that says how far they have got; migrateShowing runs them so.
var showing = map[int]func(tx *bolt.Tx, progress func(done, total int)) error{
	10: buildSearchProgress,
	14: packRecordsProgress,
	15: packActIndexesProgress,
	16: packStampKeys,
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
	type kv struct{ k, v []byte }
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
// book. The entries are put in key order: bbolt splits a node only when
// the transaction commits, so 100,000 puts in random order into one
// fresh bucket moved its growing node about (8 s); in order they append
// (about 1 s, 30 MB more memory for the sorted entries).
func packActIndexesProgress(tx *bolt.Tx, progress func(done, total int)) error {
	acts := tx.Bucket(bucketActivities)
	total, done := acts.Stats().KeyN, 0
	names := [][]byte{idxActLead, idxActFacts}
	var entries [2][]ikey
	var view jsonView
	err := acts.ForEach(func(k, v []byte) error {
		if done++; progress != nil && (done%4096 == 0 || done == total) {
			progress(done, total)
		}
		var a model.Activity
		if data, err := view.of(v); err != nil || decodeActivity(data, &a) != nil {
			return nil // a corrupt record has no index entry, as in doctor's rebuild
		}
		for _, key := range indexKeys(&a) {
			for i, name := range names {
				if key.bucket == string(name) {
					entries[i] = append(entries[i], key)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	idx := tx.Bucket(bucketIdx)
	for i, name := range names {
		if err := idx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
		b, err := idx.CreateBucket(name)
		if err != nil {
			return err
		}
		b.FillPercent = fillPercent
		slices.SortFunc(entries[i], func(x, y ikey) int { return strings.Compare(x.key, y.key) })
		for _, e := range entries[i] {
			if err := b.Put([]byte(e.key), []byte(e.value)); err != nil {
				return err
			}
		}
	}
	return nil
}

// packStampKeys is migration 16: every stamps/<type> bucket is written
// again keyed by stampKey, the id packed, about 2 MB less in a
// 10,000-lead book. As in migration 15, the entries are sorted and put in
// key order into a fresh bucket. A key already packed (only a book whose
// schema number went back could hold one) is kept. A key that is no id
// is left out, as migration 15 leaves out a corrupt record: no read can
// reach it (every read asks for a record's id) and doctor's repair would
// not carry it either; a nested bucket where a merge state should be is
// left out the same way.
func packStampKeys(tx *bolt.Tx, progress func(done, total int)) error {
	stamps := tx.Bucket(bucketStamps)
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
	type kv struct{ k, v []byte }
	for _, typ := range types {
		var entries []kv
		err := stamps.Bucket(typ).ForEach(func(k, v []byte) error {
			if done++; progress != nil && (done%4096 == 0 || done == total) {
				progress(done, total)
			}
			if id, ok := stampID(k); ok && v != nil {
				entries = append(entries, kv{stampKey(id), clone(v)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := stamps.DeleteBucket(typ); err != nil {
			return err
		}
		b, err := stamps.CreateBucket(typ)
		if err != nil {
			return err
		}
		b.FillPercent = fillPercent
		slices.SortFunc(entries, func(x, y kv) int { return bytes.Compare(x.k, y.k) })
		for _, e := range entries {
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
	}
	return nil
}
