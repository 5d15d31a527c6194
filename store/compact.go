package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Compaction (issue 15). bbolt never gives a freed page back to the file
// system: a first sync writes every change to the outbox and deletes it
// again, and the file keeps the room. Compact copies the live pages into
// a new file with bbolt.Compact and swaps it in; backups are written the
// same way, so they hold only live pages.
//
// The swap is crash-safe: the copy is written beside the book under the
// name compactTemp, synced, renamed over the book and the folder synced,
// all while this process holds the book's sidecar lock (lock.go), so no
// other process writes meanwhile and none can lose a write. A crash
// before the rename leaves the old book whole and a leftover copy, which
// the next open removes (under the lock, so never a copy being written).

// CompactEvery is how often CompactIfDue compacts a book.
const CompactEvery = 24 * time.Hour

// compactTxBytes bounds one transaction of the copy, so compacting a big
// book does not hold all of it in memory at once.
const compactTxBytes = 16 << 20

// keyCompacted in the meta bucket holds when the book was last compacted
// (Unix milliseconds, big-endian).
var keyCompacted = []byte("compacted_at")

// keyCompactMigrated in the meta bucket says that migrations brought the
// book from an older schema and it is to be compacted after them
// (compactMigrated). The migrations' transaction puts it, and it is
// deleted once the book is compacted or has no room to give: a process
// killed before then leaves it for the next to act on.
var keyCompactMigrated = []byte("compact_migrated")

// compactTemp is the name of the copy being written beside the book.
func compactTemp(path string) string { return path + ".compacting" }

// removeCompactLeftover removes the copy a compaction killed before its
// rename left beside the book at path. The caller holds the book's lock.
func removeCompactLeftover(path string) {
	_ = os.Remove(compactTemp(path))
}

// Compaction says what a compaction did: the file's size before and after.
type Compaction struct {
	Before int64 `json:"before_bytes"`
	After  int64 `json:"after_bytes"`
}

// Compact rewrites the book with only its live pages and swaps the copy in
// atomically. It waits for the book's lock as a write does, and other
// processes wait for it the same way while it runs. A store opened with
// KeepOpen is refused: its other users hold the file open throughout.
func (s *Store) Compact() (Compaction, error) {
	c, _, err := s.compact(true, false, nil)
	return c, err
}

// CompactMade is Compact for a book just made in bulk (the demo book): it
// does not count as the day's compaction, so the sync that empties the
// book's outbox later that day still compacts it.
func (s *Store) CompactMade() (Compaction, error) {
	c, _, err := s.compact(false, false, nil)
	return c, err
}

// compact compacts the book, or when ifDue only when compactDue says so,
// under one hold of its lock; locked, when not nil, hears once the lock
// is held, before anything is read. It says whether it compacted.
func (s *Store) compact(stamp, ifDue bool, locked func()) (Compaction, bool, error) {
	var c Compaction
	switch {
	case s.opts.ReadOnly:
		return c, false, fmt.Errorf("%w: %s was opened only to read", ErrReadOnly, s.opts.Path)
	case s.db != nil:
		return c, false, fmt.Errorf("compact %s: the store holds the file open; compact it from a store opened per transaction", s.opts.Path)
	case s.foundDamaged():
		return c, false, s.damaged("it was found damaged before, and a copy would carry the damage")
	}
	did := false
	err := s.guard(func() error {
		h, err := s.openDB()
		if err != nil {
			return err
		}
		defer h.close() // the lock, and the book reopened after the swap
		if locked != nil {
			locked()
		}
		if err := s.prepare(h.DB); err != nil {
			return err
		}
		if ifDue {
			due := false
			if err := h.DB.View(func(btx *bolt.Tx) error {
				var derr error
				due, derr = s.compactDue(&Tx{s: s, tx: btx, now: s.opts.Now()})
				return derr
			}); err != nil || !due {
				return err
			}
		}
		c, err = s.swapCompact(h, stamp)
		did = err == nil
		return err
	})
	if err != nil {
		return c, false, fmt.Errorf("compact %s: %w", s.opts.Path, err)
	}
	return c, did, nil
}

// errNotReopened says that a compaction left the book's handle closed: the
// book could not be opened again after the swap.
var errNotReopened = errors.New("the book could not be opened again")

