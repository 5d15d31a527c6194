package report

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// The benchmark book: the demo generator's 10,000 leads and about 100,000
// activities, built once per test binary (it takes several seconds).
var (
	benchOnce  sync.Once
	benchStore *store.Store
	benchErr   error
	benchDir   string
	benchNow   = time.Date(2027, 11, 15, 12, 0, 0, 0, time.UTC)
)

func benchBook(b *testing.B) *store.Store {
	b.Helper()
	benchOnce.Do(func() {
		// Not b.TempDir: the book outlives the first benchmark.
		benchDir, benchErr = tempDir()
		if benchErr != nil {
			return
		}
		r := model.DefaultRules()
		r.Location = time.UTC
		benchStore, benchErr = store.Open(store.Options{Path: filepath.Join(benchDir, "bench.db"), User: "ann", Rules: &r,
			Now: func() time.Time { return benchNow }, NoSync: true, KeepOpen: true})
		if benchErr == nil {
			benchErr = demo.Generate(benchStore, demo.Options{Leads: 10000, Now: benchNow})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

func loadBench(b *testing.B, st *store.Store, p Period) *Book {
	b.Helper()
	var book *Book
	from, to := p.Bounds(time.UTC)
	err := st.View(func(tx *store.Tx) error {
		var err error
		book, err = Load(tx, from, to)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return book
}

// BenchmarkLoad reads the whole book (cards, targets, a year of
// activities) in one read transaction.
func BenchmarkLoad(b *testing.B) {
	st := benchBook(b)
	p := Year(2027)
	for b.Loop() {
		loadBench(b, st, p)
	}
	book := loadBench(b, st, p)
	b.ReportMetric(float64(len(book.Leads)), "leads")
	b.ReportMetric(float64(len(book.Acts)), "activities")
}

// BenchmarkReports computes each report over the loaded book for a year.
func BenchmarkReports(b *testing.B) {
	st := benchBook(b)
	p := Year(2027)
	book := loadBench(b, st, p)
	plan := Plan{Tiers: []Tier{{0, 1}, {100000000, 2}}}
	for name, fn := range map[string]func(){
		"progress":   func() { ComputeProgress(book, p, Scope{}) },
		"funnel":     func() { ComputeFunnel(book, p, Scope{}) },
		"forecast":   func() { ComputeForecast(book, p, Scope{}) },
		"channels":   func() { ComputeChannels(book, p, Scope{}) },
		"activity":   func() { ComputeActivity(book, p, Scope{}) },
		"lost":       func() { ComputeLost(book, p, Scope{}) },
		"commission": func() { ComputeCommission(book, p, Scope{}, plan) },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				fn()
			}
		})
	}
}

// BenchmarkAllReports is what the reports screen costs from the store:
// load the book once and compute every report, text included.
func BenchmarkAllReports(b *testing.B) {
	st := benchBook(b)
	p := Year(2027)
	for b.Loop() {
		book := loadBench(b, st, p)
		ComputeProgress(book, p, Scope{}).Doc("en", Scope{}).Text(80)
		ComputeFunnel(book, p, Scope{}).Doc("en", Scope{}, book.Pipeline).Text(80)
		ComputeForecast(book, p, Scope{}).Doc("en", Scope{}).Text(80)
		ComputeChannels(book, p, Scope{}).Doc("en", Scope{}).Text(80)
		ComputeActivity(book, p, Scope{}).Doc("en", Scope{}, book.Pipeline).Text(80)
		ComputeLost(book, p, Scope{}).Doc("en", Scope{}).Text(80)
		ComputeCommission(book, p, Scope{}, Plan{Rate: 2}).Doc("en", Scope{}).Text(80)
	}
}

// BenchmarkLoadParts splits the load: the cards, and a year of activity
// facts.
func BenchmarkLoadParts(b *testing.B) {
	st := benchBook(b)
	from, to := Year(2027).Bounds(time.UTC)
	b.Run("cards", func(b *testing.B) {
		for b.Loop() {
			if err := st.View(func(tx *store.Tx) error { _, err := tx.Cards(); return err }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("activity_facts", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := st.View(func(tx *store.Tx) error {
				return tx.ActivityFacts(from, to, func(*store.ActivityFact) error { n++; return nil })
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMake is what `fieldcrm report KIND` and the reports screen
// cost from the store, text included: the approval and service reports
// (every request, the open orders), with the funnel (cards only) as the
// reference.
func BenchmarkMake(b *testing.B) {
	st := benchBook(b)
	for _, kind := range []string{"funnel", "approvals", "service"} {
		b.Run(kind, func(b *testing.B) {
			q := Query{Kind: kind, Period: Year(2027), Lang: "en"}
			for b.Loop() {
				err := st.View(func(tx *store.Tx) error {
					res, _, err := Make(tx, q)
					if err == nil && res.Doc.Text(80) == "" {
						b.Fatal("no text")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
