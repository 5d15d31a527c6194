package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// carryRun is a pull's ops cut into the pages a run of transactions
// stores, applied to books made for it.
type carryRun struct {
	t     *testing.T
	dir   string
	now   func() time.Time
	pages [][]model.Op
}

func newCarryRun(t *testing.T, pages int) *carryRun {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ops := demoOps(t, 12, t0)
	r := &carryRun{t: t, dir: t.TempDir(), now: func() time.Time { return t0 }}
	for i := range pages {
		r.pages = append(r.pages, ops[i*len(ops)/pages:(i+1)*len(ops)/pages])
	}
	return r
}

func (r *carryRun) open(name string) *store.Store {
	r.t.Helper()
	st, err := store.Open(store.Options{Path: filepath.Join(r.dir, name), User: "boss", Now: r.now, NoSync: true})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	return st
}

// apply stores page i in one transaction, carried in c when it is not
// nil, saying more when the run goes on after it.
func (r *carryRun) apply(st *store.Store, c *store.Carry, i int, more bool) {
	r.t.Helper()
	fn := func(tx *store.Tx) error {
		for _, op := range r.pages[i] {
			if err := tx.ApplyPulled(st.PreparePulled(op)); err != nil {
				return fmt.Errorf("page %d: %w", i, err)
			}
		}
		if c != nil {
			c.More(more)
		}
		return nil
	}
	var err error
	if c != nil {
		err = st.UpdateCarrying(c, fn)
	} else {
		err = st.Update(fn)
	}
	if err != nil {
		r.t.Fatal(err)
	}
}

// doctor checks the book of st and says whether it is behind.
func (r *carryRun) doctor(st *store.Store, when string) bool {
	r.t.Helper()
	rep, err := store.Doctor(st.Path())
	if err != nil {
		r.t.Fatal(err)
	}
	if !rep.OK() {
		r.t.Fatalf("%s: doctor finds %+v", when, rep.Problems)
	}
	return rep.Behind
}

// searchWords are words of the demo book's leads and notes.
var carrySearchWords = []string{"co", "visit", "call", "北京", "上海", "price", "demo", "a"}