// swapCompact compacts the book open in h, whose lock is held, and leaves
// h.DB open on the new file; on an error, open on the book as it was,
// unless the error is errNotReopened.
func (s *Store) swapCompact(h *handle, stamp bool) (Compaction, error) {
	var c Compaction
	path, tmp := s.opts.Path, compactTemp(s.opts.Path)
	fi, err := os.Stat(path)
	if err != nil {
		return c, err
	}
	c.Before = fi.Size()
	when := s.opts.Now()
	if !stamp {
		when = time.Time{}
	}
	if err := writeCompact(h.DB, tmp, when, s.copyProgress(CopyCompaction)); err != nil {
		_ = os.Remove(tmp)
		return c, err
	}
	if err := h.DB.Close(); err != nil {
		_ = os.Remove(tmp)
		return c, err
	}
	// Closed with the lock still held: nobody opens the book until it is
	// back, and the rename replaces it whole or not at all.
	err = os.Rename(tmp, path)
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	db, oerr := bolt.Open(path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout, NoSync: s.opts.NoSync, InitialMmapSize: initialMmapSize})
	if oerr != nil {
		return c, errors.Join(err, fmt.Errorf("%w: %w", errNotReopened, oerr))
	}
	db.AllocSize = allocStep
	h.DB = db
	if err != nil {
		_ = os.Remove(tmp)
		return c, err
	}
	if fi, err := os.Stat(path); err == nil {
		c.After = fi.Size()
	}
	return c, nil
}

// writeCompact writes the live pages of src to a new file at dst and
// syncs it; a compaction stamps the copy with when it was made (a backup,
// with zero, does not).
//
// The copy maps as much address space as a book does from the start:
// mapped from 32 KB up, bbolt remapped it a dozen times as it grew, each
// time copying every node of the transaction out of the old mapping.
// Compacting the demo book after its first sync (137 MB to 88.7 MB) took
// 0.49-0.53 user CPU-s that way and 0.35-0.41 mapped ahead (`fieldcrm
// compact`, three runs each; the manager's pulled book the same).
//
// progress, when not nil, hears how far the copy has got (watchCopy).
func writeCompact(src *bolt.DB, dst string, when time.Time, progress func(done, total int64)) error {
	_ = os.Remove(dst)
	out, err := bolt.Open(dst, 0o600, &bolt.Options{NoSync: true, PageSize: src.Info().PageSize, InitialMmapSize: initialMmapSize})
	if err != nil {
		return err
	}
	stop := watchCopy(src, dst, progress)
	err = bolt.Compact(out, src, compactTxBytes)
	stop()
	if err == nil && !when.IsZero() {
		err = out.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			return meta.Put(keyCompacted, millis(when))
		})
	}
	if err == nil {
		err = out.Sync()
	}
	var used int64
	if err == nil {
		err = out.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = trimTo(dst, used)
	}
	return err
}

