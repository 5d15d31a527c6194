package exchange

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// openStore opens a real store in a temp folder with a fixed clock that
// moves one second per transaction.
func openStore(t testing.TB, user string) *store.Store { return openStoreSync(t, user, false) }

// openStoreSync opens the store; with sync, commits are fsynced as in real
// use (benchmarks of the import measure that too).
func openStoreSync(t testing.TB, user string, sync bool) *store.Store {
	t.Helper()
	rules := model.DefaultRules()
	rules.Location = time.UTC
	// No hand-off on a win: the exports here carry no service orders, and
	// the test book's records are counted.
	rules.Handoff = model.HandoffRules{}
	now := t0
	s, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "book.db"), User: user, Rules: &rules,
		Now: func() time.Time { now = now.Add(time.Second); return now }, NoSync: !sync})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func importString(t testing.TB, s *store.Store, name, data string, opt Options) *Report {
	t.Helper()
	if opt.RejectsPath == "" {
		opt.RejectsPath = "-"
	}
	rep, err := Import(s, []byte(data), name, opt)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

func allLeads(t testing.TB, s *store.Store) []model.Lead {
	t.Helper()
	var out []model.Lead
	if err := s.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.Leads(store.LeadFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func outboxLen(t testing.TB, s *store.Store) int {
	t.Helper()
	n := 0
	if err := s.View(func(tx *store.Tx) error { n = tx.OutboxLen(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func counts(r *Report) [5]int { return [5]int{r.New, r.Updated, r.Unchanged, r.Duplicate, r.Invalid} }
