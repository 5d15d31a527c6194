package main

import (
	"path/filepath"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
)

// TestDemoSalesOnlyLeavesTheColleaguesOut: the demo book assigns its
// support and after-sales colleagues to some leads; --sales-only, for a
// book a rep will sync, assigns nobody.
func TestDemoSalesOnlyLeavesTheColleaguesOut(t *testing.T) {
	assigned := func(args ...string) int {
		dir := t.TempDir()
		c := &cli{t: t, db: filepath.Join(dir, "book.db"), config: filepath.Join(dir, "config.toml")}
		c.ok(append([]string{"demo", "--leads", "60"}, args...)...)
		st, err := store.Open(store.Options{Path: c.db})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n := 0
		if err := st.View(func(tx *store.Tx) error {
			leads, err := tx.Leads(store.LeadFilter{})
			for _, l := range leads {
				if len(l.Assignees) > 0 {
					n++
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := assigned(); n == 0 {
		t.Error("the demo book assigns no colleague to any lead")
	}
	if n := assigned("--sales-only"); n != 0 {
		t.Errorf("demo --sales-only assigned colleagues to %d leads", n)
	}
}
