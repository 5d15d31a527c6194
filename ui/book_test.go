package ui_test

import (
	"errors"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// draftIn saves a form's draft through bk and returns its id.
func draftIn(t *testing.T, bk ui.Book, leadID string) string {
	t.Helper()
	d := store.Draft{ID: "d-" + leadID, Kind: forms.DraftKind, Form: "visit", LeadID: leadID, Text: "Met the fleet manager."}
	if saved, err := bk.SaveDraft(&d, func() bool { return true }); err != nil || !saved {
		t.Fatalf("saving a draft: %v %v", saved, err)
	}
	return d.ID
}

func hasDraft(t *testing.T, st *store.Store, id string) bool {
	t.Helper()
	err := st.View(func(tx *store.Tx) error { _, err := tx.Draft(id); return err })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestBookWritesTakeTheFormsDraftWithThem: on the real store, a form's
// write deletes its draft in the same transaction, and a write that fails
// leaves the draft as it was; a draft save that is no longer live writes
// nothing.
func TestBookWritesTakeTheFormsDraftWithThem(t *testing.T) {
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, uitest.English)
	bk := ui.NewBook(st)

	id := draftIn(t, bk, ids[3])
	a := &model.Activity{LeadID: "no-such-lead", Kind: model.KindVisit, StartedAt: uitest.Now}
	if err := bk.AddActivity(a, "Met the fleet manager.", id); err == nil {
		t.Fatal("a visit on a lead that does not exist was saved")
	}
	if !hasDraft(t, st, id) {
		t.Fatal("a failed save took the draft with it")
	}
	a = &model.Activity{LeadID: ids[3], Kind: model.KindVisit, StartedAt: uitest.Now}
	if err := bk.AddActivity(a, "Met the fleet manager.", id); err != nil {
		t.Fatal(err)
	}
	if hasDraft(t, st, id) {
		t.Fatal("the saved visit's draft is still offered")
	}

	d := store.Draft{ID: "ended", Kind: forms.DraftKind, Text: "late tick"}
	if saved, err := bk.SaveDraft(&d, func() bool { return false }); err != nil || saved || hasDraft(t, st, "ended") {
		t.Fatalf("an ended draft was written: %v %v", saved, err)
	}
}

// TestBookMoveSaysWhereTheLeadWas: a move to lost with words beside the
// reason keeps the words as a note, says the stage it left (for undo) and
// gives the new card; a key's move has no draft.
func TestBookMoveSaysWhereTheLeadWas(t *testing.T) {
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, uitest.English)
	bk := ui.NewBook(st)
	id := draftIn(t, bk, ids[6])
	mv := forms.Move{LeadID: ids[6], To: store.Move{Stage: model.StageLost, LostReason: "competitor"}, Note: "cheaper by 8%", NoteAt: uitest.Now}
	done, err := bk.Move(mv, id)
	if err != nil {
		t.Fatal(err)
	}
	if done.From != "negotiation" || done.Card.Stage != model.StageLost || done.Card.LostReason != "competitor" || hasDraft(t, st, id) {
		t.Fatalf("the move: %+v (draft left %v)", done, hasDraft(t, st, id))
	}
	var acts []model.Activity
	st.View(func(tx *store.Tx) (err error) { acts, err = tx.ActivitiesOf(ids[6], 0); return err })
	if len(acts) != 1 || acts[0].Notes() != "cheaper by 8%" {
		t.Fatalf("the words beside the reason: %+v", acts)
	}
	back, err := bk.Move(forms.Move{LeadID: ids[6], To: store.Move{Stage: done.From}}, "")
	if err != nil || back.From != model.StageLost || back.FromReason != "competitor" || back.Card.Stage != "negotiation" {
		t.Fatalf("the undo: %+v %v", back, err)
	}
}

// TestBookSavesAQuickNoteOnANewProspect: the prospect, its note and the
// deleted draft are one write.
func TestBookSavesAQuickNoteOnANewProspect(t *testing.T) {
	st := uitest.Store(t)
	bk := ui.NewBook(st)
	d := store.Draft{ID: "note-1", Kind: capture.DraftKind, Company: "Lotus Textiles", Text: "Cold call went well."}
	if _, err := bk.SaveDraft(&d, func() bool { return true }); err != nil {
		t.Fatal(err)
	}
	id, err := bk.SaveNote(capture.Note{Company: "Lotus Textiles", Stage: "prospect", Text: d.Text, At: uitest.Now, DraftID: d.ID})
	if err != nil || id == "" {
		t.Fatalf("SaveNote: %q %v", id, err)
	}
	l, err := bk.Lead(id)
	if err != nil || l.Company != "Lotus Textiles" || l.Stage != "prospect" || hasDraft(t, st, d.ID) {
		t.Fatalf("the new prospect: %+v %v (draft left %v)", l, err, hasDraft(t, st, d.ID))
	}
	ds, err := bk.Drafts(capture.DraftKind)
	if err != nil || len(ds) != 0 {
		t.Fatalf("drafts after the save: %+v %v", ds, err)
	}
}
