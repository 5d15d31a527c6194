package server

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// The server's bbolt file is mapped into its memory read-only, and every
// page a request reads stays in the server's resident set (RssFile) until
// the kernel wants the memory back: after a manager's fresh pull of a
// 10,000-lead team and that team's first push, 84 MB of the file's pages,
// beside a heap of about 30 MB, and more as the team's data grows. When
// more than mappedBudget of the file is resident, the server tells the
// kernel it no longer needs those pages mapped (madvise MADV_DONTNEED on
// bbolt's shared, read-only mapping). They stay in the page cache, shared
// and reclaimable as any file's, and the next read of one maps it again
// from there (a minor fault, no disk read), so the server's resident set
// stays bounded whatever the size of its file. BENCHMARKS.md ("The
// replica caught up by its own push, and the server's mapped pages") has
// the figures: 32 MiB cost no CPU to measure on a first push or a fresh
// pull, and 40 MiB left a pull's peak too close to 100 MB. 24 MiB since
// zstd and the push read on every core: at 32 MiB a fresh pull's peak
// reached 98.4 MB; at 24 it was 76.1-85.4 MB in three runs, and the CPU
// no different within the noise ("The server's mapped pages at 24 MiB").
var mappedBudget int64 = 24 << 20 // a variable for the tests

// release drops the file's pages from the server's resident set when more
// than mappedBudget of them are there. Reading how many of the server's
// own pages are resident (/proc/self/smaps, about 1 ms with 128 MB
// mapped) costs a hundred times more than reading the process's resident
// file pages (/proc/self/statm): so the server's own are read only when
// the process's, less the others' as last read, are over the budget, or
// when a second has passed since the last reading (the others' pages may
// have left meanwhile: an SSH session's book closed). The books of SSH
// sessions are files mapped too, and their pages are not the server's to
// drop. It runs in a read transaction, which keeps bbolt from moving its
// mapping meanwhile (a remap waits for read transactions to end), and one
// caller at a time.
func (s *BoltStorage) release() {
	all := residentFile()
	if all <= mappedBudget || (all-s.others.Load() <= mappedBudget && time.Now().UnixNano()-s.readAt.Load() < int64(time.Second)) ||
		!s.releasing.CompareAndSwap(false, true) {
		return
	}
	defer s.releasing.Store(false)
	_ = s.db.View(func(tx *bolt.Tx) error {
		addr := tx.DB().Info().Data
		own := residentAt(addr)
		if own > mappedBudget {
			dropMapped(addr, tx.Size())
			own = 0
		}
		s.others.Store(max(0, residentFile()-own))
		s.readAt.Store(time.Now().UnixNano())
		return nil
	})
}

// resident returns how much of the server's file is in its resident set,
// for the tests.
func (s *BoltStorage) resident() int64 {
	var n int64
	_ = s.db.View(func(tx *bolt.Tx) error { n = residentAt(tx.DB().Info().Data); return nil })
	return n
}
