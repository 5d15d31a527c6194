package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// writeMixedBook writes, in one transaction, leads with activities in
// random time order, open visits, follow-ups replaced in the same
// transaction, complaints opened and resolved, stage moves and a deleted
// lead: every index sees puts and deletes of entries held in the same
// transaction, and reads (follow-ups, cards) that must see them.
func writeMixedBook(t *testing.T, s *Store, leads int) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	stages := []string{"prospect", "qualified", "contacted", "solution", "negotiation", "won"}
	kinds := []string{model.KindVisit, model.KindCall, model.KindEmail, model.KindMeeting, model.KindNote}
	err := s.Update(func(tx *Tx) error {
		var ids []string
		for i := range leads {
			l := model.Lead{Company: fmt.Sprintf("公司 <%d> & Co", i), Stage: stages[r.IntN(len(stages))],
				Value:    model.Money{Amount: int64(r.IntN(1000)) * 100, Currency: "CNY"},
				Contacts: []model.Contact{{Name: "王伟", Phone: "138"}}, Tags: []string{"重点"}}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			ids = append(ids, l.ID)
			for j := range r.IntN(8) {
				a := model.Activity{LeadID: l.ID, Kind: kinds[r.IntN(len(kinds))],
					StartedAt: tx.Now().Add(-time.Duration(r.IntN(300*24)) * time.Hour)}
				if a.Kind != model.KindVisit || j%3 != 0 {
					a.EndedAt = a.StartedAt.Add(time.Hour)
				}
				if j == 2 {
					a.NextStep, a.NextDue = "回电话", model.DateOf(tx.Now()).AddDays(r.IntN(20)-5)
				}
				if err := tx.AddActivity(&a, "notes\u2028 <b>"); err != nil {
					return err
				}
				if j == 1 {
					// Same time and id, so the same key in the facts index,
					// with another value.
					a.Kind = model.KindDemo
					if err := tx.UpdateActivity(&a); err != nil {
						return err
					}
				}
			}
			for range r.IntN(3) {
				if _, err := tx.SetFollowUp(l.ID, model.DateOf(tx.Now()).AddDays(r.IntN(20)-5), "send quote"); err != nil {
					return err
				}
			}
			if l.Stage == model.StageWon {
				c := model.Complaint{LeadID: l.ID, Description: "late"}
				if err := tx.AddComplaint(&c); err != nil {
					return err
				}
				if r.IntN(2) == 0 {
					if _, err := tx.SetComplaintStatus(c.ID, model.ComplaintResolved, "fixed"); err != nil {
						return err
					}
				}
			}
			if r.IntN(4) == 0 {
				if _, err := tx.MoveLead(l.ID, Move{Stage: "negotiation"}); err != nil {
					return err
				}
			}
		}
		return tx.DeleteLead(ids[len(ids)/2])
	})
	if err != nil {
		t.Fatal(err)
	}
}

// replay applies every op in from's outbox, in order, to a new store.
func replay(t *testing.T, from *Store, now func() time.Time, atOnce bool) *Store {
	t.Helper()
	var ops []model.Op
	from.View(func(tx *Tx) error {
		out, err := tx.Outbox(0)
		for _, e := range out {
			ops = append(ops, e.Op)
		}
		if err != nil {
			t.Fatal(err)
		}
		return nil
	})
	to := openTemp(t, now)
	to.putIndexesAtOnce = atOnce
	if err := to.Update(func(tx *Tx) error { return tx.ApplyRemote(ops) }); err != nil {
		t.Fatal(err)
	}
	return to
}

// dump returns every key and value under the bucket path, nested buckets
// included.
func dump(t *testing.T, s *Store, path ...[]byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+string(k)+"/", b.Bucket(k))
			} else {
				out[prefix+string(k)] = string(v)
			}
			return nil
		})
	}
	s.View(func(tx *Tx) error {
		walk("", tx.bucket(path...))
		return nil
	})
	return out
}

func sameBuckets(t *testing.T, what string, a, b *Store, path ...[]byte) {
	t.Helper()
	da, db := dump(t, a, path...), dump(t, b, path...)
	if len(da) == 0 {
		t.Fatalf("%s: %s is empty", what, path)
	}
	for k, v := range da {
		if w, ok := db[k]; !ok || w != v {
			t.Errorf("%s: %s %q = %q, other has %q (present %v)", what, path, k, v, w, ok)
		}
	}
	for k := range db {
		if _, ok := da[k]; !ok {
			t.Errorf("%s: %s %q only in the other", what, path, k)
		}
	}
}

// Index entries held back and put in key order at the end give exactly the
// indexes and cards of entries put as they are written.
func TestHeldIndexEntriesGiveTheSameBook(t *testing.T) {
	now, _ := clockAt(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	local := openTemp(t, now)
	writeMixedBook(t, local, 60)
	held := replay(t, local, now, false)
	atOnce := replay(t, local, now, true)

	// A pull applied with held entries and with entries put at once: every
	// bucket byte for byte (the outbox is empty: remote ops do not go there).
	for _, b := range [][]byte{bucketLeads, bucketActivities, bucketTasks, bucketComplaints, bucketStamps, bucketCards, bucketIdx} {
		sameBuckets(t, "pull, held vs at once", held, atOnce, b)
	}
	// The book written locally (held entries, the create fast path) has the
	// indexes and cards the pull derived from its ops.
	sameBuckets(t, "local vs pull", local, atOnce, bucketIdx)
	sameBuckets(t, "local vs pull", local, atOnce, bucketCards)
	if err := local.Check(); err != nil {
		t.Fatal(err)
	}
}

// A read in the transaction that wrote index entries sees them.
func TestReadsSeeHeldIndexEntries(t *testing.T) {
	now, _ := clockAt(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	s := openTemp(t, now)
	l := addLead(t, s, "Acme", "contacted")
	err := s.Update(func(tx *Tx) error {
		for i := range 5 {
			a := model.Activity{LeadID: l.ID, Kind: model.KindCall, StartedAt: now().Add(-time.Duration(i) * time.Hour)}
			if err := tx.AddActivity(&a, ""); err != nil {
				return err
			}
		}
		if n := len(tx.held); n == 0 {
			t.Errorf("no index entry held")
		}
		got, err := tx.Activities(ActivityFilter{LeadID: l.ID})
		if err != nil || len(got) != 5 {
			t.Errorf("activities in the writing transaction: %d, %v; want 5", len(got), err)
		}
		c, err := tx.Card(l.ID)
		if err != nil || !c.LastActivity.Equal(now()) {
			t.Errorf("card last activity %v, %v; want %v", c.LastActivity, err, now())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
