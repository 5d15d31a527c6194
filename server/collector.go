package server

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The server's garbage collector. A first push of a 10,000-lead book
// allocates about 1.5 GB on the server while its live heap stays at 6 to
// 16 MB, so at the default target (GOGC 100) the collector ran 211 times
// in one push and took about 1.0 of its 5.1 CPU-s (GODEBUG=gctrace=1).
// A higher target alone lets the heap grow with what is live, and took
// the server's peak RSS over the issue's 100 MB (BENCHMARKS.md, "What a
// compaction costs a first sync"). TuneCollector runs the collector at
// collectorPercent while the heap is small, under a memory limit of
// collectorFloor, and moves the limit after every collection to twice
// the live heap and collectorHeadroom when that is more: a busy server
// with much live is collected no more often than at GOGC 100, never
// thrashing against a fixed limit, and a quiet one stays within the
// floor. On the demo book's first push the server then took 4.5-4.9 CPU-s
// against 5.1-5.5, and the push 0.3-0.5 s less. The floor is what keeps
// the peak RSS under 100 MB: with the file's mapped pages (mapped.go) and
// the binary's, a fresh pull's peak was 83-85 MB at a floor of 40 MiB,
// 88-89 MB at 48 and 95-97 MB at 56, which saved the most CPU (BENCHMARKS.md,
// "The server's collector under a limit that follows its live heap").
//
// github.com/KimMachineGun/automemlimit, the library for memory limits,
// sets one from the container's cgroup limit: a fixed ratio of memory the
// server may not have (a laptop or a VM without a limit), not a limit
// that follows the live heap.
const (
	collectorPercent  = 200
	collectorFloor    = 48 << 20
	collectorHeadroom = 16 << 20 // stacks, the collector's own data, and fragments of spans
)

// limitFor is the memory limit after a collection that left live bytes
// of heap.
func limitFor(live int64) int64 {
	return max(collectorFloor, 2*live+collectorHeadroom)
}

// collector is TuneCollector's state: the limit follows the live heap
// until stop.
type collector struct {
	mu      sync.Mutex
	stopped bool
	live    []metrics.Sample
}

// TuneCollector sets the process's collector as above and returns what
// puts it back. A GOGC or GOMEMLIMIT in the environment is the
// administrator's choice: the collector is then left alone.
func TuneCollector() (restore func()) {
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		if _, set := os.LookupEnv(v); set {
			return func() {}
		}
	}
	c := &collector{live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	percent := debug.SetGCPercent(collectorPercent)
	limit := debug.SetMemoryLimit(collectorFloor)
	c.arm()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopped = true
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// cycleMark is garbage made to be found: its cleanup runs once after the
// collection that finds it, which arms the next.
type cycleMark struct{ _ [32]byte } // not so small that it shares a block

func (c *collector) arm() {
	runtime.AddCleanup(new(cycleMark), func(c *collector) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.stopped {
			return
		}
		metrics.Read(c.live)
		if v := c.live[0].Value; v.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(int64(v.Uint64())))
		}
		c.arm()
	}, c)
}
