package server_test

import (
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

func targetsOf(d *device) map[string]model.Target {
	d.t.Helper()
	out := map[string]model.Target{}
	if err := d.st.View(func(tx *store.Tx) error {
		ts, err := tx.Targets()
		for _, t := range ts {
			out[t.ID] = t
		}
		return err
	}); err != nil {
		d.t.Fatal(err)
	}
	return out
}

func TestTargetsSyncWithVisibility(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, bob, max := h.device("ann", "rep"), h.device("bob", "rep"), h.device("max", "manager")
		// The manager sets ann's and bob's targets; ann sets her own Q1.
		max.update(func(tx *store.Tx) error {
			if err := tx.SetTarget(&model.Target{Year: 2027, User: "ann", WonCount: 10, WonValue: model.Money{Amount: 100}}); err != nil {
				return err
			}
			return tx.SetTarget(&model.Target{Year: 2027, User: "bob", WonCount: 7})
		})
		ann.update(func(tx *store.Tx) error {
			return tx.SetTarget(&model.Target{Year: 2027, Quarter: 1, User: "ann", WonCount: 3})
		})
		// bob tries to set ann's target: refused.
		bob.update(func(tx *store.Tx) error {
			return tx.SetTarget(&model.Target{Year: 2027, Quarter: 2, User: "ann", WonCount: 1})
		})
		max.sync()
		ann.sync()
		if rep := bob.sync(); len(bob.rejected()) != 1 {
			t.Fatalf("bob's target for ann was not refused: %+v, rejected %+v", rep, bob.rejected())
		}
		max.sync()
		annYear, annQ1, bobYear, bobForAnn := model.TargetID(2027, 0, "ann"), model.TargetID(2027, 1, "ann"), model.TargetID(2027, 0, "bob"), model.TargetID(2027, 2, "ann")
		at, bt, mt := targetsOf(ann), targetsOf(bob), targetsOf(max)
		if at[annYear].WonCount != 10 || at[annQ1].WonCount != 3 {
			t.Errorf("ann lacks her targets: %+v", at)
		}
		if _, ok := at[bobYear]; ok {
			t.Error("ann received bob's target")
		}
		if bt[bobYear].WonCount != 7 {
			t.Errorf("bob lacks his target: %+v", bt)
		}
		if _, ok := mt[annQ1]; !ok || len(mt) != 3 {
			t.Errorf("the manager should see the three accepted targets: %+v", mt)
		}
		if _, ok := mt[bobForAnn]; ok {
			t.Error("the refused target reached the manager")
		}
		// A change by the manager reaches the rep.
		max.update(func(tx *store.Tx) error {
			return tx.SetTarget(&model.Target{Year: 2027, User: "ann", WonCount: 12, WonValue: model.Money{Amount: 100}})
		})
		max.sync()
		ann.sync()
		if got := targetsOf(ann)[annYear].WonCount; got != 12 {
			t.Errorf("ann's target after the manager's change: %d", got)
		}
	})
}
