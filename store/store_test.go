package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// clockAt returns a settable clock for tests.
func clockAt(t0 time.Time) (func() time.Time, func(time.Duration)) {
	now := t0
	return func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) }
}

func openTemp(t testing.TB, now func() time.Time) *Store {
	t.Helper()
	rules := model.DefaultRules()
	rules.Location = time.UTC
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "book.db"), User: "ann", Now: now, Rules: &rules})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func addLead(t testing.TB, s *Store, company, stage string) model.Lead {
	t.Helper()
	l := model.Lead{Company: company, Stage: stage, Value: model.Money{Amount: 100_00, Currency: "CNY"},
		Contacts: []model.Contact{{Name: "王伟", Phone: "+86 138 0013 8000"}}}
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestOpenCreatesFileWithMode0600(t *testing.T) {
	s := openTemp(t, nil)
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestLeadWriteIndexesCardAndOutboxInOneTransaction(t *testing.T) {
	now, _ := clockAt(t0)
	s := openTemp(t, now)
	l := addLead(t, s, "华北能源有限公司 ⚡", "qualified")
	err := s.View(func(tx *Tx) error {
		got, err := tx.Lead(l.ID)
		if err != nil {
			return err
		}
		if got.Company != l.Company || got.Owner != "ann" || len(got.StageLog) != 1 {
			t.Errorf("lead = %+v", got)
		}
		if ids := tx.LeadIDsInStage("qualified"); len(ids) != 1 || ids[0] != l.ID {
			t.Errorf("stage index = %v", ids)
		}
		c, err := tx.Card(l.ID)
		if err != nil || c.Company != l.Company || c.Contact != "王伟" {
			t.Errorf("card = %+v, %v", c, err)
		}
		if n := tx.OutboxLen(); n != 1 { // the create carries the first stage-log entry
			t.Errorf("outbox has %d ops, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMoveLeadUpdatesIndexAndLogsOnlyChangedFields(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := addLead(t, s, "Acme", "prospect")
	advance(time.Hour)
	err := s.Update(func(tx *Tx) error {
		_, err := tx.MoveLead(l.ID, Move{Stage: "contacted"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ops []model.Op
	s.View(func(tx *Tx) error {
		out, err := tx.Outbox(0)
		for _, e := range out[1:] {
			ops = append(ops, e.Op)
		}
		return err
	})
	if len(ops) != 2 || ops[0].Kind != model.OpSet || ops[1].Kind != model.OpAppend {
		t.Fatalf("ops = %+v", ops)
	}
	for f := range ops[0].Fields {
		if f != "stage" && f != "stage_entered_at" && f != "updated_at" {
			t.Errorf("move op sets unrelated field %q", f)
		}
	}
	s.View(func(tx *Tx) error {
		if ids := tx.LeadIDsInStage("prospect"); len(ids) != 0 {
			t.Errorf("old stage index entry left: %v", ids)
		}
		if ids := tx.LeadIDsInStage("contacted"); len(ids) != 1 {
			t.Errorf("new stage index = %v", ids)
		}
		return nil
	})
}

func TestInvalidLeadWritesNothing(t *testing.T) {
	s := openTemp(t, nil)
	for _, l := range []model.Lead{
		{Company: ""},
		{Company: "X", Stage: "nowhere"},
		{Company: "X", Value: model.Money{Amount: -1}},
		{Company: "X", Stage: "lost"},
	} {
		err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) })
		if len(model.FieldErrors(err)) == 0 {
			t.Errorf("AddLead(%+v) = %v, want field errors", l, err)
		}
	}
	s.View(func(tx *Tx) error {
		if n := tx.OutboxLen(); n != 0 {
			t.Errorf("outbox has %d ops after failed writes", n)
		}
		cards, _ := tx.Cards()
		if len(cards) != 0 {
			t.Errorf("cards = %d", len(cards))
		}
		return nil
	})
}

func TestActivityTouchesCardAndNextStepReplacesFollowUp(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := addLead(t, s, "Acme", "contacted")
	due := model.DateOf(t0).AddDays(3)
	err := s.Update(func(tx *Tx) error {
		_, err := tx.SetFollowUp(l.ID, model.DateOf(t0), "call back")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	err = s.Update(func(tx *Tx) error {
		return tx.AddActivity(&model.Activity{LeadID: l.ID, Kind: model.KindVisit, NextStep: "send quote", NextDue: due}, "# 拜访\n客户需要报价")
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		c, _ := tx.Card(l.ID)
		if !c.LastActivity.Equal(t0.Add(time.Hour)) {
			t.Errorf("last activity = %v", c.LastActivity)
		}
		if c.NextDue != due || c.NextAction != "send quote" {
			t.Errorf("next = %v %q", c.NextDue, c.NextAction)
		}
		tasks, _ := tx.TasksOf(l.ID)
		if len(tasks) != 2 || tasks[0].Done || !tasks[1].Done {
			t.Errorf("tasks = %+v", tasks)
		}
		acts, _ := tx.ActivitiesOf(l.ID, 0)
		if len(acts) != 1 || acts[0].Notes() != "# 拜访\n客户需要报价" || acts[0].FirstLine() != "拜访" {
			t.Errorf("activities = %+v", acts)
		}
		return nil
	})
}

func TestNotesEditKeepsEveryRevision(t *testing.T) {
	s := openTemp(t, nil)
	l := addLead(t, s, "Acme", "contacted")
	a := model.Activity{LeadID: l.ID, Kind: model.KindCall}
	s.Update(func(tx *Tx) error { return tx.AddActivity(&a, "first") })
	s.Update(func(tx *Tx) error { return tx.AppendNotes(a.ID, "second") })
	s.View(func(tx *Tx) error {
		got, _ := tx.Activity(a.ID)
		if len(got.Revisions) != 2 || got.Notes() != "second" || got.Revisions[0].Text != "first" {
			t.Errorf("revisions = %+v", got.Revisions)
		}
		return nil
	})
}

func TestTodaySectionsAndOrder(t *testing.T) {
	now, _ := clockAt(t0)
	s := openTemp(t, now)
	today := model.DateOf(t0)
	a := addLead(t, s, "Alpha", "contacted")
	b := addLead(t, s, "Beta", "solution")
	c := addLead(t, s, "Gamma", "negotiation")
	won := addLead(t, s, "Won Co", "won")
	s.Update(func(tx *Tx) error {
		tx.SetFollowUp(a.ID, today.AddDays(-2), "overdue call")
		tx.SetFollowUp(b.ID, today, "today visit")
		tx.SetFollowUp(c.ID, today.AddDays(5), "this week")
		return nil
	})
	// Rotting: a lead untouched for 40 days in a 14-day stage.
	later := t0.Add(40 * 24 * time.Hour)
	s2, err := Open(Options{Path: s.Path(), Now: func() time.Time { return later }, Rules: &s.rules})
	if err != nil {
		t.Fatal(err)
	}
	_ = won
	var rep TodayReport
	s.View(func(tx *Tx) (err error) { rep, err = tx.Today(); return })
	got := map[string][]string{}
	for _, sec := range rep.Sections {
		for _, it := range sec.Items {
			got[sec.Key] = append(got[sec.Key], it.Company)
		}
	}
	if len(got[SectionOverdue]) != 1 || got[SectionOverdue][0] != "Alpha" ||
		len(got[SectionToday]) != 1 || got[SectionToday][0] != "Beta" ||
		len(got[SectionWeek]) != 1 || got[SectionWeek][0] != "Gamma" {
		t.Fatalf("today = %v", got)
	}
	s2.View(func(tx *Tx) (err error) { rep, err = tx.Today(); return })
	got = map[string][]string{}
	for _, sec := range rep.Sections {
		for _, it := range sec.Items {
			got[sec.Key] = append(got[sec.Key], it.Company)
		}
	}
	if len(got[SectionRotting]) != 3 || len(got[SectionReturnVisit]) != 0 {
		t.Fatalf("40 days later: %v", got)
	}
}

func TestLockedFileFailsWithinTimeoutNamingTheHolder(t *testing.T) {
	s := openTemp(t, nil)
	held, err := Open(Options{Path: s.Path(), KeepOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	s.opts.LockTimeout = 200 * time.Millisecond
	start := time.Now()
	err = s.View(func(*Tx) error { return nil })
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("waited %v", d)
	}
}

func TestBackupIsAnOpenableCopy(t *testing.T) {
	s := openTemp(t, nil)
	l := addLead(t, s, "Acme", "prospect")
	var buf bytes.Buffer
	if err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	os.WriteFile(path, buf.Bytes(), 0o600)
	c, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.View(func(tx *Tx) error { _, err := tx.Lead(l.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestApplyRemoteIsIdempotentAndAdvancesClock(t *testing.T) {
	a := openTemp(t, nil)
	b := openTemp(t, nil)
	l := addLead(t, a, "Acme", "prospect")
	var ops []model.Op
	a.View(func(tx *Tx) error {
		out, err := tx.Outbox(0)
		for _, e := range out {
			ops = append(ops, e.Op)
		}
		return err
	})
	for range 2 {
		if err := b.Update(func(tx *Tx) error { return tx.ApplyRemote(ops) }); err != nil {
			t.Fatal(err)
		}
	}
	b.View(func(tx *Tx) error {
		got, err := tx.Lead(l.ID)
		if err != nil || got.Company != "Acme" || len(got.StageLog) != 1 {
			t.Errorf("replica lead = %+v, %v", got, err)
		}
		if n := tx.OutboxLen(); n != 0 {
			t.Errorf("remote ops went to the outbox: %d", n)
		}
		return nil
	})
}

func TestCreateOpEncodingMatchesModelOp(t *testing.T) {
	raw := rawOp{ID: "op1", Entity: model.EntityRef{Type: "lead", ID: "L\"1"}, Kind: model.OpCreate,
		HLC: model.HLC{Wall: 5, Counter: 2, Node: "n"}, Actor: model.Actor{User: "王伟", Device: "d"}, Schema: 1}
	data := raw.encodeWith([]byte(`{"company":"华北 \"能源\""}`))
	op, err := model.DecodeOp(data)
	if err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if op.ID != "op1" || op.Entity.ID != "L\"1" || op.HLC != raw.HLC || op.Actor != raw.Actor || string(op.Fields["company"]) != `"华北 \"能源\""` {
		t.Fatalf("decoded %+v", op)
	}
}

func TestOpenVisitsComeFromTheirIndex(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := addLead(t, s, "Acme", "contacted")
	var first, second model.Activity
	s.Update(func(tx *Tx) (err error) { first, err = tx.StartVisit(l.ID, ""); return })
	advance(time.Hour)
	s.Update(func(tx *Tx) (err error) { second, err = tx.StartVisit(l.ID, ""); return })
	s.View(func(tx *Tx) error {
		open, err := tx.OpenVisits()
		if err != nil || len(open) != 2 || open[0].ID != second.ID {
			t.Errorf("open visits = %+v, %v; want both, newest first", open, err)
		}
		return nil
	})
	advance(time.Hour)
	if err := s.Update(func(tx *Tx) error { _, err := tx.StopVisit(second.ID, VisitStop{}); return err }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		open, _ := tx.OpenVisits()
		if len(open) != 1 || open[0].ID != first.ID {
			t.Errorf("after stopping one, open visits = %+v", open)
		}
		return nil
	})
}
