package store_test

import (
	"strings"
	"testing"

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