// trimTo cuts the file at path to size, the end of its last page, and
// syncs it. bbolt grows a file ahead of its pages, by up to its
// allocation step at a time (16 MiB by default), and never shrinks it; a
// compacted copy would keep that room. The pages are all before size, so
// the file is whole; bbolt grows it again at the next write that needs
// room (by allocStep, see lock.go).
func trimTo(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > size && size > 0 {
		err = f.Truncate(size)
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// minCompactRoom is the least free room (free pages, and the file beyond
// its last page) that CompactIfDue thinks worth a compaction.
const minCompactRoom = 1 << 20

// CompactIfDue compacts the book when nothing waits in its outbox, it was
// last compacted CompactEvery ago or more (or never), and a tenth of the
// file or more (at least minCompactRoom) is free room; it says whether it
// did. The sync's callers run it after a sync that emptied the outbox.
// The room test spares a book that has little to give back the seconds
// other processes would wait for it. The test and the compaction run
// under one hold of the book's lock.
func (s *Store) CompactIfDue() (Compaction, bool, error) { return s.compact(true, true, nil) }

// CompactIfDueLocked is CompactIfDue that calls locked once it holds the
// book's lock, before it tests whether a compaction is due: a process
// that compacts for another in the background (`fieldcrm sync`) tells
// it so, and whatever that other process runs next waits for the
// compaction instead of slipping in before it.
func (s *Store) CompactIfDueLocked(locked func()) (Compaction, bool, error) {
	return s.compact(true, true, locked)
}

// CompactDue says whether CompactIfDue would compact the book now.
func (s *Store) CompactDue() (bool, error) {
	due := false
	err := s.View(func(tx *Tx) error {
		var err error
		due, err = s.compactDue(tx)
		return err
	})
	return due, err
}

// compactDue is CompactDue within tx.
func (s *Store) compactDue(tx *Tx) (bool, error) {
	if tx.OutboxLen() > 0 {
		return false, nil
	}
	last := tx.tx.Bucket(bucketMeta).Get(keyCompacted)
	if len(last) == 8 && tx.now.Sub(time.UnixMilli(int64(beUint64(last)))) < CompactEvery {
		return false, nil
	}
	return s.roomToGive(tx.tx)
}

// roomToGive says whether a tenth of the book's file or more (at least
// minCompactRoom) is free room: free pages, pages the last write freed
// (pending until the next write: the migrations' own), and the file
// beyond its last page.
func (s *Store) roomToGive(tx *bolt.Tx) (bool, error) {
	fi, err := os.Stat(s.opts.Path)
	if err != nil {
		return false, err
	}
	room := fi.Size() - tx.Size() + freePages(tx.DB())
	return room >= max(fi.Size()/10, minCompactRoom), nil
}

// freePages is the bytes of db's free pages, and of those the last write
// freed, which the next write releases.
func freePages(db *bolt.DB) int64 {
	st := db.Stats()
	return int64((st.FreePageN + st.PendingPageN) * db.Info().PageSize)
}

// compactMigrated compacts a book that migrations have brought to this
// build's schema (keyCompactMigrated), when they left room to give back,
// whatever its outbox holds: the migrations of a book from before issue
// 15 grow its file by half again, and every transaction opens the file
// and reads its list of free pages (a move took 2.5 ms instead of 1.4
// until the book's first sync had emptied its outbox). h is open on the
// book, its lock held. It is not the day's compaction (as CompactMade).
// Best effort: the book is whole whether or not it is compacted, and the
// daily compaction tries again. It fails only when the book could not be
// opened again after the swap.
func (s *Store) compactMigrated(h *handle) error {
	if s.opts.ReadOnly || s.foundDamaged() {
		return nil
	}
	due := false
	if h.DB.View(func(tx *bolt.Tx) error {
		var err error
		due, err = s.roomToGive(tx)
		return err
	}) != nil {
		return nil
	}
	if due {
		if _, err := s.swapCompact(h, false); errors.Is(err, errNotReopened) {
			return fmt.Errorf("open %s: %w", s.opts.Path, err)
		} else if err != nil {
			return nil // tried again by the next process to open the book
		}
	}
	_ = h.DB.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyCompactMigrated) })
	return nil
}

// LastCompacted returns when the book was last compacted; zero for never.
func (t *Tx) LastCompacted() time.Time {
	v := t.tx.Bucket(bucketMeta).Get(keyCompacted)
	if len(v) != 8 {
		return time.Time{}
	}
	return time.UnixMilli(int64(beUint64(v)))
}

// BackupTo writes a consistent copy of the book holding only its live
// pages to a new file at path (replaced if it exists), synced: what
// backups are made of. The book is held as for any transaction.
func (s *Store) BackupTo(path string) error {
	return s.withDB(func(db *bolt.DB) error { return writeCompact(db, path, time.Time{}, s.copyProgress(CopyBackup)) })
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}

// CopyKind says which copy of the book a CopyProgress call is about.
type CopyKind int

const (
	CopyCompaction CopyKind = iota // Compact, CompactIfDue
	CopyBackup                     // BackupTo, and the automatic backup
)

// copyProgress is the store's CopyProgress for copies of kind; nil when
// it has none.
func (s *Store) copyProgress(kind CopyKind) func(done, total int64) {
	if s.opts.CopyProgress == nil {
		return nil
	}
	return func(done, total int64) { s.opts.CopyProgress(kind, done, total) }
}

// watchCopy tells progress, every tenth of a second, how many bytes the
// copy of src being written to dst holds so far, against the bytes of
// src's live pages; bbolt.Compact says nothing while it runs, so the
// copy's file is what shows how far it has got. The returned func stops
// the watch and says the copy has ended (done equal to total), made or
// not, so that a bar can be taken down. The copy packs its pages fuller
// than src's, so it may end short of the total before that last word.
func watchCopy(src *bolt.DB, dst string, progress func(done, total int64)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	var total int64
	_ = src.View(func(tx *bolt.Tx) error { total = tx.Size(); return nil })
	st := src.Stats()
	total -= int64(st.FreePageN+st.PendingPageN) * int64(src.Info().PageSize)
	total = max(total, 1)
	quit, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				if fi, err := os.Stat(dst); err == nil {
					progress(min(fi.Size(), total-1), total)
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-ended
		progress(total, total)
	}
}