// sameSearch fails unless every word finds the same records in both books.
func sameSearch(t *testing.T, want, got *store.Store) {
	t.Helper()
	hits := func(st *store.Store, q string) []string {
		var ids []string
		if err := st.View(func(tx *store.Tx) error {
			hs, _, err := tx.Search(q, store.SearchOptions{})
			for _, h := range hs {
				ids = append(ids, h.Type+" "+h.ID)
			}
			if errors.Is(err, store.ErrNoSearchWords) {
				return nil
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	found := 0
	for _, q := range carrySearchWords {
		w, g := hits(want, q), hits(got, q)
		if !slices.Equal(w, g) {
			t.Fatalf("%q finds %d records, want the %d found in a book without a carry", q, len(g), len(w))
		}
		found += len(w)
	}
	if found == 0 {
		t.Fatal("no word finds anything: the comparison proves nothing")
	}
}

// TestACarriedRunWritesWhatItsTransactionsWrite: a pull's pages stored in
// a run of transactions whose derived writes are carried to the last
// leave the book byte for byte as the same transactions without a carry
// do; in between the book says it is behind, and doctor takes it as such,
// not as damage.
func TestACarriedRunWritesWhatItsTransactionsWrite(t *testing.T) {
	newCarryRun(t, 5).againstPlain()
}

// againstPlain stores the run's pages in two books, one transaction a
// page, carried in one and not in the other; the carried book must say
// it is behind after every page but the last, and end as the other.
func (r *carryRun) againstPlain() {
	t := r.t
	t.Helper()
	plain, carried := r.open("plain.db"), r.open("carried.db")
	c := carried.NewCarry()
	for i := range r.pages {
		last := i == len(r.pages)-1
		r.apply(plain, nil, i, !last)
		r.apply(carried, c, i, !last)
		if behind := r.doctor(carried, fmt.Sprintf("after page %d", i)); behind == last {
			t.Fatalf("after page %d of %d the book says behind %v", i+1, len(r.pages), behind)
		}
	}
	sameSearch(t, plain, carried)
	sameFiles(t, plain, carried, "without a carry", "carried")
}

// TestAnotherWriteMakesWhatACarryHolds: a write of this process in the
// middle of a run (the terminal UI storing a note while a sync runs in
// the background) first makes the writes the run carries; the run goes on
// and ends with the book as without a carry.
func TestAnotherWriteMakesWhatACarryHolds(t *testing.T) {
	r := newCarryRun(t, 4)
	plain, carried := r.open("plain.db"), r.open("carried.db")
	c := carried.NewCarry()
	lead := func(st *store.Store) {
		if err := st.Update(func(tx *store.Tx) error {
			l := model.Lead{ID: "0190f3a2-7c1e-7b3a-9c1d-2f6a1b2c3d4e", Company: "Typed During The Sync", Stage: "qualified"}
			return tx.AddLead(&l)
		}); err != nil {
			t.Fatal(err)
		}
	}
	r.writeInTheMiddle(plain, carried, c, func() {
		lead(plain)
		lead(carried)
	})
}

// writeInTheMiddle stores the run's pages in plain without a carry and in
// book carried in c, calls write after the second page (the book must be
// behind before it and not after it), and checks that the run ends with
// the book caught up and answering searches as plain does.
func (r *carryRun) writeInTheMiddle(plain, book *store.Store, c *store.Carry, write func()) {
	t := r.t
	t.Helper()
	for i := range r.pages {
		last := i == len(r.pages)-1
		r.apply(plain, nil, i, !last)
		r.apply(book, c, i, !last)
		if i == 1 {
			if !r.doctor(book, "before the write") {
				t.Fatal("the book is not behind in the middle of the run")
			}
			write()
			if r.doctor(book, "after the write") {
				t.Fatal("the book is still behind after another write")
			}
		}
	}
	if r.doctor(book, "at the end") {
		t.Fatal("the book is behind at the end of the run")
	}
	sameSearch(t, plain, book)
}

// TestABookLeftBehindIsDerivedAgain: a run stopped with writes in its
// carry (its process killed; remote's TestPullProcessKilled does it with
// SIGKILL) leaves a book that doctor calls behind, not damaged; the next
// process to open it to write derives every index, card and search list
// again as it opens, and a run from there ends whole. So does a run whose
// transaction rolled back after taking the carry.
func TestABookLeftBehindIsDerivedAgain(t *testing.T) {
	for _, stop := range []string{"killed", "rolled back"} {
		t.Run(stop, func(t *testing.T) {
			r := newCarryRun(t, 4)
			plain := r.open("plain.db")
			first := r.open("book.db")
			c := first.NewCarry()
			for i := range 2 {
				r.apply(plain, nil, i, true)
				r.apply(first, c, i, true)
			}
			if stop == "rolled back" {
				err := first.UpdateCarrying(c, func(tx *store.Tx) error {
					for _, op := range r.pages[2] {
						if err := tx.ApplyPulled(first.PreparePulled(op)); err != nil {
							return err
						}
					}
					return errors.New("the page's cursor could not be stored")
				})
				if err == nil {
					t.Fatal("the transaction did not fail")
				}
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			if !r.doctor(first, "after the stop") {
				t.Fatal("the book does not say it is behind")
			}
			next := r.open("book.db") // another process: it holds no carry
			if r.doctor(next, "after it opened") {
				t.Fatal("the book is still behind once opened to write")
			}
			sameSearch(t, plain, next)
			r.apply(next, nil, 2, false)
			r.apply(plain, nil, 2, false)
			c = next.NewCarry()
			r.apply(next, c, 3, false)
			r.apply(plain, nil, 3, false)
			if r.doctor(next, "at the end") {
				t.Fatal("the book is behind at the end")
			}
			sameSearch(t, plain, next)
		})
	}
}

// TestAWriteElsewhereDerivesWhatARunCarries: a write by another process
// (a store of its own, opened before the run began) in the middle of a
// run derives everything again; the run, finding its token gone, drops
// what it carried and goes on, and ends with search answering as in a
// book without a carry.
func TestAWriteElsewhereDerivesWhatARunCarries(t *testing.T) {
	r := newCarryRun(t, 4)
	plain, book := r.open("plain.db"), r.open("book.db")
	other := r.open("book.db")
	if err := other.View(func(*store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	r.writeInTheMiddle(plain, book, book.NewCarry(), func() {
		r.apply(other, nil, 2, true) // the next page, stored by the other process
	})
}

// TestACarryFullWritesItsWrites: a run whose carry outgrows its bound
// makes its writes in the transaction that found it full.
func TestACarryFullWritesItsWrites(t *testing.T) {
	defer store.SetMaxCarried(1)()
	r := newCarryRun(t, 3)
	st := r.open("book.db")
	c := st.NewCarry()
	for i := range r.pages {
		r.apply(st, c, i, true)
		if r.doctor(st, fmt.Sprintf("after page %d", i)) {
			t.Fatalf("after page %d the book is behind with a carry bound of one byte", i+1)
		}
	}
}

// TestAChangeToARecordFromBeforeCarriesNothing: a transaction of the run
// that changes a record the book held before it makes every derived
// write, the carry's too, so that readers elsewhere never meet an entry
// of what it changed; the run carries on after it.
func TestAChangeToARecordFromBeforeCarriesNothing(t *testing.T) {
	r := newCarryRun(t, 5)
	st := r.open("book.db")
	r.apply(st, nil, 0, true) // the book before the run
	c := st.NewCarry()
	r.apply(st, c, 1, true)
	if !r.doctor(st, "after the first page of the run") {
		t.Fatal("the book is not behind in the middle of the run")
	}
	edit := r.pages[0][0]
	edit.ID, edit.Kind, edit.HLC.Wall = model.NewID(), model.OpSet, edit.HLC.Wall+1
	edit.Fields = map[string]json.RawMessage{"city": json.RawMessage(`"Suzhou"`)}
	r.pages[2] = append(r.pages[2], edit)
	r.apply(st, c, 2, true)
	if r.doctor(st, "after the change") {
		t.Fatal("the transaction that changed a record from before the run left the book behind")
	}
	r.apply(st, c, 3, true)
	if !r.doctor(st, "after the next page") {
		t.Fatal("the run carried nothing after the change")
	}
	r.apply(st, c, 4, false)
	if r.doctor(st, "at the end") {
		t.Fatal("the book is behind at the end of the run")
	}
}

// TestARecordTheRunMadeMayChange: a change to a record the run itself
// made is carried like the rest, and the run ends with the book as
// without a carry.
func TestARecordTheRunMadeMayChange(t *testing.T) {
	r := newCarryRun(t, 4)
	edit := r.pages[0][0]
	edit.ID, edit.Kind, edit.HLC.Wall = model.NewID(), model.OpSet, edit.HLC.Wall+1
	edit.Fields = map[string]json.RawMessage{"city": json.RawMessage(`"Suzhou"`)}
	r.pages[2] = append(r.pages[2], edit)
	r.againstPlain()
}
