package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// The server's file pages leave its resident set once more than the
// budget of them are there, and every record reads back the same after,
// also while other requests read and write.
func TestServerLeavesItsFilePagesToThePageCache(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the resident set is read from /proc")
	}
	st, err := OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer func(b int64) { mappedBudget = b }(mappedBudget)
	mappedBudget = 1 << 40 // none dropped while the file is written

	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 2000 // about 8 KiB each: 16 MB of pages
	refs := make([]model.EntityRef, n)
	want := make([]string, n)
	text := func() string {
		b := make([]rune, 8000)
		for i := range b {
			b[i] = rune('a' + rng.IntN(26))
		}
		return string(b)
	}
	put := func(tx Tx, i int) error {
		rec := model.NewRecord(model.TypeActivity)
		rec.Fields["feedback"], _ = json.Marshal(want[i])
		return tx.PutRecord(refs[i], rec)
	}
	for i := range n {
		refs[i] = model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}
		want[i] = text()
	}
	fill := func(b *BoltStorage) {
		t.Helper()
		if err := b.Update(ctx, func(tx Tx) error {
			for i := range n {
				if err := put(tx, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	fill(st)
	readFrom := func(b *BoltStorage) error {
		return b.View(ctx, func(tx Tx) error {
			for i, ref := range refs {
				rec, ok, err := tx.Record(ref)
				if err != nil || !ok {
					return fmt.Errorf("record %d: %v, found %v", i, err, ok)
				}
				var got string
				if err := json.Unmarshal(rec.Fields["feedback"], &got); err != nil || got != want[i] {
					return fmt.Errorf("record %d reads back otherwise (%v)", i, err)
				}
			}
			return nil
		})
	}
	readAll := func() error { return readFrom(st) }

	mappedBudget = 0
	if err := st.View(ctx, func(Tx) error { return nil }); err != nil { // drops what the writes mapped
		t.Fatal(err)
	}
	before := st.resident()
	mappedBudget = 1 << 40
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
	read := st.resident()
	if read < before+12<<20 {
		t.Fatalf("reading 16 MB of records left %d bytes of the file resident, %d before: the test reads no pages", read, before)
	}

	// Another file's pages (an SSH session's book) are not the server's:
	// under the budget itself, the server keeps its pages.
	other, err := OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	fill(other)
	if err := readFrom(other); err != nil {
		t.Fatal(err)
	}
	mappedBudget = read + 4<<20
	if all := residentFile(); all <= mappedBudget {
		t.Fatalf("the process holds %d bytes of files resident, not more than the budget %d: the test maps too little", all, mappedBudget)
	}
	if err := st.View(ctx, func(Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if kept := st.resident(); kept < read-1<<20 {
		t.Fatalf("under its budget the server dropped its pages for another file's: %d of %d bytes left", kept, read)
	}

	mappedBudget = before + 4<<20
	if err := st.View(ctx, func(Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if after := st.resident(); after > before+4<<20 {
		t.Fatalf("over the budget, %d bytes of the file stay resident (%d before the reads, budget %d)", after, before, mappedBudget)
	}
	if err := readAll(); err != nil {
		t.Fatalf("after the pages were dropped: %v", err)
	}

	// The others' pages as last read may since have left (an SSH
	// session's book closed), so they count only for a second: within it
	// the server does not read its own, after it it does.
	st.others.Store(1 << 40)
	st.readAt.Store(time.Now().Add(time.Hour).UnixNano()) // "just now", however slow this machine
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
	if kept := st.resident(); kept < read-1<<20 {
		t.Fatalf("within a second of the last reading the server read its pages again and dropped them: %d of %d bytes left", kept, read)
	}
	st.readAt.Store(time.Now().Add(-2 * time.Second).UnixNano())
	if err := st.View(ctx, func(Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if after := st.resident(); after > before+4<<20 {
		t.Fatalf("a second after the last reading, %d bytes of the file stay resident (%d before the reads, budget %d)", after, before, mappedBudget)
	}

	// Dropped after every request, while two readers and a writer run.
	mappedBudget = 0
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	var mu sync.RWMutex // want: the readers read together, the writer alone
	for range 2 {
		wg.Go(func() {
			for range 5 {
				mu.RLock()
				err := readAll()
				mu.RUnlock()
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for k := range 20 {
			i := k * 97 % n
			mu.Lock()
			want[i] = text()
			err := st.Update(ctx, func(tx Tx) error { return put(tx, i) })
			mu.Unlock()
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := readAll(); err != nil {
		t.Fatal(err)
	}
}
