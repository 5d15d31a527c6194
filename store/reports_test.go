package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

func TestMigration4BuildsFactsTargetsAndStageHistory(t *testing.T) {
	t0 := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	lead := model.Lead{ID: "L1", Company: "Old Co", Stage: "won", Owner: "ann", LostReason: "", Contract: model.Contract{SignedOn: model.Date{Y: 2027, M: 3, D: 2}},
		StageEnteredAt: t0.Add(24 * time.Hour), CreatedAt: t0,
		StageLog: []model.StageEntry{
			{ID: "e2", HLC: model.HLC{Wall: 2, Node: "n"}, Stage: "won", At: t0.Add(24 * time.Hour)},
			{ID: "e1", HLC: model.HLC{Wall: 1, Node: "n"}, Stage: "prospect", At: t0},
		}}
	act := model.Activity{ID: "A1", LeadID: "L1", Kind: model.KindCall, Author: "bob", StartedAt: t0.Add(time.Hour), CreatedAt: t0}
	path := atVersion(t, 3, func(tx *bolt.Tx) error {
		for b, v := range map[string]any{"leads/L1": lead, "activities/A1": act} {
			data, _ := json.Marshal(v)
			bucket, key := b[:len(b)-3], b[len(b)-2:]
			if err := tx.Bucket([]byte(bucket)).Put([]byte(key), data); err != nil {
				return err
			}
		}
		return nil
	})
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		facts, err := allFacts(tx)
		if err != nil {
			return err
		}
		if len(facts) != 1 || facts[0] != (fact{"A1", "L1", "call", "bob", act.StartedAt.UnixMilli()}) {
			t.Errorf("facts %+v", facts)
		}
		c, err := tx.Card("L1")
		if err != nil {
			return err
		}
		// The stage history is ordered by time, whatever the log's order.
		if len(c.Stages) != 2 || c.Stages[0].Stage != "prospect" || c.Stages[1].Stage != "won" || !c.Stages[1].At.Equal(t0.Add(24*time.Hour)) ||
			c.SignedOn != lead.Contract.SignedOn {
			t.Errorf("card %+v", c)
		}
		ts, err := tx.Targets()
		if err != nil || len(ts) != 0 {
			t.Errorf("targets %v %v", ts, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fact is an ActivityFact copied out of its transaction.
type fact struct {
	ID, LeadID, Kind, Author string
	At                       int64 // milliseconds
}

// allFacts is every fact ActivityFacts gives, oldest first.
func allFacts(tx *Tx) ([]fact, error) {
	var facts []fact
	err := tx.ActivityFacts(time.Time{}, time.Time{}, func(f *ActivityFact) error {
		facts = append(facts, fact{string(f.ID()), string(f.LeadID()), string(f.Kind), string(f.Author), f.At.UnixMilli()})
		return nil
	})
	return facts, err
}

func TestActivityFactsFollowTheActivities(t *testing.T) {
	now := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "f.db"), User: "ann", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	l := model.Lead{Company: "Co"}
	var a1, a2 model.Activity
	err = s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		a1 = model.Activity{LeadID: l.ID, Kind: model.KindCall, StartedAt: now.Add(-48 * time.Hour)}
		a2 = model.Activity{LeadID: l.ID, Kind: model.KindEmail, StartedAt: now.Add(-time.Hour)}
		if err := tx.AddActivity(&a1, ""); err != nil {
			return err
		}
		return tx.AddActivity(&a2, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(from, to time.Time) (n int, kinds string) {
		s.View(func(tx *Tx) error {
			return tx.ActivityFacts(from, to, func(f *ActivityFact) error {
				n++
				kinds += string(f.Kind) + "/" + string(f.Author) + " "
				return nil
			})
		})
		return
	}
	if n, kinds := count(time.Time{}, time.Time{}); n != 2 || kinds != "call/ann email/ann " {
		t.Errorf("all: %d %q", n, kinds)
	}
	if n, _ := count(now.Add(-24*time.Hour), now); n != 1 {
		t.Errorf("last day: %d", n)
	}
	if n, _ := count(now, now); n != 0 {
		t.Errorf("empty span: %d", n)
	}
	// An edit of the kind moves the fact; a deletion removes it.
	err = s.Update(func(tx *Tx) error {
		a, err := tx.Activity(a1.ID)
		if err != nil {
			return err
		}
		a.Kind = model.KindVisit
		a.EndedAt = a.StartedAt.Add(time.Hour)
		if err := tx.UpdateActivity(&a); err != nil {
			return err
		}
		b, err := tx.Activity(a2.ID)
		if err != nil {
			return err
		}
		b.Deleted = true
		return tx.UpdateActivity(&b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, kinds := count(time.Time{}, time.Time{}); n != 1 || kinds != "visit/ann " {
		t.Errorf("after edit and delete: %d %q", n, kinds)
	}
}

func TestTargets(t *testing.T) {
	now := time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC)
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "t.db"), User: "max", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		for _, tg := range []model.Target{
			{Year: 2027, User: "bob", WonCount: 4, WonValue: model.Money{Amount: 500}},
			{Year: 2027, Quarter: 1, User: "ann", WonCount: 1},
			{Year: 2027, User: "ann", WonCount: 5},
		} {
			if err := tx.SetTarget(&tg); err != nil {
				return err
			}
		}
		// Setting again edits the same record.
		return tx.SetTarget(&model.Target{Year: 2027, User: "ann", WonCount: 6})
	})
	if err != nil {
		t.Fatal(err)
	}
	var ts []model.Target
	s.View(func(tx *Tx) error { ts, err = tx.Targets(); return err })
	if len(ts) != 3 || ts[0].User != "ann" || ts[0].Quarter != 0 || ts[0].WonCount != 6 || ts[0].SetBy != "max" || ts[1].User != "bob" || ts[2].Quarter != 1 {
		t.Fatalf("targets %+v", ts)
	}
	for _, bad := range []model.Target{{Year: 2027, Quarter: 5, User: "ann"}, {Year: 2027, User: ""}, {Year: 12, User: "ann"}, {Year: 2027, User: "ann", WonCount: -1}, {Year: 2027, User: "a b"}} {
		if err := s.Update(func(tx *Tx) error { return tx.SetTarget(&bad) }); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteTarget(2027, 1, "ann") }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error { ts, err = tx.Targets(); return err })
	if len(ts) != 2 {
		t.Errorf("after delete: %+v", ts)
	}
	err = s.Update(func(tx *Tx) error { return tx.DeleteTarget(2030, 0, "ann") })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a missing target: %v", err)
	}
}

