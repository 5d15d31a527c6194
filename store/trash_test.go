package store

import (
	"errors"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// A lead moved to the trash leaves the board and resolving, keeps its
// activities and follow-ups, and comes back with them; the moves are sets
// of deleted (and deleted_at) that sync; emptying the trash purges only
// what is older than TrashDays, and never a lead with changes waiting.
func TestTrashRestoreAndPurge(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := addLead(t, s, "DeleteMe 测试", "contacted")
	keep := addLead(t, s, "Keeper", "prospect")
	due := model.DateOf(t0).AddDays(3)
	if err := s.Update(func(tx *Tx) error {
		return tx.AddActivity(&model.Activity{LeadID: l.ID, Kind: model.KindVisit, NextStep: "send quote", NextDue: due}, "notes")
	}); err != nil {
		t.Fatal(err)
	}
	var before Card
	s.View(func(tx *Tx) error { before, _ = tx.Card(l.ID); return nil })
	if err := s.Update(func(tx *Tx) error { return tx.TrashLead(l.ID) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if _, err := tx.Card(l.ID); err == nil {
			t.Error("a lead in the trash has a card")
		}
		if _, err := tx.ResolveLead("DeleteMe"); err == nil {
			t.Error("a lead in the trash resolves as live")
		}
		list, err := tx.Trash()
		if err != nil || len(list) != 1 || list[0].Lead.ID != l.ID || !list[0].DeletedAt.Equal(t0) ||
			!list[0].PurgeAfter.Equal(t0.Add(30*24*time.Hour)) || list[0].Activities != 1 || list[0].Tasks != 1 {
			t.Errorf("trash %+v %v", list, err)
		}
		if acts, err := tx.Activities(ActivityFilter{}); len(acts) != 0 || err != nil {
			t.Errorf("the visit log shows the activities of a lead in the trash: %v %v", acts, err)
		}
		if rows, err := tx.ActivityRows(); len(rows) != 0 || err != nil {
			t.Errorf("the visit rows show the activities of a lead in the trash: %v %v", rows, err)
		}
		if id, err := tx.ResolveTrashed("Delete"); id != l.ID || err != nil {
			t.Errorf("ResolveTrashed(Delete) = %q %v", id, err)
		}
		if _, err := tx.ResolveTrashed("Keeper"); err == nil {
			t.Error("a live lead resolved in the trash")
		}
		entries, _ := tx.Outbox(0)
		op := entries[len(entries)-1].Op
		if op.Kind != model.OpSet || string(op.Fields["deleted"]) != "true" || op.Fields["deleted_at"] == nil {
			t.Errorf("the trash op is %+v", op)
		}
		return nil
	})
	// Too young to purge.
	s.Update(func(tx *Tx) error {
		if n, w, err := tx.PurgeTrash(false); n != 0 || w != 0 || err != nil {
			t.Errorf("purged %d, waiting %d, %v", n, w, err)
		}
		return nil
	})
	if err := s.Update(func(tx *Tx) error { return tx.UntrashLead(l.ID) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		c, err := tx.Card(l.ID)
		if err != nil || c.NextDue != before.NextDue || !c.LastActivity.Equal(before.LastActivity) {
			t.Errorf("the restored card %+v (%v), before %+v", c, err, before)
		}
		entries, _ := tx.Outbox(0)
		op := entries[len(entries)-1].Op
		if string(op.Fields["deleted"]) != "false" {
			t.Errorf("the restore op is %+v", op)
		}
		if acts, _ := tx.Activities(ActivityFilter{}); len(acts) != 1 {
			t.Errorf("the restored activity is not in the visit log: %v", acts)
		}
		if lead, err := tx.Lead(l.ID); err != nil || !lead.DeletedAt.IsZero() {
			t.Errorf("restored lead %+v %v", lead, err)
		}
		return nil
	})

	// A lead deleted for good (merged away by dedupe) is not in the trash.
	gone := addLead(t, s, "Merged Away", "prospect")
	s.Update(func(tx *Tx) error { return tx.DeleteLead(gone.ID) })
	s.View(func(tx *Tx) error {
		if list, _ := tx.Trash(); len(list) != 0 {
			t.Errorf("a lead deleted for good is in the trash: %+v", list)
		}
		return nil
	})

	// Old enough: purged, with its activity and task, once synced.
	s.Update(func(tx *Tx) error { return tx.TrashLead(l.ID) })
	s.Update(func(tx *Tx) error { return tx.TrashLead(keep.ID) })
	advance(31 * 24 * time.Hour)
	s.Update(func(tx *Tx) error {
		if n, w, err := tx.PurgeTrash(false); n != 0 || w != 2 || err != nil {
			t.Errorf("with changes waiting: purged %d, waiting %d, %v", n, w, err)
		}
		entries, _ := tx.Outbox(0)
		for _, e := range entries {
			tx.DropOutbox(e.Seq)
		}
		return nil
	})
	s.Update(func(tx *Tx) error {
		if n, w, err := tx.PurgeTrash(false); n != 2 || w != 0 || err != nil {
			t.Errorf("purged %d, waiting %d, %v", n, w, err)
		}
		return nil
	})
	s.View(func(tx *Tx) error {
		var l2 model.Lead
		if err := tx.get(model.TypeLead, l.ID, &l2); !errors.Is(err, ErrNotFound) {
			t.Errorf("the purged lead is still there: %v", err)
		}
		kids, _ := tx.children(l.ID)
		if len(kids) != 0 {
			t.Errorf("children left: %v", kids)
		}
		if list, _ := tx.Trash(); len(list) != 0 {
			t.Errorf("trash after purge: %v", list)
		}
		return nil
	})
}
