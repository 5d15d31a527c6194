package main

import (
	"fmt"
	"os"
	"runtime/metrics"
	"time"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
)

// watchMemory stops the process with one sentence when its heap passes a
// bound no command needs: max(2 GiB, 16 times the book's file, 16 times
// a file being imported: allowMemoryFor). A damaged book can send bbolt
// round a loop of pages that never ends (a branch page that names
// itself: the cursor's stack grows until the machine's memory runs out),
// where no error or panic ever comes. The most any command was measured
// to take is about 520 MB, importing a 99 MB export; a manager's fresh
// pull of a 10,000-lead book of 100 MB takes about 400 MB. Stopping in
// the middle of a write loses nothing: bbolt commits all of a
// transaction or none of it. One watch serves the process.
func (a *app) watchMemory(book string) {
	a.allowMemoryFor(book)
	if !a.watching.CompareAndSwap(false, true) {
		return
	}
	stop := a.memoryStop(book) // in the user's language, read here and not in the watch
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			time.Sleep(250 * time.Millisecond)
			metrics.Read(sample)
			if limit := a.memoryLimit.Load(); sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > limit {
				fmt.Fprintln(a.err, stop(limit))
				os.Exit(3)
			}
		}
	}()
}

// memoryStop returns the sentence the watch stops with for book, given
// the bound it passed, in the user's language.
func (a *app) memoryStop(book string) func(limit uint64) string {
	format := i18n.T(a.language(), "watchdog.stop")
	return func(limit uint64) string {
		return "fieldcrm: " + fmt.Sprintf(format, model.PrintableFlat(book), limit>>20)
	}
}

// allowMemoryFor raises the bound of watchMemory to 16 times the size of
// the file at path, if that is more.
func (a *app) allowMemoryFor(path string) {
	n := uint64(2 << 30)
	if fi, err := os.Stat(path); err == nil {
		n = max(n, 16*uint64(fi.Size()))
	}
	for {
		old := a.memoryLimit.Load()
		if old >= n || a.memoryLimit.CompareAndSwap(old, n) {
			return
		}
	}
}
