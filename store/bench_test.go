package store_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Benchmarks run on demo books built once per run in a temp folder: 10,000
// leads with about 100,000 activities, as the issue sizes them, and smaller
// and larger ones to show how cost grows.

var (
	booksMu sync.Mutex
	books   = map[string]string{}
	benchT0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
)

// benchDir holds this run's books; TestMain removes it after the run.
func benchDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("fieldcrm-bench-%d", os.Getpid()))
}

// book returns the path of a demo book with n leads and about perLead
// activities each, generating it on first use.
func book(b *testing.B, n, perLead int) string {
	booksMu.Lock()
	defer booksMu.Unlock()
	key := fmt.Sprintf("%d-%d", n, perLead)
	if p, ok := books[key]; ok {
		return p
	}
	dir := benchDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, key+".db")
	st, err := store.Open(store.Options{Path: path, User: "bench", Now: func() time.Time { return benchT0 }, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Generate(st, demo.Options{Leads: n, ActivitiesPerLead: perLead, Now: benchT0}); err != nil {
		b.Fatal(err)
	}
	books[key] = path
	return path
}

// copyBook copies a book so a benchmark that writes leaves the original.
func copyBook(b *testing.B, src string) string {
	dst := filepath.Join(b.TempDir(), "copy.db")
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	// Flush the copy now, or the first timed fsync would write it all.
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
	out.Close()
	return dst
}

// BenchmarkOpenAndLoad: open the database and load what the board and the
// today screen need (every card, and the daily review).
func BenchmarkOpenAndLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) {
			path := book(b, n, 10)
			for b.Loop() {
				st, err := store.Open(store.Options{Path: path, Now: func() time.Time { return benchT0 }})
				if err != nil {
					b.Fatal(err)
				}
				err = st.View(func(tx *store.Tx) error {
					cards, err := tx.Cards()
					if err != nil || len(cards) != n {
						return fmt.Errorf("%d cards, %v", len(cards), err)
					}
					_, err = tx.Today()
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkToday: the daily review query alone, on an open store.
func BenchmarkToday(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) {
			st, err := store.Open(store.Options{Path: book(b, n, 10), KeepOpen: true, Now: func() time.Time { return benchT0 }})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			for b.Loop() {
				if err := st.View(func(tx *store.Tx) error { _, err := tx.Today(); return err }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTodayFixedReview: the daily review of the same 1,000-lead demo
// book (about 600 items) after 0, 9,000 and 99,000 more leads that need
// nothing today (touched today, next follow-up in a month) are added. The
// review reads only the index ranges and cards it lists, so the cost
// should stay flat as the book grows.
func BenchmarkTodayFixedReview(b *testing.B) {
	for _, quiet := range []int{0, 9000, 99000} {
		b.Run(fmt.Sprintf("leads=%d", 1000+quiet), func(b *testing.B) {
			st, err := store.Open(store.Options{Path: quietBook(b, quiet), KeepOpen: true, Now: func() time.Time { return benchT0 }})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			var items int
			for b.Loop() {
				err := st.View(func(tx *store.Tx) error {
					rep, err := tx.Today()
					items = rep.Count()
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(items), "items")
		})
	}
}

// quietBook is the 1,000-lead demo book plus n leads with nothing due.
func quietBook(b *testing.B, n int) string {
	src := book(b, 1000, 10)
	if n == 0 {
		return src
	}
	path := copyBook(b, src)
	st, err := store.Open(store.Options{Path: path, User: "bench", Now: func() time.Time { return benchT0 }, NoSync: true, KeepOpen: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	due := model.Today(benchT0, time.Local).AddDays(30)
	for start := 0; start < n; start += 5000 {
		err := st.Update(func(tx *store.Tx) error {
			for i := start; i < min(start+5000, n); i++ {
				l := model.Lead{Company: fmt.Sprintf("Quiet Co %d", i), Stage: "contacted"}
				if err := tx.AddLead(&l); err != nil {
					return err
				}
				if _, err := tx.SetFollowUp(l.ID, due, "call back"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// BenchmarkMoveLead: one durable write (fsync on) moving a lead to the next
// stage, outbox and indexes included, opening the file for the
// transaction as every command does. Books of 1,000 and 100,000 leads show
// that the cost does not grow with the book.
func BenchmarkMoveLead(b *testing.B) {
	for _, c := range []struct{ leads, perLead int }{{1000, 10}, {10000, 10}, {100000, 1}} {
		b.Run(fmt.Sprintf("leads=%d", c.leads), func(b *testing.B) {
			path := copyBook(b, book(b, c.leads, c.perLead))
			st, err := store.Open(store.Options{Path: path})
			if err != nil {
				b.Fatal(err)
			}
			benchMoves(b, st) // bookbench_test.go
		})
	}
}

// BenchmarkDemo10k is `fieldcrm demo --leads 10000` without process start:
// 10,000 leads and about 100,000 activities, durably written.
func BenchmarkDemo10k(b *testing.B) {
	for b.Loop() {
		st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "demo.db"), User: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := demo.Generate(st, demo.Options{Leads: 10000, Now: benchT0}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDemo10kSalesOnly is BenchmarkDemo10k as a rep's book: the
// demo without the support and after-sales colleagues' work, which
// issue 16 added to the demo.
func BenchmarkDemo10kSalesOnly(b *testing.B) {
	for b.Loop() {
		st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "demo.db"), User: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := demo.Generate(st, demo.Options{Leads: 10000, Now: benchT0, SalesOnly: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandedAnswers: storing the server's answers to a first push
// after a login, as the laptop does, without the network: a demo book
// written as one account is handed to another (AdoptUnsynced), and its
// outbox is read in batches of wire.MaxBatchOps and dropped as answered,
// two batches to a transaction (remote's answersPerTx), synced to disk as
// in use. Reports the bytes the process wrote (wchar) per hand-over.
func BenchmarkHandedAnswers(b *testing.B) {
	const batch, perTx = 2000, 2
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) {
			src := book(b, n, 10)
			var wrote int64
			for b.Loop() {
				b.StopTimer()
				st, err := store.Open(store.Options{Path: copyBook(b, src), Now: func() time.Time { return benchT0 }})
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Update(func(tx *store.Tx) error { _, err := tx.AdoptUnsynced("bench", "ann"); return err }); err != nil {
					b.Fatal(err)
				}
				w0 := wcharNow(b)
				b.StartTimer()
				var after uint64
				for done := false; !done; {
					var answered [][]store.OutboxEntry
					err := st.View(func(tx *store.Tx) error {
						for range perTx {
							es, err := tx.OutboxJSONAfter(after, batch)
							if err != nil || len(es) == 0 {
								done = true
								return err
							}
							after = es[len(es)-1].Seq
							answered = append(answered, es)
						}
						return nil
					})
					if err == nil && len(answered) > 0 {
						err = st.Update(func(tx *store.Tx) error {
							for _, es := range answered {
								for _, e := range es {
									if err := tx.DropPushed(e); err != nil {
										return err
									}
								}
							}
							return nil
						})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if err := st.SettleHandOver(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				wrote += wcharNow(b) - w0
				left := -1
				_ = st.View(func(tx *store.Tx) error { left = tx.OutboxLen(); return nil })
				if left != 0 {
					b.Fatalf("%d ops left in the outbox", left)
				}
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(wrote)/float64(b.N)/1e6, "MB-written/op")
		})
	}
}

// wcharNow returns the bytes this process has written so far (Linux).
func wcharNow(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Skip("no /proc/self/io here")
	}
	var n int64
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return n
}

// BenchmarkSettleHandOver: settling act_facts after the answers to a
// first push after a login (store/adopt.go), alone: the part of the
// hand-over that runs on the push's tail. Each run hands a copy of the
// demo book over and drops all but its last outbox entry as answered,
// untimed; then the settling is timed.
func BenchmarkSettleHandOver(b *testing.B) {
	src := book(b, 10000, 10)
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(store.Options{Path: copyBook(b, src), Now: func() time.Time { return benchT0 }})
		if err != nil {
			b.Fatal(err)
		}
		err = st.Update(func(tx *store.Tx) error {
			if _, err := tx.AdoptUnsynced("bench", "ann"); err != nil {
				return err
			}
			es, err := tx.OutboxJSONAfter(0, 0)
			if err != nil {
				return err
			}
			for _, e := range es[:len(es)-1] {
				if err := tx.DropPushed(e); err != nil {
					return err
				}
			}
			if !tx.HandOverWaiting() {
				return fmt.Errorf("nothing waits to be settled")
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := st.SettleHandOver(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}
