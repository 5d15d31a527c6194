package visits

import (
	"errors"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// A reload that brings fewer rows, answered for words since changed or
// with a failed search, lays out the new rows (every one, until the index
// answers for them) rather than the old answer's row numbers.
func TestReloadWithStaleOrFailedWords(t *testing.T) {
	st := uitest.Store(t)
	bk := &fakeBook{acts: map[string]model.Activity{
		"a1": activity("a1", "l1", "Met the fleet manager", time.Hour),
		"a2": activity("a2", "l2", "Plant visit", 2*time.Hour),
		"a3": activity("a3", "l1", "Fleet trial order", 3*time.Hour),
	}, found: map[string][]string{"fleet": {"a1", "a3"}, "plant": {"a2"}}}
	m := New(uitest.Common(st, "en", 100, 20), nil, bk)
	m.SetSize(100, 18)
	m, _ = feed(m, m.Load())
	if err := m.SetText("fleet"); err != nil || shownIDs(m) != "a1 a3" {
		t.Fatalf("fleet: %v, shows %q", err, shownIDs(m))
	}

	// Typed while the log reloads: the load's answer is for "fleet".
	load := m.Load()
	delete(bk.acts, "a1")
	delete(bk.acts, "a2")
	msg := load()
	m.text = "plant"
	m, cmd := m.Update(msg)
	_ = m.View()
	if got := shownIDs(m); got != "a3" {
		t.Fatalf("after a reload answered for other words the log shows %q, want every new row", got)
	}
	if cmd == nil {
		t.Fatal("no search for the words typed while loading")
	}
	m = answer(t, m, cmd)
	if got := shownIDs(m); got != "" {
		t.Fatalf("plant after the reload shows %q, want none", got)
	}

	// The search fails on a reload: reported, the new rows shown.
	m.text = "fleet"
	bk.searchErr = errors.New("the book is locked")
	m, cmd = m.Update(m.Load()())
	_ = m.View()
	if cmd == nil || shownIDs(m) != "a3" {
		t.Fatalf("a failed search on reload: report %v, shows %q", cmd != nil, shownIDs(m))
	}
}
