package reports

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/styles"
)

// BenchmarkScreen measures what a key on the reports screen costs over
// the demo generator's 10,000 leads (about 100,000 activities): reading
// the book, computing the report and drawing it at 80x24, per report.
func BenchmarkScreen(b *testing.B) {
	now := time.Date(2027, 11, 15, 12, 0, 0, 0, time.UTC)
	dir, err := os.MkdirTemp("", "fieldcrm-uireports-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	r := model.DefaultRules()
	r.Location = time.UTC
	st, err := store.Open(store.Options{Path: filepath.Join(dir, "bench.db"), User: "ann", Rules: &r,
		Now: func() time.Time { return now }, NoSync: true, KeepOpen: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := demo.Generate(st, demo.Options{Leads: 10000, Now: now}); err != nil {
		b.Fatal(err)
	}
	c := &common.Common{Width: 80, Height: 24, Styles: styles.New(true), Cat: i18n.New("zh"), Rules: r,
		Now: func() time.Time { return now }, User: "ann"}
	for i, kind := range Kinds {
		b.Run(kind, func(b *testing.B) {
			m := New(c, nil, plan, storeBook{st})
			m.SetSize(80, 22)
			m.tab = i
			for b.Loop() {
				msg := m.Open()()
				m, _ = m.Update(msg)
				_ = m.View()
			}
			if !m.has {
				b.Fatal("no report arrived")
			}
		})
	}
}
