package store

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Index entries written in a transaction are held back and put into their
// bucket in key order, all at once: when the bucket is next used (read,
// cursor, delete) and before the transaction commits. Several indexes are
// keyed by something other than creation order (an activity's time, a
// follow-up's due day, the random end of an id), and bbolt keeps every node
// a transaction touches in memory until it commits, so many entries put in
// random order into one node copy that node's entries over and over; in
// key order each one lands at the end. Every store method that touches an
// index reaches it through Tx.idx, which puts the held entries first, so
// what a transaction reads is always what it wrote.

// heldEntry is an index entry waiting to be put; seq orders the entries
// held for one bucket.
type heldEntry struct {
	key, value []byte
	seq        int
}

// putIndex puts an index entry, or holds it back when bbolt will take it.
// An entry bbolt would refuse is put at once, so its error comes back here;
// so is one written outside Store.Update (a migration), which would not put
// held entries before committing.
func (t *Tx) putIndex(k ikey) error {
	if k.key == "" || len(k.key) > bolt.MaxKeySize || len(k.value) > bolt.MaxValueSize ||
		t.s == nil || t.s.putIndexesAtOnce {
		return t.idx([]byte(k.bucket)).Put([]byte(k.key), []byte(k.value))
	}
	if t.held == nil {
		t.held = map[string][]heldEntry{}
	}
	// Key and value in one allocation.
	kv := make([]byte, len(k.key)+len(k.value))
	n := copy(kv, k.key)
	copy(kv[n:], k.value)
	list := t.held[k.bucket]
	t.held[k.bucket] = append(list, heldEntry{kv[:n:n], kv[n:], len(list)})
	return nil
}

// putHeld puts the entries held for the idx/ bucket named name into it.
func (t *Tx) putHeld(name string) error {
	list := t.held[name]
	if len(list) == 0 {
		return nil
	}
	delete(t.held, name)
	// Of two entries with one key the later wins, as it would have when
	// put straight away.
	slices.SortFunc(list, func(a, b heldEntry) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	b := t.tx.Bucket(bucketIdx).Bucket([]byte(name))
	if b == nil {
		return fmt.Errorf("index %s is missing", name)
	}
	b.FillPercent = fillPercent
	for _, e := range list {
		if err := b.Put(e.key, e.value); err != nil {
			return err
		}
	}
	return nil
}

// putAllHeld puts every held index entry; Store.Update calls it before
// committing.
func (t *Tx) putAllHeld() error {
	if t.heldErr != nil {
		return t.heldErr
	}
	for _, name := range slices.Sorted(maps.Keys(t.held)) {
		if err := t.putHeld(name); err != nil {
			return err
		}
	}
	return nil
}

// putHeldFor puts what is held for the bucket at path before the bucket is
// handed out. An error (none is expected: putIndex let through only what
// bbolt takes) is kept for the commit, which it stops.
func (t *Tx) putHeldFor(path [][]byte) {
	if !bytes.Equal(path[0], bucketIdx) {
		return
	}
	var err error
	if len(path) == 1 {
		err = t.putAllHeld()
	} else {
		err = t.putHeld(string(path[1]))
	}
	if err != nil && t.heldErr == nil {
		t.heldErr = err
	}
}

// A transaction that creates many records appends them in key order to
// the buckets keyed by id or sequence (ids grow with time), so their pages
// can be filled to the brim: a bulk load then writes and syncs about a tenth
// fewer pages. Indexes keep some room, as their new keys land anywhere, and
// so do small transactions, for records that grow when edited.
const (
	bulkCreates = 1000
	bulkFill    = 1.0
)

// packPages fills the pages of the buckets keyed by id or sequence when
// this transaction created enough records to be a bulk load.
func (t *Tx) packPages() {
	if t.created < bulkCreates {
		return
	}
	for _, name := range [][]byte{bucketLeads, bucketActivities, bucketTasks, bucketComplaints, bucketCards, bucketOutbox} {
		if b := t.tx.Bucket(name); b != nil {
			b.FillPercent = bulkFill
		}
	}
	packSearch(t.tx, false)
	if stamps := t.tx.Bucket(bucketStamps); stamps != nil {
		stamps.ForEachBucket(func(k []byte) error {
			stamps.Bucket(k).FillPercent = bulkFill
			return nil
		})
	}
}
