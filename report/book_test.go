package report

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// day is noon UTC on a day of 2026/2027, so day counts are exact.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// ids of the small book, by name.
type smallBook struct {
	st  *store.Store
	ids map[string]string
	now time.Time
}

func rulesWith(extra ...model.Stage) *model.Rules {
	r := model.DefaultRules()
	r.Location = time.UTC
	if len(extra) > 0 {
		r.Pipeline.Stages = append(append([]model.Stage(nil), r.Pipeline.Stages...), extra...)
	}
	return &r
}

// newSmallBook builds the hand-computed book the report tests check
// against (see each test for the arithmetic). Today is 2027-03-15 noon
// UTC, a Monday. The store is written with a pipeline that has a "pilot"
// stage, then reopened with the default pipeline, so lead L8 sits in a
// stage that was removed.
func newSmallBook(t testing.TB) *smallBook {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.db")
	clock := day(2027, 1, 1)
	pilot := model.Stage{Key: "pilot", LabelEN: "Pilot", LabelZH: "试点", Probability: 60, RottingDays: 30}
	st, err := store.Open(store.Options{Path: path, User: "ann", Rules: rulesWith(pilot), Now: func() time.Time { return clock }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	b := &smallBook{ids: map[string]string{}, now: day(2027, 3, 15)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	add := func(name, owner, source string, created time.Time, stage string, value int64, close model.Date) {
		t.Helper()
		clock = created
		l := model.Lead{Company: "Co " + name, Owner: owner, Source: source, Stage: stage, CreatedAt: created,
			Value: model.Money{Amount: value, Currency: "CNY"}, ExpectedClose: close}
		must(st.Update(func(tx *store.Tx) error { return tx.AddLead(&l) }))
		b.ids[name] = l.ID
	}
	move := func(name string, at time.Time, m store.Move) {
		t.Helper()
		clock = at
		must(st.Update(func(tx *store.Tx) error { _, err := tx.MoveLead(b.ids[name], m); return err }))
	}
	act := func(name, author, kind string, at time.Time) {
		t.Helper()
		clock = at
		a := model.Activity{LeadID: b.ids[name], Author: author, Kind: kind, StartedAt: at}
		if kind == model.KindVisit || kind == model.KindMeeting || kind == model.KindDemo {
			a.EndedAt = at.Add(time.Hour)
		}
		must(st.Update(func(tx *store.Tx) error { return tx.AddActivity(&a, "") }))
	}
	money := func(v int64) *model.Money { return &model.Money{Amount: v, Currency: "CNY"} }

	add("L1", "ann", "trade_show", day(2027, 1, 10), "prospect", 100000, model.Date{})
	move("L1", day(2027, 1, 20), store.Move{Stage: "qualified"})
	move("L1", day(2027, 2, 1), store.Move{Stage: "contacted"})
	move("L1", day(2027, 2, 11), store.Move{Stage: "solution"})
	move("L1", day(2027, 2, 21), store.Move{Stage: "negotiation"})
	move("L1", day(2027, 3, 3), store.Move{Stage: "won", ContractValue: money(200000), SignedOn: model.Date{Y: 2027, M: 3, D: 3}})

	add("L2", "ann", "web", day(2027, 2, 1), "prospect", 50000, model.Date{})
	move("L2", day(2027, 2, 5), store.Move{Stage: "contacted"})
	move("L2", day(2027, 3, 1), store.Move{Stage: "lost", LostReason: "price"})

	add("L3", "bob", "web", day(2027, 2, 10), "prospect", 300000, model.Date{})
	move("L3", day(2027, 3, 10), store.Move{Stage: "won", SignedOn: model.Date{Y: 2027, M: 3, D: 10}})

	add("L4", "bob", "referral", day(2026, 12, 1), "prospect", 80000, model.Date{Y: 2027, M: 4, D: 15})
	move("L4", day(2027, 1, 5), store.Move{Stage: "solution"})

	add("L5", "ann", "", day(2027, 3, 2), "prospect", 10000, model.Date{Y: 2027, M: 3, D: 31})
	add("L6", "bob", "market_research", day(2026, 10, 1), "qualified", 20000, model.Date{})

	add("L7", "ann", "cold_call", day(2027, 1, 5), "prospect", 70000, model.Date{})
	move("L7", day(2027, 2, 15), store.Move{Stage: "lost", LostReason: "competitor"})

	add("L8", "ann", "referral", day(2027, 3, 5), "pilot", 60000, model.Date{Y: 2027, M: 5, D: 20})

	act("L1", "ann", model.KindVisit, time.Date(2027, 3, 2, 10, 0, 0, 0, time.UTC))
	act("L1", "ann", model.KindCall, time.Date(2027, 3, 3, 10, 0, 0, 0, time.UTC))
	act("L5", "ann", model.KindMeeting, time.Date(2027, 3, 9, 10, 0, 0, 0, time.UTC))
	act("L3", "bob", model.KindCall, time.Date(2027, 3, 9, 11, 0, 0, 0, time.UTC))
	act("L3", "bob", model.KindDemo, time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC))
	act("L4", "bob", model.KindEmail, time.Date(2027, 2, 25, 9, 0, 0, 0, time.UTC))
	act("L1", "ann", model.KindNote, time.Date(2027, 3, 15, 8, 0, 0, 0, time.UTC))

	clock = b.now
	must(st.Update(func(tx *store.Tx) error {
		if err := tx.SetTarget(&model.Target{Year: 2027, User: "ann", WonCount: 8, WonValue: model.Money{Amount: 800000}}); err != nil {
			return err
		}
		return tx.SetTarget(&model.Target{Year: 2027, Quarter: 1, User: "bob", WonCount: 3, WonValue: model.Money{Amount: 900000}})
	}))
	// The company removes the pilot stage: reopen with the default pipeline.
	b.st, err = store.Open(store.Options{Path: path, User: "ann", Rules: rulesWith(), Now: func() time.Time { return clock }, NoSync: true})
	must(err)
	return b
}

func (sb *smallBook) load(t testing.TB) *Book {
	t.Helper()
	var b *Book
	err := sb.st.View(func(tx *store.Tx) error {
		var err error
		b, err = Load(tx, time.Time{}, time.Time{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
