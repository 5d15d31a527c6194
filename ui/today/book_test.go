package today

import (
	"errors"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// storeBook is the review's Book over a real store, for the tests that
// read a real book: they cannot import ui.Book (the root package imports
// this one), so this is its one read again.
type storeBook struct{ data common.Data }

func (b storeBook) Today() (store.TodayReport, error) {
	var rep store.TodayReport
	err := b.data.View(func(tx *store.Tx) (err error) { rep, err = tx.Today(); return err })
	return rep, err
}

func newToday(c *common.Common) Model { return New(c, nil, storeBook{c.Data}) }

// fakeBook serves the reviews queued, one a read, or fails.
type fakeBook struct {
	reps []store.TodayReport
	fail error
}

func (f *fakeBook) Today() (store.TodayReport, error) {
	if f.fail != nil {
		return store.TodayReport{}, f.fail
	}
	rep := f.reps[0]
	f.reps = f.reps[1:]
	return rep, nil
}

func review(companies ...string) store.TodayReport {
	var items []store.TodayItem
	for _, c := range companies {
		items = append(items, store.TodayItem{Section: store.SectionToday, LeadID: c, Company: c, Stage: "qualified", Action: "Call"})
	}
	return store.TodayReport{Sections: []store.TodaySection{{Key: store.SectionToday, Items: items}}}
}

// TestReviewTakesTheNewestReadAndSaysAFailedOne over a fake book: a late
// reply of an earlier load does not replace the newer review, and a read
// that fails is a sentence, with the review shown kept.
func TestReviewTakesTheNewestReadAndSaysAFailedOne(t *testing.T) {
	bk := &fakeBook{reps: []store.TodayReport{review("Acme"), review("Harbor Logistics", "Northwind Foods")}}
	m := New(uitest.Common(nil, "en", 80, 24), nil, bk)
	m.SetSize(80, 22)
	first := m.Load()
	second := m.Load()
	old := first() // read first, arrives last
	m, _ = m.Update(second())
	m, _ = m.Update(old)
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Harbor Logistics") || strings.Contains(v, "Acme") {
		t.Fatalf("a late reply replaced the newer review:\n%s", v)
	}
	bk.fail = errors.New("the book is locked")
	m, cmd := m.Update(m.Load()())
	if cmd == nil {
		t.Fatal("a failed read said nothing")
	}
	if e, ok := cmd().(common.ErrMsg); !ok || e.Err != bk.fail {
		t.Fatalf("a failed read gives %#v", e)
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Northwind Foods") {
		t.Fatalf("a failed read lost the review shown:\n%s", v)
	}
}
