package demo

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) *store.Store {
	rules := model.DefaultRules()
	rules.Location = time.UTC
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "demo.db"), User: "demo", Rules: &rules, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGenerateFillsEverySectionOfToday(t *testing.T) {
	st := openTemp(t)
	if err := Generate(st, Options{Leads: 300, Now: now}); err != nil {
		t.Fatal(err)
	}
	var rep store.TodayReport
	err := st.View(func(tx *store.Tx) (err error) {
		cards, err := tx.Cards()
		if len(cards) != 300 {
			t.Errorf("%d cards, want 300", len(cards))
		}
		rep, err = tx.Today()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Sections {
		if len(s.Items) == 0 {
			t.Errorf("section %s is empty", s.Key)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if err := Generate(st, Options{Leads: 1, Now: now}); err != ErrNotEmpty {
		t.Fatalf("second Generate = %v, want ErrNotEmpty", err)
	}
}

// TestFunnelHasMedians: the demo keeps each lead's way through the
// stages, so the funnel of the usual period (`fieldcrm report funnel`)
// has a median stay for every stage before won.
func TestFunnelHasMedians(t *testing.T) {
	st := openTemp(t)
	if err := Generate(st, Options{Leads: 300, Now: now}); err != nil {
		t.Fatal(err)
	}
	var res report.Result
	err := st.View(func(tx *store.Tx) (err error) {
		cards, err := tx.Cards()
		for _, c := range cards {
			// The history ends in the lead's stage, entered when the lead says.
			last := c.Stages[len(c.Stages)-1]
			if last.Stage != c.Stage || !last.At.Equal(c.StageEnteredAt) || len(c.Stages) > 1 && !c.Stages[0].At.Equal(c.CreatedAt) {
				t.Fatalf("%s in %s since %v: history %+v", c.Company, c.Stage, c.StageEnteredAt, c.Stages)
			}
			if c.Stage == model.StageWon && len(c.Stages) != 6 {
				t.Fatalf("a won lead went through %d stages: %+v", len(c.Stages), c.Stages)
			}
		}
		q := report.Query{Kind: "funnel", Period: report.DefaultPeriod("funnel", model.DateOf(now)), Lang: "en"}
		res, _, err = report.Make(tx, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Data.(report.Funnel)
	for _, s := range f.Stages {
		if s.Key == model.StageWon {
			continue
		}
		if s.MedianDays == nil || *s.MedianDays <= 0 || s.Stays < 3 {
			t.Errorf("stage %s: median %v over %d stays", s.Key, s.MedianDays, s.Stays)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestSameSeedSameBook(t *testing.T) {
	var names [2][]string
	for i := range names {
		st := openTemp(t)
		if err := Generate(st, Options{Leads: 20, Seed: 7, Now: now}); err != nil {
			t.Fatal(err)
		}
		st.View(func(tx *store.Tx) error {
			cards, _ := tx.Cards()
			for _, c := range cards {
				names[i] = append(names[i], c.Company+"/"+c.Stage)
			}
			return nil
		})
	}
	for i := range names[0] {
		if names[0][i] != names[1][i] {
			t.Fatalf("book differs at %d: %s vs %s", i, names[0][i], names[1][i])
		}
	}
}

// BenchmarkGenerate10k measures `fieldcrm demo --leads 10000` (about
// 100,000 activities) without process start.
func BenchmarkGenerate10k(b *testing.B) {
	for b.Loop() {
		st := openTemp(b)
		if err := Generate(st, Options{Leads: 10000, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
