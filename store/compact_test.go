package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// contentHash hashes every bucket, key, value and bucket sequence of the
// book but the compaction's own stamp, and counts the keys.
func contentHash(t *testing.T, s *Store) (string, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	err := s.withDB(func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			var walk func(path string, b *bolt.Bucket) error
			walk = func(path string, b *bolt.Bucket) error {
				fmt.Fprintf(h, "bucket %q seq %d\n", path, b.Sequence())
				return b.ForEach(func(k, v []byte) error {
					if v == nil {
						return walk(path+"/"+string(k), b.Bucket(k))
					}
					if path == "/"+string(bucketMeta) && bytes.Equal(k, keyCompacted) {
						return nil
					}
					n++
					fmt.Fprintf(h, "%q=%q\n", k, v)
					return nil
				})
			}
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk("/"+string(name), b) })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// bloat writes size bytes into a scratch bucket and drops it again: the
// file keeps the room as free pages, as after a first sync.
func bloat(t *testing.T, s *Store, size int) {
	t.Helper()
	err := s.withDB(func(db *bolt.DB) error {
		if err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("scratch"))
			if err != nil {
				return err
			}
			for i := 0; i*1000 < size; i++ {
				if err := b.Put(fmt.Appendf(nil, "%08d", i), bytes.Repeat([]byte{'x'}, 1000)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		return db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) })
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCompactShrinksAndKeepsEverything: a book with free room compacts
// to a smaller file with the same content, stamped, which opens and takes
// writes as before.
func TestCompactShrinksAndKeepsEverything(t *testing.T) {
	s := openTemp(t, func() time.Time { return t0 })
	for i := range 200 {
		addLead(t, s, fmt.Sprintf("Company %d", i), "prospect")
	}
	bloat(t, s, 20<<20)
	hash, n := contentHash(t, s)
	before := fileSize(t, s.Path())
	c, err := s.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if c.Before != before || c.After != fileSize(t, s.Path()) || c.After > before/4 {
		t.Fatalf("compaction %+v of a %d-byte file; now %d bytes", c, before, fileSize(t, s.Path()))
	}
	if h, m := contentHash(t, s); h != hash || m != n {
		t.Fatalf("after compaction %d keys (hash %s), before %d (%s)", m, h, n, hash)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		if got := tx.LastCompacted(); !got.Equal(t0) {
			t.Errorf("last compacted %v, want %v", got, t0)
		}
		return nil
	})
	l := addLead(t, s, "After", "prospect")
	other, err := Open(Options{Path: s.Path(), User: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.View(func(tx *Tx) error { _, err := tx.Lead(l.ID); return err }); err != nil {
		t.Fatalf("a write after the compaction, read by another store: %v", err)
	}
	if _, err := os.Stat(compactTemp(s.Path())); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the copy is still there: %v", err)
	}
}

// TestCompactIfDue: after a sync empties the outbox, at most once a day,
// and only when there is room to give back.
func TestCompactIfDue(t *testing.T) {
	now := t0
	s := openTemp(t, func() time.Time { return now })
	addLead(t, s, "Waiting", "prospect")
	if _, done, err := s.CompactIfDue(); err != nil || done {
		t.Fatalf("with the outbox full: done %v, %v", done, err)
	}
	if err := s.Update(func(tx *Tx) error {
		entries, err := tx.OutboxJSONAfter(0, 100)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := tx.DropOutbox(e.Seq); err != nil { // as a push's answer does
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		after time.Duration
		bloat bool
		want  bool
	}{{0, true, true}, {time.Hour, false, false}, {CompactEvery - 2*time.Hour, false, false},
		{time.Hour, false, false}, // due, but a compact book has no room to give back
		{0, true, true}} {
		now = now.Add(step.after)
		if step.bloat {
			bloat(t, s, 1<<20)
		}
		if _, done, err := s.CompactIfDue(); err != nil || done != step.want {
			t.Fatalf("%v later (bloated %v): done %v, %v; want %v", step.after, step.bloat, done, err, step.want)
		}
	}
}

// TestCompactWaitsForAndIsWaitedFor: writes by another store (another
// process, as far as the lock can tell) while a big book compacts wait
// for it or go before it; none is lost.
func TestCompactWaitsForAndIsWaitedFor(t *testing.T) {
	s := openTemp(t, nil)
	bloat(t, s, 40<<20)
	for i := range 50 {
		addLead(t, s, fmt.Sprintf("Company %d", i), "prospect")
	}
	other, err := Open(Options{Path: s.Path(), User: "bob", LockTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Compact(); done <- err }()
	var ids []string
	for i := range 20 {
		l := model.Lead{Company: fmt.Sprintf("Meanwhile %d", i)}
		if err := other.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := s.View(func(tx *Tx) error { _, err := tx.Lead(id); return err }); err != nil {
			t.Fatalf("lead %s written during the compaction: %v", id, err)
		}
	}
}

// TestCompactLeftoverIsRemovedAtOpen: the copy a compaction killed before
// its rename left is removed by the next process to take the lock.
func TestCompactLeftoverIsRemovedAtOpen(t *testing.T) {
	s := openTemp(t, nil)
	addLead(t, s, "Kept", "prospect")
	tmp := compactTemp(s.Path())
	if err := os.WriteFile(tmp, bytes.Repeat([]byte{1}, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	other, err := Open(Options{Path: s.Path(), User: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.View(func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the leftover copy is still there: %v", err)
	}
}

// TestBackupToHoldsLivePagesOnly: a backup of a book with free room is
// the size of a compacted one, opens, and holds the same content.
func TestBackupToHoldsLivePagesOnly(t *testing.T) {
	s := openTemp(t, nil)
	for i := range 100 {
		addLead(t, s, fmt.Sprintf("Company %d", i), "prospect")
	}
	bloat(t, s, 20<<20)
	hash, n := contentHash(t, s)
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := s.BackupTo(dst); err != nil {
		t.Fatal(err)
	}
	if got, book := fileSize(t, dst), fileSize(t, s.Path()); got > book/4 {
		t.Fatalf("backup %d bytes of a %d-byte book", got, book)
	}
	b, err := Open(Options{Path: dst, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if h, m := contentHash(t, b); h != hash || m != n {
		t.Fatalf("the backup holds %d keys (%s), the book %d (%s)", m, h, n, hash)
	}
}

// copyCall is one call of Options.CopyProgress.
type copyCall struct {
	kind        CopyKind
	done, total int64
}

// TestCopyProgress: a compaction and a backup say how far their copy has
// got, of the book's live bytes, never going back and never past the
// total, and end with done equal to total, so a bar can be taken down.
func TestCopyProgress(t *testing.T) {
	var calls []copyCall // one goroutine at a time, then read after the copy ends
	rules := model.DefaultRules()
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "book.db"), User: "ann", Rules: &rules,
		CopyProgress: func(kind CopyKind, done, total int64) { calls = append(calls, copyCall{kind, done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 100 {
		addLead(t, s, fmt.Sprintf("Company %d", i), "prospect")
	}
	bloat(t, s, 20<<20)
	check := func(what string, want CopyKind, book int64) {
		t.Helper()
		if len(calls) == 0 {
			t.Fatalf("%s: no progress", what)
		}
		last := calls[len(calls)-1]
		if last.done != last.total || last.total <= 0 || last.total > book/4 {
			t.Fatalf("%s ended at %+v of a %d-byte book with little live", what, last, book)
		}
		for i, c := range calls {
			if c.kind != want || c.total != last.total || c.done > c.total || i > 0 && c.done < calls[i-1].done {
				t.Fatalf("%s: call %d of %d is %+v", what, i+1, len(calls), c)
			}
		}
		calls = nil
	}
	book := fileSize(t, s.Path())
	if err := s.BackupTo(filepath.Join(t.TempDir(), "copy.db")); err != nil {
		t.Fatal(err)
	}
	check("backup", CopyBackup, book)
	if _, err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	check("compaction", CopyCompaction, book)
}

// TestWatchCopyFollowsTheCopysFile: while bbolt.Compact runs, the copy's
// file is what shows how far it has got; the watch reports it as it
// grows, held below the total until the copy ends, and then says so.
func TestWatchCopyFollowsTheCopysFile(t *testing.T) {
	s := openTemp(t, nil)
	for i := range 50 {
		addLead(t, s, fmt.Sprintf("Company %d", i), "prospect")
	}
	dst := filepath.Join(t.TempDir(), "copy")
	got := make(chan [2]int64, 1000)
	report := func(done, total int64) {
		select {
		case got <- [2]int64{done, total}:
		default: // never blocks the watch; the waits below drain it
		}
	}
	// wait waits, at most 5 s, for a report of a copy of size bytes.
	wait := func(size int64) error {
		deadline := time.After(5 * time.Second)
		for {
			select {
			case c := <-got:
				if c[0] >= c[1] {
					return fmt.Errorf("reported whole (%d of %d) before the copy ended", c[0], c[1])
				}
				if c[0] == min(size, c[1]-1) {
					return nil
				}
			case <-deadline:
				return fmt.Errorf("no report of a copy of %d bytes in 5 s", size)
			}
		}
	}
	err := s.withDB(func(db *bolt.DB) error {
		stop := watchCopy(db, dst, report)
		for _, size := range []int64{1000, 5000, 1 << 40} { // the last past the live bytes
			if err := os.WriteFile(dst, nil, 0o600); err != nil {
				return err
			}
			if err := os.Truncate(dst, size); err != nil {
				return err
			}
			if err := wait(size); err != nil {
				return err
			}
		}
		stop()
		for {
			select {
			case c := <-got:
				if c[0] == c[1] {
					return nil
				}
			default:
				return errors.New("no last report with done equal to total")
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompactIfDueLockedTellsOnceLocked: CompactIfDueLocked calls locked
// once, holding the book's lock (a write by another store waits, and
// times out meanwhile), whether a compaction is due or not; CompactDue
// says beforehand what it will find.
func TestCompactIfDueLockedTellsOnceLocked(t *testing.T) {
	now := t0
	s := openTemp(t, func() time.Time { return now })
	other, err := Open(Options{Path: s.Path(), User: "bob", LockTimeout: 50 * time.Millisecond, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	addLead(t, s, "Waiting", "prospect")
	for _, step := range []struct {
		name  string
		empty bool // the outbox emptied, as a push's answers do
		want  bool
	}{{"with the outbox full", false, false}, {"with the outbox empty and room", true, true}, {"the same day", false, false}} {
		if step.empty {
			if err := s.Update(func(tx *Tx) error {
				entries, err := tx.OutboxJSONAfter(0, 100)
				for _, e := range entries {
					if err == nil {
						err = tx.DropOutbox(e.Seq)
					}
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			bloat(t, s, 1<<20)
		}
		due, err := s.CompactDue()
		if err != nil || due != step.want {
			t.Fatalf("%s: CompactDue %v, %v; want %v", step.name, due, err, step.want)
		}
		calls := 0
		_, done, err := s.CompactIfDueLocked(func() {
			calls++
			werr := other.Update(func(tx *Tx) error { return nil })
			if !errors.Is(werr, ErrLocked) {
				t.Errorf("%s: a write by another store while locked was told %v, want ErrLocked", step.name, werr)
			}
		})
		if err != nil || done != step.want || calls != 1 {
			t.Fatalf("%s: done %v, %v, locked called %d times; want %v once", step.name, done, err, calls, step.want)
		}
	}
	if err := other.View(func(tx *Tx) error {
		if !tx.LastCompacted().Equal(t0) {
			t.Errorf("compacted at %v, want %v", tx.LastCompacted(), t0)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
