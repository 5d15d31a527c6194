package store

import (
	"errors"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

func TestRestoreIsExactAndIdempotent(t *testing.T) {
	now, _ := clockAt(t0)
	src := openTemp(t, now)
	l := addLead(t, src, "华北能源有限公司", "qualified")
	var act model.Activity
	err := src.Update(func(tx *Tx) error {
		if _, err := tx.MoveLead(l.ID, Move{Stage: "contacted"}); err != nil {
			return err
		}
		act = model.Activity{LeadID: l.ID, Kind: model.KindVisit}
		if err := tx.AddActivity(&act, "第一版"); err != nil {
			return err
		}
		return tx.AppendNotes(act.ID, "第二版")
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = src.View(func(tx *Tx) error {
		l, _ = tx.Lead(l.ID)
		act, _ = tx.Activity(act.ID)
		return nil
	})

	dst := openTemp(t, now)
	restore := func() (bool, bool) {
		var lc, ac bool
		err := dst.Update(func(tx *Tx) error {
			var err error
			if lc, err = tx.RestoreLead(l); err != nil {
				return err
			}
			ac, err = tx.RestoreActivity(act)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return lc, ac
	}
	if lc, ac := restore(); !lc || !ac {
		t.Fatalf("first restore changed lead %v activity %v", lc, ac)
	}
	var before int
	err = dst.View(func(tx *Tx) error {
		got, err := tx.Lead(l.ID)
		if err != nil {
			return err
		}
		if len(got.StageLog) != 2 || got.StageLog[1].ID != l.StageLog[1].ID || got.StageLog[1].HLC != l.StageLog[1].HLC || !got.CreatedAt.Equal(l.CreatedAt) {
			t.Errorf("restored lead = %+v, want %+v", got, l)
		}
		a, err := tx.Activity(act.ID)
		if err != nil {
			return err
		}
		if len(a.Revisions) != 2 || a.Revisions[0].ID != act.Revisions[0].ID || a.Notes() != "第二版" {
			t.Errorf("restored activity = %+v", a)
		}
		before = tx.OutboxLen()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lc, ac := restore(); lc || ac {
		t.Fatalf("second restore changed lead %v activity %v", lc, ac)
	}
	_ = dst.View(func(tx *Tx) error {
		if n := tx.OutboxLen() - before; n != 0 {
			t.Errorf("second restore wrote %d ops", n)
		}
		return nil
	})
	// An entry stamped far in the future is restamped, so a hand-edited
	// file cannot drag the clock forward.
	future := l
	future.ID = model.NewID()
	future.StageLog = append([]model.StageEntry(nil), l.StageLog...)
	for i := range future.StageLog {
		future.StageLog[i].ID = model.NewID()
		future.StageLog[i].HLC.Wall = t0.AddDate(5, 0, 0).UnixMilli()
	}
	err = dst.Update(func(tx *Tx) error {
		if _, err := tx.RestoreLead(future); err != nil {
			return err
		}
		got, err := tx.Lead(future.ID)
		if err != nil {
			return err
		}
		for _, e := range got.StageLog {
			if e.HLC.Wall > t0.AddDate(0, 0, 2).UnixMilli() {
				t.Errorf("entry kept its future stamp %v", e.HLC)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = dst.Update(func(tx *Tx) error {
		if changed, err := tx.RestoreLead(future); err != nil || changed {
			t.Errorf("restoring the future-stamped lead again: changed %v, %v", changed, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "a/b", "a\x00b", string(make([]byte, 65))} {
		bad := l
		bad.ID = id
		err := dst.Update(func(tx *Tx) error { _, err := tx.RestoreLead(bad); return err })
		if len(model.FieldErrors(err)) == 0 {
			t.Errorf("id %q: err = %v", id, err)
		}
	}
	// A child of a lead that is not there is refused.
	orphan := act
	orphan.ID, orphan.LeadID = model.NewID(), model.NewID()
	err = dst.Update(func(tx *Tx) error { _, err := tx.RestoreActivity(orphan); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("orphan activity: %v", err)
	}
}
