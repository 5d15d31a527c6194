package remote

import (
	"os"
	"runtime/debug"
	"sync"
)

// syncGCPercent is the garbage collector's target while a sync runs: the
// heap may grow to three times what is live instead of twice. A first
// push or a fresh pull of a whole book allocates about 30 KB per change
// (bbolt's pages of each transaction, records unpacked and packed
// again), and at the default of 100 the collector ran about once per
// 1,400 changes (84 times in the pull). Measured on the demo book
// (10,000 leads, 118,538 changes), whole processes on 2 cores
// (BENCHMARKS.md): the fresh pull 0.3-1.0 s shorter, and the first push
// 0.3-0.5 CPU-s lighter (its wall time within the noise). Alone it took
// the pull's peak RSS from 360-440 MB to 480-680 MB; with the pull's
// pipeline holding fewer pages (prefetch) it is 420-470 MB. 300 saved no
// more and took the pull to 1 GB.
const syncGCPercent = 200

var gcSyncs struct {
	sync.Mutex
	n      int // syncs running
	before int // the target when the first of them began
}

// lessGC raises the collector's target to syncGCPercent for a sync that
// asks (Options.LessGC: the command line's and the terminal UI's, never a
// server's replica of an SSH session's book, whose process keeps to the
// server's memory budget), and returns what puts it back when the last
// sync running ends. A GOGC given in the environment is the user's choice
// and is left alone.
func lessGC() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	gcSyncs.Lock()
	defer gcSyncs.Unlock()
	if gcSyncs.n++; gcSyncs.n == 1 {
		gcSyncs.before = debug.SetGCPercent(syncGCPercent)
	}
	return func() {
		gcSyncs.Lock()
		defer gcSyncs.Unlock()
		if gcSyncs.n--; gcSyncs.n == 0 {
			debug.SetGCPercent(gcSyncs.before)
		}
	}
}
