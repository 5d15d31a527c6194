package demo

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unicode"

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
		// Requests to decide are for leadership's review, service work
		// for after-sales': a rep's book has none in them.
		if s.Key == store.SectionApprovals || s.Key == store.SectionService {
			continue
		}
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

// TestSupportAndAftersalesHaveTheirLeads: the demo shows the roles that
// work beside sales: support assigned to leads at the solution stage or
// later and to one before it, after-sales only to won accounts, each with
// activities they wrote, in Chinese and in English.
func TestSupportAndAftersalesHaveTheirLeads(t *testing.T) {
	st := openTemp(t)
	if err := Generate(st, Options{Leads: 300, Now: now}); err != nil {
		t.Fatal(err)
	}
	solution := model.DefaultPipeline().Index("solution")
	leads := map[string]int{}  // helper (and "early" support) -> leads
	wrote := map[string]int{}  // helper -> leads with an activity of theirs
	script := map[string]int{} // "zh" or "en" -> helpers' activities
	err := st.View(func(tx *store.Tx) error {
		cards, err := tx.Cards()
		if err != nil {
			return err
		}
		for _, c := range cards {
			l, err := tx.Lead(c.ID)
			if err != nil {
				return err
			}
			acts, err := tx.Activities(store.ActivityFilter{LeadID: l.ID})
			if err != nil {
				return err
			}
			for _, h := range l.Assignees {
				switch {
				case h == SupportUser && model.DefaultPipeline().Index(l.Stage) < solution:
					leads["early"]++
				case h == AftersalesUser && l.Stage != model.StageWon:
					t.Errorf("after-sales is on %s, which is %s, not won", l.Company, l.Stage)
				case h != SupportUser && h != AftersalesUser:
					t.Errorf("%s is assigned to %s", h, l.Company)
				}
				leads[h]++
				for _, a := range acts {
					if a.Author == h {
						wrote[h]++
						script[scriptOf(a.Notes())]++
						break
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if leads["early"] != 1 || leads[SupportUser] < 4 || leads[AftersalesUser] < 3 {
		t.Errorf("leads per helper: %v; want one before the solution stage, four or more for support, three or more for after-sales", leads)
	}
	for _, h := range []string{SupportUser, AftersalesUser} {
		if wrote[h] != leads[h] {
			t.Errorf("%s wrote on %d of their %d leads", h, wrote[h], leads[h])
		}
	}
	if script["zh"] == 0 || script["en"] == 0 {
		t.Errorf("helpers' notes by script: %v; want both", script)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}

// scriptOf says whether text has Chinese in it.
func scriptOf(text string) string {
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return "zh"
		}
	}
	return "en"
}

// TestSalesOnlyIsTheSameBookWithoutHelpers: SalesOnly leaves out the
// helpers' assignments and activities and nothing else.
func TestSalesOnlyIsTheSameBookWithoutHelpers(t *testing.T) {
	var books [2][]string
	for i, salesOnly := range []bool{false, true} {
		st := openTemp(t)
		if err := Generate(st, Options{Leads: 100, Now: now, SalesOnly: salesOnly}); err != nil {
			t.Fatal(err)
		}
		err := st.View(func(tx *store.Tx) error {
			acts, err := tx.Activities(store.ActivityFilter{})
			for _, a := range acts {
				if a.Author == SupportUser || a.Author == AftersalesUser {
					continue
				}
				books[i] = append(books[i], a.StartedAt.String()+"/"+a.Kind+"/"+a.Notes())
			}
			if salesOnly && len(acts) != len(books[i]) {
				t.Errorf("a sales-only book has %d helpers' activities", len(acts)-len(books[i]))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(books[0])
	slices.Sort(books[1])
	if len(books[0]) == 0 || !slices.Equal(books[0], books[1]) {
		t.Fatalf("%d activities besides the helpers', %d sales-only, not the same", len(books[0]), len(books[1]))
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
