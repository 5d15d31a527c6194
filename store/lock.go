package store

import (
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// handle is an open database and the lock that lets this process use it.
//
// bbolt locks the file itself, but it waits for the lock by trying every
// 50 ms, so a process that writes often (the UI saving a draft, a sync)
// can starve a command that waits. Every fieldcrm process therefore first
// takes a lock on a sidecar file with a blocking flock, which the kernel
// hands over as soon as the holder lets go; bbolt's own lock is then free.
type handle struct {
	*bolt.DB
	lock *os.File
}

func (h *handle) close() error {
	err := h.DB.Close()
	if h.lock != nil {
		h.lock.Close() // closing the file releases its flock
	}
	return err
}

func lockPath(path string) string { return path + ".lock" }

// LockHolder returns the pid of another process that holds the lock of
// the book at path, 0 when none does or it cannot be known (only Linux
// says). The command's tests use it to see that the process a sync left
// its compaction to holds the book when the sync ends
// (cmd/fieldcrm/compact_detach_test.go).
func LockHolder(path string) int { return lockHolder(lockPath(path)) }

func (s *Store) openDB() (*handle, error) {
	if problem, err := checkHeader(s.opts.Path); err != nil {
		return nil, fmt.Errorf("open %s: %w", s.opts.Path, err)
	} else if problem != "" {
		return nil, s.damaged(problem)
	}
	readOnly := s.opts.ReadOnly || isReadOnly(s.opts.Path)
	var lock *os.File
	var err error
	if readOnly {
		lock = readLock(s.opts.Path) // a read-only folder may hold none
	} else {
		lock, err = lockSidecar(s.opts.Path, s.opts.LockTimeout)
		if err == nil {
			removeCompactLeftover(s.opts.Path) // compact.go: what a killed compaction left
		}
	}
	if err == nil {
		var db *bolt.DB
		db, err = bolt.Open(s.opts.Path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout, NoSync: s.opts.NoSync, InitialMmapSize: initialMmapSize, PageSize: pageSize, ReadOnly: readOnly})
		if err == nil {
			db.AllocSize = allocStep
			return &handle{DB: db, lock: lock}, nil
		}
		if lock != nil {
			lock.Close()
		}
	}
	if errors.Is(err, berrors.ErrTimeout) {
		if pid := lockHolder(lockPath(s.opts.Path)); pid > 0 {
			return nil, fmt.Errorf("%w: another fieldcrm process (pid %d) has %s open; close it or wait for it to finish", ErrLocked, pid, s.opts.Path)
		}
		if pid := lockHolder(s.opts.Path); pid > 0 {
			return nil, fmt.Errorf("%w: another process (pid %d) has %s open; close it or wait for it to finish", ErrLocked, pid, s.opts.Path)
		}
		return nil, fmt.Errorf("%w: another fieldcrm process has %s open; close it or wait for it to finish", ErrLocked, s.opts.Path)
	}
	return nil, fmt.Errorf("open %s: %w", s.opts.Path, err)
}

// allocStep is how far bbolt grows the book's file past what a write
// needs, once the file is past it. bbolt's 16 MiB default would put back
// up to 16 MiB at the first write after a compaction trimmed the file;
// 4 MiB costs a bulk write (the 140 MB the demo book writes) about 25
// more grows than 16 MiB (35 against 9), each a truncate and an fsync.
const allocStep = 4 << 20

// initialMmapSize is the address space bbolt maps at open. Mapping more
// than the file costs no memory, and a write that grows the file within it
// needs no remap; a remap in a large transaction copies every dirty node,
// which was a quarter of the time of writing a big book.
const initialMmapSize = 1 << 30

// pageSize is the page size of new files (an existing file keeps its own).
// A bulk write (the demo book, an import, a first pull) writes and syncs a
// quarter as many pages as with 4 KiB; a small write costs a little more.
const pageSize = 16 << 10
