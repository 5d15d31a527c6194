package ui_test

import (
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// ui.Book's Report on the real store is `fieldcrm report`'s computation:
// the same doc as report.Make in a transaction of its own, over the book
// of every lead.
func TestBookReportIsTheCLIsReport(t *testing.T) {
	t.Parallel()
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	q := report.Query{Kind: "funnel", Period: report.Year(2026), Lang: "en"}
	res, book, err := ui.NewBook(st).Report(q)
	if err != nil {
		t.Fatal(err)
	}
	var want report.Result
	if err := st.View(func(tx *store.Tx) (err error) { want, _, err = report.Make(tx, q); return err }); err != nil {
		t.Fatal(err)
	}
	if res.Doc.Title == "" || !slices.EqualFunc(res.Doc.Parts, want.Doc.Parts, func(a, b report.Part) bool { return a.Line == b.Line }) {
		t.Fatalf("Book.Report's doc %+v, report.Make's %+v", res.Doc, want.Doc)
	}
	if len(book.Leads) != len(uitest.English) {
		t.Fatalf("the book read holds %d leads, want %d", len(book.Leads), len(uitest.English))
	}
	if _, _, err := ui.NewBook(st).Report(report.Query{Kind: "nonsense", Period: report.Year(2026)}); err == nil {
		t.Fatal("an unknown report kind is not refused")
	}
}
