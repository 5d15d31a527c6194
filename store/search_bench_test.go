package store_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/store"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkSearch: searches of the demo book of 10,000 leads and about
// 100,000 activities, each opening the file for its transaction as a
// command does. scan is the reference: what `visit list --search` did
// before the index, reading and lower-casing every activity. The index's
// size is reported as index-MB (pages in use) beside the book's file-MB.
func BenchmarkSearch(b *testing.B) {
	path := book(b, 10000, 10)
	for _, c := range []struct {
		name, q string
		o       store.SearchOptions
	}{
		{"english", "price", store.SearchOptions{Limit: 20}},
		{"english-rare", "harbor", store.SearchOptions{Limit: 20}},
		{"chinese", "拜访", store.SearchOptions{Limit: 20}},
		{"chinese-company", "金桥", store.SearchOptions{Limit: 20}},
		{"two-words-no-hit", "price 交付", store.SearchOptions{Limit: 20}}, // no note has both
	} {
		b.Run(c.name, func(b *testing.B) {
			st, err := store.Open(store.Options{Path: path})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for b.Loop() {
				err := st.View(func(tx *store.Tx) (err error) {
					_, n, err = tx.Search(c.q, c.o)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "hits")
		})
	}
	b.Run("scan", func(b *testing.B) {
		st, err := store.Open(store.Options{Path: path})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for b.Loop() {
			n = 0
			err := st.View(func(tx *store.Tx) error {
				acts, err := tx.Activities(store.ActivityFilter{})
				for _, a := range acts {
					if strings.Contains(strings.ToLower(a.Notes()+"\n"+a.Outcome+"\n"+a.Feedback+"\n"+a.NextStep), "price") {
						n++
					}
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "hits")
	})
	b.Run("size", func(b *testing.B) {
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		for b.Loop() {
			db.View(func(tx *bolt.Tx) error {
				s := tx.Bucket([]byte("search")).Stats()
				b.ReportMetric(float64(s.BranchInuse+s.LeafInuse)/1e6, "index-MB")
				b.ReportMetric(float64(s.BranchAlloc+s.LeafAlloc)/1e6, "index-pages-MB")
				b.ReportMetric(float64(tx.Size())/1e6, "file-MB")
				var acts int
				tx.Bucket([]byte("activities")).ForEach(func(_, _ []byte) error { acts++; return nil })
				b.ReportMetric(float64(acts), "activities")
				return nil
			})
		}
	})
}

// BenchmarkSearchWrites is what the index costs the bulk writes: "demo"
// makes the demo book of 10,000 leads and about 100,000 activities in a
// new file (five transactions of 2,000 leads), "build" builds the index of
// that book from nothing in one transaction and commits it (migration 10,
// doctor --repair). Besides wall time, cpu-s is the process's user and
// system CPU per run (steadier than wall time on a loaded machine), and
// the sizes of the file and of the index's pages.
func BenchmarkSearchWrites(b *testing.B) {
	b.Run("demo", func(b *testing.B) {
		var path string
		cpu := cpuTime()
		for b.Loop() {
			path = filepath.Join(b.TempDir(), "demo.db")
			st, err := store.Open(store.Options{Path: path, User: "bench", Now: func() time.Time { return benchT0 }, NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			if err := demo.Generate(st, demo.Options{Leads: 10000, ActivitiesPerLead: 10, Now: benchT0}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		reportSizes(b, path)
	})
	b.Run("build", func(b *testing.B) {
		path := copyBook(b, book(b, 10000, 10))
		db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		cpu := cpuTime()
		for b.Loop() {
			if err := db.Update(store.BuildSearch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		db.Close()
		reportSizes(b, path)
	})
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportSizes reports the size of the file at path and of its index's
// pages.
func reportSizes(b *testing.B, path string) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		s := tx.Bucket([]byte("search")).Stats()
		b.ReportMetric(float64(s.BranchAlloc+s.LeafAlloc)/1e6, "index-pages-MB")
		b.ReportMetric(float64(tx.Size())/1e6, "file-MB")
		return nil
	})
}