func TestCardRoundTripWithStageHistory(t *testing.T) {
	c := Card{ID: "x", Stage: "won", Probability: -1, LostReason: "price", SignedOn: model.Date{Y: 2027, M: 5, D: 6},
		Stages: []CardStage{{Stage: "prospect", At: time.UnixMilli(1000)}, {Stage: "won", At: time.UnixMilli(5000)}}}
	var d Card
	if err := d.unmarshal(c.marshal()); err != nil {
		t.Fatal(err)
	}
	if d.LostReason != "price" || d.SignedOn != c.SignedOn || len(d.Stages) != 2 || d.Stages[1].Stage != "won" || !d.Stages[1].At.Equal(c.Stages[1].At) {
		t.Errorf("round trip %+v", d)
	}
	if err := d.unmarshal(c.marshal()[:len(c.marshal())-3]); err == nil {
		t.Error("a cut card decoded")
	}
}

// ActivityFacts allocates nothing per activity, also when the callback
// asks for the ids, which the index holds packed.
func TestActivityFactsAllocateNothingPerActivity(t *testing.T) {
	s := openTemp(t, func() time.Time { return t0 })
	err := s.Update(func(tx *Tx) error {
		leads := []*model.Lead{{Company: "Co"}, {ID: "lead-text-id", Company: "Text Co"}}
		for _, l := range leads {
			if err := tx.AddLead(l); err != nil {
				return err
			}
		}
		for i := range 300 {
			a := model.Activity{LeadID: leads[i%2].ID, Kind: model.KindCall, StartedAt: t0.Add(-time.Duration(i) * time.Minute)}
			if err := tx.AddActivity(&a, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	allocs := func(from time.Time) (n int, allocs float64) {
		allocs = testing.AllocsPerRun(5, func() {
			n = 0
			s.View(func(tx *Tx) error {
				return tx.ActivityFacts(from, time.Time{}, func(f *ActivityFact) error {
					if len(f.ID()) == 0 || len(f.LeadID()) == 0 {
						t.Fatalf("fact without ids: %q %q", f.ID(), f.LeadID())
					}
					n++
					return nil
				})
			})
		})
		return n, allocs
	}
	few, fewAllocs := allocs(t0.Add(-10 * time.Minute))
	all, allAllocs := allocs(time.Time{})
	if few != 11 || all != 300 || allAllocs > fewAllocs { // from is inclusive
		t.Errorf("%d facts in %.0f allocations, %d in %.0f", few, fewAllocs, all, allAllocs)
	}
}
