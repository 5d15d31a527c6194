package visits_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// keystrokes are the filter's text after each key of typing three
// queries: a common English word, a Chinese word and a rarer word.
var keystrokes = []string{
	"p", "pr", "pri", "pric", "price",
	"拜", "拜访",
	"h", "ha", "har", "harb", "harbo", "harbor",
}

// BenchmarkVisitLogKeystroke is one keystroke in the visit log's words
// filter over 10,000 leads and about 100,000 activities: the index's
// answer through ui.Book (a read transaction) and the rows it lets through
// laid out ("filter"), then also the frame drawn ("filter+frame"). "scan"
// is the reference, what a
// keystroke cost before the index: every row's text searched for the
// words as typed.
func BenchmarkVisitLogKeystroke(b *testing.B) {
	rules := uitest.Rules()
	path := filepath.Join(b.TempDir(), "big.db")
	st, err := store.Open(store.Options{Path: path, User: "wang", Rules: &rules, Now: uitest.NowFunc, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Generate(st, demo.Options{Leads: 10_000, Now: uitest.Now, ActivitiesPerLead: 10}); err != nil {
		b.Fatal(err)
	}
	c := uitest.Common(st, "en", 160, 48)
	m := visits.New(c, nil, ui.NewBook(c.Data))
	m.SetSize(160, 46)
	m, _ = m.Update(m.Load()())
	rows := len(m.Shown())
	for _, frame := range []bool{false, true} {
		name := "filter"
		if frame {
			name = "filter+frame"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := m.SetText(keystrokes[i%len(keystrokes)]); err != nil {
					b.Fatal(err)
				}
				if frame {
					_ = m.View()
				}
			}
			b.StopTimer()
			shown := 0
			for _, q := range keystrokes {
				m.SetText(q)
				shown += len(m.Shown())
			}
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(shown)/float64(len(keystrokes)), "shown/key")
		})
	}
	// The reference: the filter as it was before the index, a scan of
	// every activity's lower-cased notes, outcome, feedback and next step.
	b.Run("scan", func(b *testing.B) {
		var all []model.Activity
		if err := st.View(func(tx *store.Tx) (err error) { all, err = tx.Activities(store.ActivityFilter{}); return err }); err != nil {
			b.Fatal(err)
		}
		texts := make([]string, len(all))
		for i := range all {
			a := &all[i]
			texts[i] = strings.ToLower(strings.Join([]string{a.Notes(), a.Outcome, a.Feedback, a.NextStep}, "\n"))
		}
		shown := 0
		for i := 0; b.Loop(); i++ {
			q := keystrokes[i%len(keystrokes)]
			for _, t := range texts {
				if strings.Contains(t, q) {
					shown++
				}
			}
		}
		b.ReportMetric(float64(shown)/float64(b.N), "shown/key")
	})
}
