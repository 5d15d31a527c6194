package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestEachCardLendsWhatCardsGives: EachCard yields every card Cards gives,
// in the same order, with the same head fields, and a Clone kept past the
// transaction still reads the same once the file is closed.
func TestEachCardLendsWhatCardsGives(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	st, err := Open(Options{Path: filepath.Join(t.TempDir(), "book.db"), User: "wang", Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *Tx) error {
		for _, c := range []string{"Acme", "信达食品集团有限公司", "Blue Ridge"} {
			l := model.Lead{Company: c, City: "上海", Tags: []string{"key"}, Value: model.Money{Amount: 12345, Currency: "CNY"},
				Contacts: []model.Contact{{Name: "王伟"}}}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			if _, err := tx.SetFollowUp(l.ID, model.DateOf(now).AddDays(3), "call "+c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var all, kept []Card
	err = st.View(func(tx *Tx) (err error) {
		if all, err = tx.Cards(); err != nil {
			return err
		}
		return tx.EachCard(func(c *Card) error { kept = append(kept, c.Clone()); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 3 || len(all) != 3 {
		t.Fatalf("EachCard gave %d cards, Cards %d", len(kept), len(all))
	}
	for i, c := range kept {
		want := all[i]
		want.Tags, want.Stages, want.LostReason, want.SignedOn = nil, nil, "", model.Date{} // not in the head
		if c.ID != want.ID || c.Company != want.Company || c.Contact != want.Contact || c.City != want.City ||
			c.Stage != want.Stage || c.Value != want.Value || c.NextDue != want.NextDue || c.NextAction != want.NextAction ||
			!c.StageEnteredAt.Equal(want.StageEnteredAt) || c.Tags != nil || c.Stages != nil {
			t.Errorf("card %d: EachCard %+v, Cards %+v", i, c, want)
		}
	}
}
