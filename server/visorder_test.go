package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// TestVisibleChangesKeepTheirOrder changes who sees leads many times in
// one transaction, as a batch of handovers does, and reads the outcome
// within it and after it: a row added and then removed is gone, one
// removed and then added is there, on both storages. PostgreSQL queues the
// rows added and sends them together; a removal must not overtake them.
func TestVisibleChangesKeepTheirOrder(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		st := b.open(t, t.TempDir())
		defer st.Close()
		ctx := context.Background()
		users := []string{"ann", "bob", "cai"}
		const leads = 37
		// want[lead][user], as the steps below leave it
		want := map[string]map[string]bool{}
		step := func(tx server.Tx, lead string, remove, add []string) error {
			if want[lead] == nil {
				want[lead] = map[string]bool{}
			}
			for _, u := range remove {
				want[lead][u] = false
			}
			for _, u := range add {
				want[lead][u] = true
			}
			return tx.SetVisible(lead, remove, add)
		}
		check := func(tx server.Tx, when string) {
			for lead, by := range want {
				for _, u := range users {
					got, err := tx.Visible(u, lead)
					if err != nil {
						t.Fatal(err)
					}
					if got != by[u] {
						t.Errorf("%s: %s sees %s: %v, want %v", when, u, lead, got, by[u])
					}
				}
			}
		}
		err := st.Update(ctx, func(tx server.Tx) error {
			for i := range 200 {
				lead := fmt.Sprintf("lead-%03d", i%leads) // each lead meets every step
				var err error
				switch i % 4 {
				case 0:
					err = step(tx, lead, nil, []string{"ann", "bob"})
				case 1:
					err = step(tx, lead, []string{"bob"}, []string{"cai"})
				case 2:
					err = step(tx, lead, []string{"ann", "cai"}, nil)
				case 3:
					err = step(tx, lead, nil, []string{"cai"})
				}
				if err != nil {
					return err
				}
				if i == 120 {
					check(tx, "within the transaction")
				}
				child := model.EntityRef{Type: model.TypeActivity, ID: fmt.Sprintf("act-%03d", i)}
				if err := tx.AddChild(lead, child); err != nil {
					return err
				}
				if i%50 == 0 { // a child named twice stays one
					if err := tx.AddChild(lead, child); err != nil {
						return err
					}
				}
			}
			check(tx, "at the end of the transaction")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.View(ctx, func(tx server.Tx) error {
			check(tx, "after it")
			for i := range leads {
				lead := fmt.Sprintf("lead-%03d", i)
				kids, err := tx.Children(lead)
				if err != nil {
					return err
				}
				var ids []string
				for _, k := range kids {
					ids = append(ids, k.ID)
				}
				var want []string
				for j := i; j < 200; j += leads {
					want = append(want, fmt.Sprintf("act-%03d", j))
				}
				if !slices.Equal(ids, want) {
					t.Errorf("children of %s: %v, want %v", lead, ids, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
