package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors for a book that cannot be used as it is.
var (
	// ErrDamaged is wrapped by every error about a damaged book.
	ErrDamaged = errors.New("the book is damaged")
	// ErrReadOnly is wrapped by a write refused because the book can
	// only be read.
	ErrReadOnly = errors.New("the book is read-only")
)

// errCorrupt is wrapped by the errors of a stored value that does not
// decode; View and Update turn them into a DamagedError.
var errCorrupt = errors.New("corrupt")

// DamagedError says that a book is damaged, what is wrong and the way out,
// in one sentence.
type DamagedError struct {
	Path    string
	Problem string // what is wrong, printable
	Backup  string // the newest automatic backup, "" for none
}

func (e *DamagedError) Error() string {
	msg := fmt.Sprintf("%s is damaged (%s); run 'fieldcrm doctor' to check it and 'fieldcrm doctor --repair' to save what can be read into a new book", e.Path, e.Problem)
	if e.Backup != "" {
		msg += ", or copy back the latest automatic backup, " + e.Backup
	}
	return msg
}

// Unwrap makes a DamagedError match ErrDamaged.
func (e *DamagedError) Unwrap() error { return ErrDamaged }

// damaged marks the store's book as damaged, so no later write goes into
// it, and returns the error to show.
func (s *Store) damaged(problem string) error {
	s.markDamaged()
	return &DamagedError{Path: s.opts.Path, Problem: model.PrintableFlat(problem), Backup: LatestBackup(s.opts.Path)}
}

// damagedMarks holds the books this process found damaged.
var damagedMarks sync.Map

// markDamaged remembers that the book is damaged, in this process and, in
// a file beside it, for the next one: a write into a damaged book would
// spread the damage into the team's data.
func (s *Store) markDamaged() {
	if s.opts.ReadOnly {
		damagedMarks.Store(s.opts.Path, true) // in this process only: leave no file
		return
	}
	markDamaged(s.opts.Path)
}

func markDamaged(path string) {
	damagedMarks.Store(path, true)
	if id := fileIdentity(path); id != "" {
		_ = os.WriteFile(damagedMarkPath(path), []byte(id), 0o600)
	}
}

// fileIdentity is the size and modification time of the file at path: a
// book copied back over a damaged one (a backup) no longer matches its
// mark.
func fileIdentity(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())
}

func damagedMarkPath(path string) string { return path + ".damaged" }

// foundDamaged reports whether the book was found damaged before.
func (s *Store) foundDamaged() bool {
	if _, ok := damagedMarks.Load(s.opts.Path); ok {
		return true
	}
	mark, err := os.ReadFile(damagedMarkPath(s.opts.Path))
	if err != nil {
		return false
	}
	if string(mark) != fileIdentity(s.opts.Path) {
		os.Remove(damagedMarkPath(s.opts.Path)) // the file was replaced since
		return false
	}
	return true
}

// guard runs fn, which reads the book, turning a fault on the mapped file
// (a truncated or unreadable file) and a panic of bbolt on a corrupt page
// into an error. The panic is taken for damage only when bbolt's own check
// confirms it; anything else is reported as an internal error, still
// without a stack trace.
func (s *Store) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = s.afterPanic(r, panickedInBolt())
		}
	}()
	err = fn()
	if errors.Is(err, berrors.ErrDatabaseReadOnly) {
		return fmt.Errorf("%w: %s can be read but not changed (the file or its folder is not writable); make it writable (chmod u+w) to change it", ErrReadOnly, s.opts.Path)
	}
	if err != nil && !errors.Is(err, ErrDamaged) && (errors.Is(err, errCorrupt) || errors.Is(err, errBadCard) || isBoltDamage(err)) {
		err = s.damaged(err.Error())
	}
	return err
}

// isBoltDamage reports whether bbolt refused the file as not a database.
func isBoltDamage(err error) bool {
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch)
}

func (s *Store) afterPanic(r any, inBolt bool) error {
	problem := fmt.Sprint(r)
	if _, fault := r.(interface{ Addr() uintptr }); fault {
		return s.damaged("part of the file cannot be read")
	}
	if problems := s.checkQuietly(); len(problems) > 0 {
		return s.damaged("its pages do not hold together")
	}
	// A runtime error raised by bbolt's own code (an element's offset
	// out of its page, found by a write's search) is a bad page that the
	// checks above did not reach: seen in the damaged-book tests, where a
	// write panicked on a page every read had passed.
	if _, rt := r.(runtime.Error); rt && inBolt {
		return s.damaged("a page of it does not hold together")
	}
	return fmt.Errorf("internal error reading %s (%s); please report it", s.opts.Path, model.PrintableFlat(problem))
}

