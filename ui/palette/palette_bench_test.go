package palette_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
)

// BenchmarkPaletteKeystroke is the palette's work for one keystroke on the
// demo book of 10,000 leads and about 100,000 activities: a read
// transaction on the book (opening the file, as the UI does) and the
// index's leads for what is typed so far, through the palette's Book as
// the UI implements it. Each op is one keystroke of
// "harbor" or of "金桥化工", in turn.
func BenchmarkPaletteKeystroke(b *testing.B) {
	path := filepath.Join(b.TempDir(), "book.db")
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	st, err := store.Open(store.Options{Path: path, User: "bench", NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Generate(st, demo.Options{Leads: 10000, Now: now}); err != nil {
		b.Fatal(err)
	}
	st.Close()
	opened, err := store.Open(store.Options{Path: path, CheckOnFirstUse: true})
	if err != nil {
		b.Fatal(err)
	}
	bk := ui.NewBook(opened)
	var typed []string
	for _, word := range []string{"harbor", "金桥化工"} {
		r := []rune(word)
		for i := 1; i <= len(r); i++ {
			typed = append(typed, string(r[:i]))
		}
	}
	found := 0
	for i := 0; b.Loop(); i++ {
		ids, err := bk.SearchLeads(typed[i%len(typed)], 8)
		if err != nil {
			b.Fatal(err)
		}
		found += len(ids)
	}
	if found == 0 {
		b.Fatal("the palette found no lead")
	}
}
