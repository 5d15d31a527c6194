package server_test

import (
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Moving a lead to the trash and back are sets of deleted (with
// deleted_at) that the server checks, applies and passes on; support,
// who may not delete leads, may not trash or restore them either.
func TestTrashAndRestoreSync(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, sue, max := h.device("ann", "rep"), h.device("sue", "support"), h.device("max", "manager")
		la := ann.addLead("Trash Co")
		moveTo(ann, la.ID, "solution") // support sees from there on (roles_test.go)
		ann.sync()
		max.sync()
		l := max.lead(la.ID)
		l.Assignees = []string{"sue"}
		max.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		max.sync()
		sue.sync()

		sue.update(func(tx *store.Tx) error { return tx.TrashLead(la.ID) })
		if rep := sue.sync(); rep.Rejected != 1 {
			t.Fatalf("support's trash: %+v; want it refused", rep)
		}
		ann.update(func(tx *store.Tx) error { return tx.TrashLead(la.ID) })
		if rep := ann.sync(); rep.Rejected != 0 || rep.Pushed != 1 {
			t.Fatalf("ann's trash: %+v", rep)
		}
		max.sync()
		var rec *model.Record
		max.st.View(func(tx *store.Tx) error { rec, _, _ = tx.Record(model.TypeLead, la.ID); return nil })
		if rec == nil || string(rec.Fields["deleted"]) != "true" || rec.Fields["deleted_at"] == nil {
			t.Fatalf("the manager's copy after the trash: %v", rec)
		}
		max.update(func(tx *store.Tx) error { return tx.UntrashLead(la.ID) })
		if rep := max.sync(); rep.Rejected != 0 || rep.Pushed != 1 {
			t.Fatalf("max's restore: %+v", rep)
		}
		ann.sync()
		sue.sync()
		if got := ann.lead(la.ID); got.Deleted || got.Company != "Trash Co" {
			t.Fatalf("ann's lead after the restore: %+v", got)
		}
		if err := h.checkConverged([]*device{ann, sue, max}, map[string]bool{"max": true}); err != nil {
			t.Fatal(err)
		}
	})
}