// checkQuietly runs bbolt's consistency check on a fresh handle and
// returns the problems found, a panic or fault counting as one.
func (s *Store) checkQuietly() (problems []string) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			problems = append(problems, "a page of it cannot be read")
		}
	}()
	db := (*bolt.DB)(nil)
	if s.db != nil {
		db = s.db.DB
	} else {
		var err error
		db, err = bolt.Open(s.opts.Path, 0o600, &bolt.Options{ReadOnly: true, Timeout: s.opts.LockTimeout})
		if err != nil {
			return []string{err.Error()}
		}
		defer db.Close()
	}
	_ = db.View(func(tx *bolt.Tx) error {
		if err := readAll(tx); err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		for err := range tx.Check() {
			problems = append(problems, err.Error())
		}
		return nil
	})
	return problems
}

var (
	errPagesLoop = errors.New("its pages loop: more keys than the file can hold")
	errTooLong   = errors.New("a key or value is longer than the file")
)

// keyBudget is more keys than a file of tx's size can hold (an element
// takes 16 bytes at least): walking more means the pages loop.
func keyBudget(tx *bolt.Tx) int64 { return tx.Size()/16 + 1024 }

// readAll reads every key and value of the book in this goroutine, so a
// fault or a bbolt panic on a bad page happens here, where the caller can
// recover it. tx.Check runs in a goroutine of its own, where a fault on
// the mapping would kill the process: it is run only on a book that reads
// through.
func readAll(tx *bolt.Tx) error {
	var sum byte
	budget := keyBudget(tx)
	var walk func(b *bolt.Bucket) error
	walk = func(b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if budget--; budget < 0 {
				return errPagesLoop
			}
			if int64(len(k)+len(v)) > tx.Size() {
				return errTooLong
			}
			for _, c := range k {
				sum ^= c
			}
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return walk(sub)
				}
				return nil
			}
			for _, c := range v {
				sum ^= c
			}
			return nil
		})
	}
	err := tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) })
	_ = sum
	return err
}

// checkHeader checks what bbolt takes on trust when it opens a file: that
// one of the two meta pages is whole, and that the file holds every page
// that meta page counts. A file cut short would otherwise be mapped past
// its end, and the first read there kills the process with SIGBUS.
func checkHeader(path string) (problem string, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := fi.Size()
	if size == 0 {
		return "", nil // a new book: bbolt writes its first pages
	}
	m0, ok0 := readMeta(f, 0)
	best, ok := m0, ok0
	sizes := []int64{4096, 16384, 8192, 32768, 65536}
	if ok0 {
		sizes = []int64{int64(m0.pageSize)}
	}
	for _, ps := range sizes {
		if m1, ok1 := readMeta(f, ps); ok1 && (!ok || m1.txid > best.txid) {
			best, ok = m1, true
			break
		}
	}
	if !ok {
		return "it is not a fieldcrm book, or its header is damaged", nil
	}
	if need := int64(best.pgid) * int64(best.pageSize); size < need {
		return fmt.Sprintf("it is cut short: %d bytes of the %d it should hold", size, need), nil
	}
	return "", nil
}

type metaPage struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

// readMeta reads and validates the meta page at off as bbolt does (magic,
// version 2, FNV-64a checksum).
func readMeta(r io.ReaderAt, off int64) (metaPage, bool) {
	const head = 16 // page header: id, flags, count, overflow
	var b [head + 64]byte
	if _, err := r.ReadAt(b[:], off); err != nil {
		return metaPage{}, false
	}
	m := b[head:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != 0xED0CDAED || le.Uint32(m[4:]) != 2 {
		return metaPage{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return metaPage{}, false
	}
	mp := metaPage{pageSize: le.Uint32(m[8:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if mp.pageSize < 512 || mp.pageSize > 1<<20 || mp.pageSize&(mp.pageSize-1) != 0 {
		return metaPage{}, false
	}
	return mp, true
}

// panickedInBolt reports whether the panic being recovered (it is called
// from the deferred function) was raised in bbolt's code: the first frame
// below the runtime's panic that is not the runtime's own.
func panickedInBolt() bool {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic" || strings.HasPrefix(f.Function, "runtime.panic"):
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return false
		}
	}
}
