package server

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// unsetForTest unsets the environment variables names for the test, and
// sets them back after it.
func unsetForTest(t *testing.T, names ...string) {
	for _, n := range names {
		t.Setenv(n, "") // restored after the test
		if err := os.Unsetenv(n); err != nil {
			t.Fatal(err)
		}
	}
}

// memoryLimit is the process's memory limit, unchanged.
func memoryLimit() int64 { return debug.SetMemoryLimit(-1) }

// gcPercent is the collector's target, unchanged.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// waitForLimit collects until the limit satisfies ok, for at most two
// seconds, and returns the last limit seen.
func waitForLimit(ok func(int64) bool) int64 {
	limit := memoryLimit()
	for deadline := time.Now().Add(2 * time.Second); !ok(limit) && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(5 * time.Millisecond) // the cleanup runs on a goroutine of its own
		limit = memoryLimit()
	}
	return limit
}

// The server collects at collectorPercent under a limit that is the floor
// while little is live, follows the live heap when much is (never under
// twice it), comes back down when it is freed, and everything is put
// back by the function TuneCollector returns.
func TestCollectorLimitFollowsTheLiveHeap(t *testing.T) {
	unsetForTest(t, "GOGC", "GOMEMLIMIT")
	percent, limit := gcPercent(), memoryLimit()
	restore := TuneCollector()
	defer func() {
		restore()
		if gcPercent() != percent || memoryLimit() != limit {
			t.Errorf("after restore: GOGC %d and limit %d, want %d and %d as before", gcPercent(), memoryLimit(), percent, limit)
		}
	}()
	if got := gcPercent(); got != collectorPercent {
		t.Errorf("GOGC %d while tuned, want %d", got, collectorPercent)
	}
	if got := waitForLimit(func(l int64) bool { return l == collectorFloor }); got != collectorFloor {
		t.Errorf("limit %d with little live, want the floor %d", got, collectorFloor)
	}
	const held = 128 << 20
	live := make([]byte, held)
	for i := range live {
		live[i] = byte(i) // touched, so that it is memory the process holds
	}
	if got := waitForLimit(func(l int64) bool { return l >= 2*held }); got < 2*held {
		t.Errorf("limit %d with %d bytes live, want at least twice that", got, held)
	}
	runtime.KeepAlive(live)
	live = nil
	if got := waitForLimit(func(l int64) bool { return l == collectorFloor }); got != collectorFloor {
		t.Errorf("limit %d once the heap is freed, want the floor %d again", got, collectorFloor)
	}
	if limitFor(0) != collectorFloor || limitFor(1<<30) != 2<<30+collectorHeadroom {
		t.Errorf("limitFor: %d for nothing live, %d for 1 GiB", limitFor(0), limitFor(1<<30))
	}
}

// A GOGC or GOMEMLIMIT the administrator gives is left as it is.
func TestCollectorLeftAloneWhenTheEnvironmentSetsIt(t *testing.T) {
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		unsetForTest(t, "GOGC", "GOMEMLIMIT")
		t.Setenv(name, "150")
		percent, limit := gcPercent(), memoryLimit()
		restore := TuneCollector()
		if gcPercent() != percent || memoryLimit() != limit {
			t.Errorf("%s set: GOGC %d and limit %d, want %d and %d untouched", name, gcPercent(), memoryLimit(), percent, limit)
		}
		restore()
	}
}
