package reports

import (
	"errors"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
	"github.com/fieldcrm/fieldcrm/ui/styles"
)

// storeBook computes reports over a real store as ui.Book does, which
// this package's tests cannot import (ui imports reports).
type storeBook struct{ st *store.Store }

func (b storeBook) Report(q report.Query) (res report.Result, book *report.Book, err error) {
	err = b.st.View(func(tx *store.Tx) error {
		res, book, err = report.Make(tx, q)
		return err
	})
	return res, book, err
}

// fakeBook answers every report with doc over a book of reps, or with
// err, and keeps the queries asked.
type fakeBook struct {
	doc   report.Doc
	reps  []string
	err   error
	asked []report.Query
}

func (f *fakeBook) Report(q report.Query) (report.Result, *report.Book, error) {
	f.asked = append(f.asked, q)
	if f.err != nil {
		return report.Result{}, nil, f.err
	}
	return report.Result{Doc: f.doc}, &report.Book{Reps: f.reps}, nil
}

// The screen asks its Book for the report `fieldcrm report` would make
// (the kind shown, its default period, the rep picked, the plan, the
// language), shows the doc it gets, picks reps from the book it gets,
// and reports a failed read in the status line.
func TestReportsReadThroughTheirBook(t *testing.T) {
	t.Parallel()
	fb := &fakeBook{
		doc:  report.Doc{Title: "Fake progress", Parts: []report.Part{{Line: "Won 3 of 4"}}},
		reps: []string{"zhao", "li"},
	}
	c := &common.Common{Width: 80, Height: 24, Styles: styles.New(true), Cat: i18n.New("en"), Rules: uitest.Rules(),
		Now: uitest.NowFunc, User: "wang"}
	m := New(c, nil, plan, fb)
	m.SetSize(80, 22)
	m = run(t, m, m.Open())
	if v := view(t, m); !strings.Contains(v, "Won 3 of 4") {
		t.Fatalf("the book's doc is not shown:\n%s", v)
	}
	q := fb.asked[0]
	if q.Kind != Kinds[0] || q.Period != report.DefaultPeriod(Kinds[0], c.Today()) || q.Scope.User != "" ||
		q.Lang != "en" || len(q.Plan.Tiers) != len(plan.Tiers) {
		t.Fatalf("first query %+v", q)
	}
	m = press(t, m, "tab", "r")
	m = run(t, m, m.Open())
	if q := fb.asked[len(fb.asked)-1]; q.Kind != Kinds[1] || q.Scope.User != "li" {
		t.Fatalf("after tab and r (reps li, zhao) the query is %+v", q)
	}
	fb.err = errors.New("disk on fire")
	msg := m.Open()()
	m, cmd := m.Update(msg)
	if cmd == nil {
		t.Fatal("a failed read says nothing")
	}
	if e, ok := cmd().(common.ErrMsg); !ok || e.Err != fb.err {
		t.Fatalf("a failed read reports %#v", e)
	}
	if v := view(t, m); !strings.Contains(v, "Won 3 of 4") {
		t.Fatalf("a failed read lost the report shown:\n%s", v)
	}
}
