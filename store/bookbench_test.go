package store_test

import (
	"os"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
)

// The BenchmarkBook benchmarks run the foundation's reads and writes on a
// book given by FIELDCRM_BENCH_BOOK (skipped without it), so that two
// trees can be measured on the same data: each tree's own benchmarks make
// their book with their own demo, which changes. The file uses only what
// the store offered before issue 15 (copyBook and benchT0 from
// bench_test.go), so it can be copied into an older tree as it is. The
// book is copied first, and the copy is what is opened.
//
//	FIELDCRM_BENCH_BOOK=old.db go test ./store -run '^$' -bench 'BenchmarkBook' -benchtime 100x -benchmem

func benchBook(b *testing.B) string {
	src := os.Getenv("FIELDCRM_BENCH_BOOK")
	if src == "" {
		b.Skip("FIELDCRM_BENCH_BOOK names no book")
	}
	return copyBook(b, src)
}

// BenchmarkBookOpenAndLoad: open the book and read every card and the
// daily review, as BenchmarkOpenAndLoad does.
func BenchmarkBookOpenAndLoad(b *testing.B) {
	path := benchBook(b)
	for b.Loop() {
		st, err := store.Open(store.Options{Path: path, Now: func() time.Time { return benchT0 }})
		if err != nil {
			b.Fatal(err)
		}
		err = st.View(func(tx *store.Tx) error {
			if _, err := tx.Cards(); err != nil {
				return err
			}
			_, err := tx.Today()
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBookToday and BenchmarkBookCards: the daily review and the
// cards alone, each in a read transaction of its own (which opens the
// file, as a command does).
func BenchmarkBookToday(b *testing.B) {
	benchBookRead(b, func(tx *store.Tx) error { _, err := tx.Today(); return err })
}
func BenchmarkBookCards(b *testing.B) {
	benchBookRead(b, func(tx *store.Tx) error { _, err := tx.Cards(); return err })
}

func benchBookRead(b *testing.B, read func(*store.Tx) error) {
	st, err := store.Open(store.Options{Path: benchBook(b), Now: func() time.Time { return benchT0 }})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := st.View(read); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBookMoveLead: a durable stage change, as BenchmarkMoveLead.
func BenchmarkBookMoveLead(b *testing.B) {
	st, err := store.Open(store.Options{Path: benchBook(b)})
	if err != nil {
		b.Fatal(err)
	}
	benchMoves(b, st)
}

// benchMoves moves a lead in each iteration, another each time (then the
// same ones back), so no lead's stage history grows with b.N.
func benchMoves(b *testing.B, st *store.Store) {
	var ids []string
	st.View(func(tx *store.Tx) error {
		ids = tx.LeadIDsInStage("qualified")
		return nil
	})
	if len(ids) == 0 {
		b.Skip("no lead in the qualified stage")
	}
	stages := []string{"contacted", "qualified"}
	for i := 0; b.Loop(); i++ {
		id, stage := ids[i%len(ids)], stages[(i/len(ids))%2]
		err := st.Update(func(tx *store.Tx) error {
			_, err := tx.MoveLead(id, store.Move{Stage: stage})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
