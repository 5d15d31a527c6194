package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestDraftsKeepAFormAsTypedNewestFirst: a form's draft comes back with
// what it was opened with and every field typed, drafts list newest
// first, and a deleted draft is gone.
func TestDraftsKeepAFormAsTypedNewestFirst(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	note := &Draft{Kind: "note", LeadID: "L1", Company: "Acme", Text: "called"}
	form := &Draft{Kind: "form", Form: "visit", LeadID: "L2", Company: "信达食品",
		Args:   map[string]string{"contact": "林建国"},
		Fields: map[string]string{"notes": "预算：300万\n决策人：", "minutes": "45"}, Text: "预算：300万"}
	if err := s.Update(func(tx *Tx) error { return tx.SaveDraft(note) }); err != nil {
		t.Fatal(err)
	}
	advance(time.Minute)
	if err := s.Update(func(tx *Tx) error { return tx.SaveDraft(form) }); err != nil {
		t.Fatal(err)
	}
	if note.ID == "" || form.ID == "" || !form.CreatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ids %q %q, created %v", note.ID, form.ID, form.CreatedAt)
	}
	err := s.View(func(tx *Tx) error {
		ds, err := tx.Drafts()
		if err != nil {
			return err
		}
		if len(ds) != 2 || ds[0].ID != form.ID || ds[1].ID != note.ID {
			t.Fatalf("drafts not newest first: %+v", ds)
		}
		if !reflect.DeepEqual(ds[0], *form) {
			t.Fatalf("the form's draft came back as\n%+v\nnot\n%+v", ds[0], *form)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteDraft(form.ID) }); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		_, err := tx.Draft(form.ID)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("a deleted draft reads as %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDraftSizeCountsEveryField: a form's fields count towards the limit,
// so no form can store more than one note's worth.
func TestDraftSizeCountsEveryField(t *testing.T) {
	now, _ := clockAt(t0)
	s := openTemp(t, now)
	half := strings.Repeat("x", model.MaxNotesLen/2+1)
	d := &Draft{Kind: "form", Form: "visit", Fields: map[string]string{"notes": half, "outcome": half}}
	err := s.Update(func(tx *Tx) error { return tx.SaveDraft(d) })
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("an oversized form draft saved: %v", err)
	}
}
