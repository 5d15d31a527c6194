package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestSortReviewAgrees checks sortReview, which moves the items by the
// sorted order of their indexes, against sorting the items themselves.
func TestSortReviewAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	companies := []string{"Acme", "北京华信", "acme", "", "Zeta", "上海"}
	for round := range 400 {
		n := rng.IntN(300)
		if round < 3 {
			n = round // none, one, two
		}
		items := make([]TodayItem, n)
		for i := range items {
			it := &items[i]
			it.LeadID = fmt.Sprintf("lead-%04d", rng.IntN(1000))
			it.TaskID = fmt.Sprintf("task-%d", i) // unique, so the order is total
			it.Company = companies[rng.IntN(len(companies))]
			it.Days = rng.IntN(5)
			if rng.IntN(6) > 0 {
				it.Due = model.Date{Y: 2026, M: 12, D: 1 + rng.IntN(4)}
			}
		}
		for _, rotting := range []bool{false, true} {
			got := slices.Clone(items)
			sortReview(got, rotting)
			want := slices.Clone(items)
			slices.SortFunc(want, func(a, b TodayItem) int { return compareReview(&a, &b, rotting) })
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, %d items, rotting %v: sortReview's order differs", round, n, rotting)
			}
		}
	}
}
