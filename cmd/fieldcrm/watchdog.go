package main

import (
	"fmt"
	"os"
	"runtime/metrics"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// watchMemory stops the process with one sentence when its heap passes a
// bound no command needs: max(2 GiB, 16 times the book's file). A damaged
// book can send bbolt round a loop of pages that never ends (a branch page
// that names itself: the cursor's stack grows until the machine's memory
// runs out), where no error or panic ever comes. The most any command was
// measured to take is about 400 MB, a manager's fresh pull of a
// 10,000-lead book of 100 MB. Stopping in the middle of a write loses
// nothing: bbolt commits all of a transaction or none of it.
func (a *app) watchMemory(book string) {
	limit := uint64(2 << 30)
	if fi, err := os.Stat(book); err == nil {
		limit = max(limit, 16*uint64(fi.Size()))
	}
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			time.Sleep(250 * time.Millisecond)
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > limit {
				fmt.Fprintf(a.err, "fieldcrm: stopped: reading %s took more than %d MiB of memory, which no book needs; it may be damaged: 'fieldcrm doctor' checks it\n", model.PrintableFlat(book), limit>>20)
				os.Exit(3)
			}
		}
	}()
}
