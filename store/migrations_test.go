package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// atVersion makes a file whose schema stops at version v, by running the
// first v migrations only, then lets fill add data in that old shape.
func atVersion(t *testing.T, v int, fill func(tx *bolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketMeta); err != nil {
			return err
		}
		for _, m := range migrations {
			if m.version > v {
				break
			}
			if err := m.run(tx); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeta).Put(keySchema, u64(uint64(v))); err != nil {
			return err
		}
		if fill != nil {
			return fill(tx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMigration1CreatesEveryBucket(t *testing.T) {
	s, err := Open(Options{Path: atVersion(t, 0, nil)})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		for _, name := range [][]byte{bucketLeads, bucketActivities, bucketTasks, bucketComplaints, bucketCards, bucketOutbox, bucketDrafts} {
			if tx.bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		for _, name := range [][]byte{idxLeadStage, idxTaskDue, idxTaskLead, idxActLead, idxActFacts, idxComplaintOpen} {
			if tx.idx(name) == nil {
				t.Errorf("index %s missing", name)
			}
		}
		return nil
	})
}

// A book at schema 1 holds its indexes with ids as text; the cards are
// derived after the migrations that pack them, so a card shows the lead's
// last activity and next follow-up.
func TestMigration2DerivesCardsForExistingLeads(t *testing.T) {
	l := model.Lead{ID: "01a24d00-0000-7000-8000-000000000001", Company: "老数据有限公司", Stage: "qualified", Value: model.Money{Amount: 5}}
	a := model.Activity{ID: "01a24d00-0000-7000-8000-000000000002", LeadID: l.ID, Kind: model.KindCall, StartedAt: t0.Add(-48 * time.Hour)}
	tk := model.Task{ID: "01a24d00-0000-7000-8000-000000000003", LeadID: l.ID, Action: "回电话", Due: model.DateOf(t0)}
	path := atVersion(t, 1, func(tx *bolt.Tx) error {
		for _, r := range []struct {
			b  []byte
			id string
			v  any
		}{{bucketLeads, l.ID, l}, {bucketActivities, a.ID, a}, {bucketTasks, tk.ID, tk}} {
			data, _ := json.Marshal(r.v)
			if err := tx.Bucket(r.b).Put([]byte(r.id), data); err != nil {
				return err
			}
		}
		idx := tx.Bucket(bucketIdx)
		return errors.Join(
			idx.Bucket(idxActLead).Put([]byte(join(l.ID, string(millis(a.StartedAt))+a.ID)), nil),
			idx.Bucket(idxTaskLead).Put([]byte(join(l.ID, tk.ID)), nil),
			idx.Bucket(idxTaskDue).Put([]byte(join(tk.Due.String(), tk.ID)), []byte(join(l.ID, tk.Action))))
	})
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		c, err := tx.Card(l.ID)
		if err != nil || c.Company != l.Company || c.Stage != "qualified" {
			t.Errorf("card after migration = %+v, %v", c, err)
		}
		if !c.LastActivity.Equal(a.StartedAt) || c.NextTaskID != tk.ID || c.NextDue != tk.Due || c.NextAction != tk.Action {
			t.Errorf("card after migration: last activity %v, next follow-up %s %v %q; want %v, %s %v %q",
				c.LastActivity, c.NextTaskID, c.NextDue, c.NextAction, a.StartedAt, tk.ID, tk.Due, tk.Action)
		}
		if v := schemaVersion(tx.tx); v != SchemaVersion {
			t.Errorf("schema = %d, want %d", v, SchemaVersion)
		}
		return nil
	})
}

func TestMigration3AddsSyncBuckets(t *testing.T) {
	path := atVersion(t, 2, nil)
	if _, err := Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v < 3 {
			t.Errorf("schema = %d after migrating", v)
		}
		for _, name := range [][]byte{bucketSync, bucketRejected} {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	})
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := atVersion(t, SchemaVersion, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, u64(uint64(SchemaVersion+1)))
	})
	if _, err := Open(Options{Path: path}); !errors.Is(err, ErrNewer) {
		t.Fatalf("err = %v, want ErrNewer", err)
	}
}

// With CheckOnFirstUse, Open leaves the file alone and the first
// transaction (or Ready) refuses a newer file, or migrates an older one.
func TestCheckOnFirstUse(t *testing.T) {
	newer := atVersion(t, SchemaVersion, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, u64(uint64(SchemaVersion+1)))
	})
	s, err := Open(Options{Path: newer, CheckOnFirstUse: true})
	if err != nil {
		t.Fatalf("Open = %v, want the check left to the first transaction", err)
	}
	if err := s.View(func(*Tx) error { return nil }); !errors.Is(err, ErrNewer) {
		t.Errorf("first View = %v, want ErrNewer", err)
	}
	if err := s.Ready(); !errors.Is(err, ErrNewer) {
		t.Errorf("Ready = %v, want ErrNewer", err)
	}

	older := atVersion(t, 7, nil)
	s, err = Open(Options{Path: older, CheckOnFirstUse: true, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(older, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != 7 {
			t.Errorf("schema after Open = %d, want 7 (untouched)", v)
		}
		return nil
	})
	db.Close()
	l := model.Lead{Company: "首次使用", Stage: "prospect"}
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if v := schemaVersion(tx.tx); v != SchemaVersion {
			t.Errorf("schema after the first transaction = %d, want %d", v, SchemaVersion)
		}
		if err := checkTouchIndex(tx); err != nil {
			t.Error(err)
		}
		return nil
	})
	if s.Node() == "" || s.User() != "ann" {
		t.Errorf("node %q, user %q after the first transaction", s.Node(), s.User())
	}
}

func TestMigration5PutsLeadAndActionInTheDueIndex(t *testing.T) {
	tk := model.Task{ID: "T1", LeadID: "L1", Due: model.Date{Y: 2026, M: 11, D: 27}, Action: "回电话"}
	path := atVersion(t, 4, func(tx *bolt.Tx) error {
		data, _ := json.Marshal(tk)
		if err := tx.Bucket(bucketTasks).Put([]byte(tk.ID), data); err != nil {
			return err
		}
		// The old index entry held the lead id alone.
		return tx.Bucket(bucketIdx).Bucket(idxTaskDue).Put([]byte("2026-11-27\x00T1"), []byte("L1"))
	})
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		got := dueTasks(tx, model.Date{Y: 2026, M: 12, D: 31})
		if len(got) != 1 || got[0].LeadID != "L1" || got[0].Action != "回电话" || got[0].ID != "T1" || got[0].Due != tk.Due {
			t.Errorf("due tasks after migration = %+v", got)
		}
		return nil
	})
}

func TestMigration6IndexesShortIDs(t *testing.T) {
	l := model.Lead{ID: "01a21e6d-c909-7f15-906b-dfb4a7afd5a4", Company: "老数据", Stage: "prospect"}
	path := atVersion(t, 5, func(tx *bolt.Tx) error {
		c := cardFromLead(&l)
		return tx.Bucket(bucketCards).Put([]byte(l.ID), c.marshal())
	})
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if tx.idx(idxLeadShort).Get(append([]byte("a7afd5a4\x00"), packID(l.ID)...)) == nil {
			t.Error("no short-id index entry after migrating")
		}
		if id, err := tx.ResolveLead("a7afd5a4"); err != nil || id != l.ID {
			t.Errorf("ResolveLead(short id) = %q, %v", id, err)
		}
		return nil
	})
}

func TestMigration7IndexesOpenVisits(t *testing.T) {
	open := model.Activity{ID: "A1", LeadID: "L1", Kind: model.KindVisit, StartedAt: time.UnixMilli(1000)}
	done := model.Activity{ID: "A2", LeadID: "L1", Kind: model.KindVisit, StartedAt: time.UnixMilli(1000), EndedAt: time.UnixMilli(2000)}
	path := atVersion(t, 6, func(tx *bolt.Tx) error {
		for _, a := range []model.Activity{open, done} {
			data, _ := json.Marshal(a)
			if err := tx.Bucket(bucketActivities).Put([]byte(a.ID), data); err != nil {
				return err
			}
		}
		return nil
	})
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		got, err := tx.OpenVisits()
		if err != nil || len(got) != 1 || got[0].ID != "A1" {
			t.Errorf("open visits after migration = %+v, %v", got, err)
		}
		return nil
	})
}

func TestMigration8IndexesLeadsByTouch(t *testing.T) {
	stale := model.Lead{ID: "L-stale", Company: "久未联系", Stage: "qualified", StageEnteredAt: t0.AddDate(0, 0, -40)}
	fresh := model.Lead{ID: "L-fresh", Company: "刚联系", Stage: "qualified", StageEnteredAt: t0.AddDate(0, 0, -1)}
	path := atVersion(t, 7, func(tx *bolt.Tx) error {
		for _, l := range []model.Lead{stale, fresh} {
			c := cardFromLead(&l)
			if err := tx.Bucket(bucketCards).Put([]byte(l.ID), c.marshal()); err != nil {
				return err
			}
		}
		return nil
	})
	s, err := Open(Options{Path: path, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if err := checkTouchIndex(tx); err != nil {
			t.Error(err)
		}
		rep, err := tx.Today()
		if err != nil {
			t.Fatal(err)
		}
		var rotting []string
		for _, sec := range rep.Sections {
			if sec.Key == SectionRotting {
				for _, it := range sec.Items {
					rotting = append(rotting, it.LeadID)
				}
			}
		}
		if len(rotting) != 1 || rotting[0] != stale.ID {
			t.Errorf("rotting after migration = %v, want only %s", rotting, stale.ID)
		}
		return nil
	})
}

// New files get 16 KiB pages; a file made with another page size keeps it.
func TestPageSizeOfNewAndOldFiles(t *testing.T) {
	pageOf := func(path string) int {
		s, err := Open(Options{Path: path, KeepOpen: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		l := model.Lead{Company: "页面", Stage: "prospect"}
		if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
			t.Fatal(err)
		}
		return s.db.Info().PageSize
	}
	if got := pageOf(filepath.Join(t.TempDir(), "new.db")); got != pageSize {
		t.Errorf("new file: page size %d, want %d", got, pageSize)
	}
	if got := pageOf(atVersion(t, 7, nil)); got != 4096 {
		t.Errorf("file made with 4 KiB pages: page size %d after writing, want 4096", got)
	}
}

// TestMigration13DropsActTime makes a book as schema 12 wrote it, with the
// time index act_time beside act_facts, and opens it: act_time is gone and
// the activity list, which reads act_facts now, is as it was.
func TestMigration13DropsActTime(t *testing.T) {
	s := openTemp(t, nil)
	path := s.Path()
	l := &model.Lead{Company: "时序有限公司"}
	other := &model.Lead{Company: "Other Co"}
	var want []string
	err := s.Update(func(tx *Tx) error {
		if err := tx.AddLead(l); err != nil {
			return err
		}
		if err := tx.AddLead(other); err != nil {
			return err
		}
		for i := range 6 {
			a := &model.Activity{LeadID: l.ID, Kind: "call", StartedAt: time.Date(2026, 3, 1+i, 9, 0, 0, 0, time.UTC)}
			if i%2 == 1 {
				a.LeadID = other.ID
			}
			if err := tx.AddActivity(a, "note"); err != nil {
				return err
			}
			if i%2 == 0 {
				want = append([]string{a.ID}, want...)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		old, err := tx.Bucket(bucketIdx).CreateBucket(idxActTime)
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketIdx).Bucket(idxActFacts).ForEach(func(k, v []byte) error {
			lead, _, _ := bytes.Cut(v, []byte{0})
			return old.Put(k, lead)
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(12))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		if tx.idx(idxActTime) != nil {
			t.Error("act_time is still there after migration 13")
		}
		got, err := tx.Activities(ActivityFilter{LeadID: l.ID})
		if err != nil {
			return err
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("activities of the lead, newest first: %v, want %v", ids, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigration14PacksRecords makes a book as schema 13 wrote it, every
// record its JSON, with more records than one chunk of the migration, and
// opens it: every record is packed, reads back as the same JSON, and a
// value that is not JSON is left as it was.
func TestMigration14PacksRecords(t *testing.T) {
	const n = 5000
	want := map[string][]byte{}
	path := atVersion(t, 13, func(tx *bolt.Tx) error {
		for i := range n {
			a := model.Activity{ID: fmt.Sprintf("01a24400-0000-7000-8000-%012d", i), LeadID: "01a24400-0000-7000-8000-000000000000",
				Kind: "call", StartedAt: time.Date(2026, 3, 1, 9, 0, i, 0, time.UTC), Author: "ann"}
			data, _ := json.Marshal(a)
			want[a.ID] = data
			if err := tx.Bucket(bucketActivities).Put([]byte(a.ID), data); err != nil {
				return err
			}
		}
		want["broken"] = []byte("{not json")
		return tx.Bucket(bucketActivities).Put([]byte("broken"), want["broken"])
	})
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx *Tx) error {
		got := 0
		tx.bucket(bucketActivities).ForEach(func(k, v []byte) error {
			got++
			w := want[string(k)]
			if string(k) == "broken" {
				if !bytes.Equal(v, w) {
					t.Errorf("a value that is not JSON became %q", v)
				}
				return nil
			}
			if !jsonpack.Packed(v) {
				t.Errorf("%s is not packed", k)
			}
			if back, err := jsonpack.Unpack(nil, v); err != nil || !bytes.Equal(back, w) {
				t.Errorf("%s reads back as %q (%v), want %q", k, back, err, w)
			}
			return nil
		})
		if got != n+1 {
			t.Errorf("%d records after the migration, want %d", got, n+1)
		}
		return nil
	})
}

// actListing is what a book answers about its activities through the two
// activity indexes: every fact, each lead's activities newest first, the
// time-ordered list of all and of one lead, and each card's last touch.
type actListing struct {
	Facts  []fact
	OfLead map[string][]string
	All    []string
	OneAll []string
	Touch  map[string]int64
}

func listActivities(t *testing.T, s *Store, leads []string) actListing {
	t.Helper()
	l := actListing{OfLead: map[string][]string{}, Touch: map[string]int64{}}
	ids := func(as []model.Activity) (out []string) {
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	err := s.View(func(tx *Tx) error {
		var err error
		if l.Facts, err = allFacts(tx); err != nil {
			return err
		}
		for _, id := range leads {
			as, err := tx.ActivitiesOf(id, 0)
			if err != nil {
				return err
			}
			l.OfLead[id] = ids(as)
			c, err := tx.Card(id)
			if err != nil {
				return err
			}
			l.Touch[id] = c.LastActivity.UnixMilli()
		}
		all, err := tx.Activities(ActivityFilter{})
		l.All = ids(all)
		if err != nil {
			return err
		}
		one, err := tx.Activities(ActivityFilter{LeadID: leads[0], From: t0.Add(-200 * time.Hour), Limit: 50})
		l.OneAll = ids(one)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestMigration15PacksTheActivityIndexes makes a book whose act_lead and
// act_facts hold ids as text, as schema 14 wrote them, with more
// activities than one step of the migration's progress, and opens it: the
// facts, each lead's activities, the time-ordered lists and the cards'
// last touch are what they were, the ids in both indexes are packed, and
// the indexes take fewer bytes.
func TestMigration15PacksTheActivityIndexes(t *testing.T) {
	const n = 5000
	s := openTemp(t, func() time.Time { return t0 })
	path := s.Path()
	var leads []string
	err := s.Update(func(tx *Tx) error {
		var err error
		if leads, err = addThreeLeads(tx); err != nil {
			return err
		}
		for i := range n {
			a := &model.Activity{LeadID: leads[i%3], Kind: []string{"call", "visit", "email"}[i%3],
				StartedAt: t0.Add(-time.Duration(i%1000) * time.Hour), Author: []string{"ann", "bob"}[i%2]}
			if i%3 == 1 {
				a.EndedAt = a.StartedAt.Add(time.Hour)
			}
			if err := tx.AddActivity(a, ""); err != nil {
				return err
			}
			if i%500 == 7 { // deleted: no entry before or after
				a.Deleted = true
				if err := tx.UpdateActivity(a); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := listActivities(t, s, leads)
	if len(want.Facts) != n-10 || len(want.OfLead[leads[2]]) == 0 || len(want.OneAll) != 50 {
		t.Fatalf("the book lists %d facts, %d of the third lead, %d of the first in 200 hours",
			len(want.Facts), len(want.OfLead[leads[2]]), len(want.OneAll))
	}
	s.Close()

	// The indexes as schema 14 wrote them: ids as text.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	sizeOf := func(tx *bolt.Tx) (n int) {
		for _, name := range [][]byte{idxActLead, idxActFacts} {
			tx.Bucket(bucketIdx).Bucket(name).ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
		}
		return n
	}
	var oldSize int
	err = db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIdx)
		for _, name := range [][]byte{idxActLead, idxActFacts} {
			if err := idx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := idx.CreateBucket(name); err != nil {
				return err
			}
		}
		var view jsonView
		err := tx.Bucket(bucketActivities).ForEach(func(_, v []byte) error {
			var a model.Activity
			data, err := view.of(v)
			if err != nil || json.Unmarshal(data, &a) != nil {
				return fmt.Errorf("activity %q does not decode", v)
			}
			if a.Deleted {
				return nil
			}
			at := string(millis(a.StartedAt)) + a.ID
			if err := idx.Bucket(idxActLead).Put([]byte(join(a.LeadID, at)), nil); err != nil {
				return err
			}
			return idx.Bucket(idxActFacts).Put([]byte(at), []byte(join(a.LeadID, a.Kind, a.Author)))
		})
		oldSize = sizeOf(tx)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(14))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = openShowing(t, Options{Path: path, User: "ann", Now: func() time.Time { return t0 }}, n)
	defer s.Close()
	got := listActivities(t, s, leads)
	for name, ok := range map[string]bool{
		"facts":                  slices.Equal(got.Facts, want.Facts),
		"each lead's activities": fmt.Sprint(got.OfLead) == fmt.Sprint(want.OfLead),
		"all activities":         slices.Equal(got.All, want.All),
		"one lead's, 200 hours":  slices.Equal(got.OneAll, want.OneAll),
		"last touches":           fmt.Sprint(got.Touch) == fmt.Sprint(want.Touch),
	} {
		if !ok {
			t.Errorf("%s differ after migration 15", name)
		}
	}
	s.View(func(tx *Tx) error {
		uuids := 0
		tx.idx(idxActFacts).ForEach(func(k, v []byte) error {
			if packedLen(k[8:]) != len(k)-8 || packedLen(v) < 0 {
				t.Errorf("act_facts entry %q: %q is not in the packed form", k, v)
			}
			if k[8] == 1 {
				uuids++
			}
			return nil
		})
		if uuids != n-10 {
			t.Errorf("%d activity ids packed as UUIDs, want %d", uuids, n-10)
		}
		if newSize := sizeOf(tx.tx); newSize*10 > oldSize*6 {
			t.Errorf("the two indexes hold %d bytes after the migration, %d before", newSize, oldSize)
		}
		return nil
	})
}

// leadTaskAnswers is what a book answers from the lead and task indexes:
// the daily review, the leads of each stage (the board), each lead's
// follow-ups, the lead each short id resolves to, and the open follow-ups.
type leadTaskAnswers struct {
	Today   TodayReport
	Stages  map[string][]string
	TasksOf map[string][]string
	Short   map[string]string
	Open    []string
}

func answerLeadTasks(t *testing.T, s *Store, leads []string) leadTaskAnswers {
	t.Helper()
	a := leadTaskAnswers{Stages: map[string][]string{}, TasksOf: map[string][]string{}, Short: map[string]string{}}
	err := s.View(func(tx *Tx) error {
		var err error
		if a.Today, err = tx.Today(); err != nil {
			return err
		}
		for _, st := range model.DefaultPipeline().Stages {
			a.Stages[st.Key] = tx.LeadIDsInStage(st.Key)
		}
		for _, id := range leads {
			tasks, err := tx.TasksOf(id)
			if err != nil {
				return err
			}
			for _, tk := range tasks {
				a.TasksOf[id] = append(a.TasksOf[id], tk.ID+" "+tk.Action)
			}
			if found, err := tx.ResolveLead(ShortID(id)); err == nil { // ambiguous when two ids end alike
				a.Short[ShortID(id)] = found
			}
		}
		open, err := tx.OpenTasks(model.Date{})
		for _, tk := range open {
			a.Open = append(a.Open, tk.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestMigration17PacksTheLeadAndTaskIndexes makes a book whose lead_stage,
// lead_short, lead_touch, task_lead and task_due hold ids as text, as
// schema 15 wrote them, with more leads and tasks than one step of the
// migration's progress, and opens it: the daily review, the board's
// stages, each lead's follow-ups, short ids and the open follow-ups are
// what they were, every id in the five indexes is packed, and they take
// fewer bytes.
func TestMigration17PacksTheLeadAndTaskIndexes(t *testing.T) {
	const nLeads, nTasks = 3000, 1500
	now, advance := clockAt(t0.Add(-100 * 24 * time.Hour))
	s := openTemp(t, now)
	path := s.Path()
	stages := []string{"prospect", "qualified", "contacted", "solution", "negotiation"}
	var leads []string
	err := s.Update(func(tx *Tx) error {
		for i := range nLeads {
			l := &model.Lead{Company: fmt.Sprintf("公司 %d", i), Stage: stages[i%len(stages)]}
			if i == 7 {
				l.ID = "not-a-uuid" // packed in the text form
			}
			if err := tx.AddLead(l); err != nil {
				return err
			}
			leads = append(leads, l.ID)
			if i%100 == 0 {
				advance(2 * 24 * time.Hour) // spread the last touches over 60 days
			}
			if i%9 == 0 {
				if err := tx.AddActivity(&model.Activity{LeadID: l.ID, Kind: "call", StartedAt: now()}, ""); err != nil {
					return err
				}
			}
		}
		for i := range nTasks {
			tk := &model.Task{LeadID: leads[(i*7)%nLeads], Action: fmt.Sprintf("回电话 %d", i),
				Due: model.DateOf(t0.Add(time.Duration(i%40-20) * 24 * time.Hour))}
			if i == 3 {
				tk.ID, tk.LeadID = "task-3", "not-a-uuid"
			}
			if err := tx.AddTask(tk); err != nil {
				return err
			}
			if i%10 == 1 {
				if _, err := tx.CompleteTask(tk.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	advance(t0.Sub(now()))
	want := answerLeadTasks(t, s, leads)
	ends, inStage := map[string]int{}, map[string][]string{}
	for i, id := range leads {
		ends[ShortID(id)]++
		inStage[stages[i%len(stages)]] = append(inStage[stages[i%len(stages)]], id)
	}
	for st, ids := range inStage {
		if !slices.Equal(slices.Sorted(slices.Values(want.Stages[st])), slices.Sorted(slices.Values(ids))) {
			t.Fatalf("the %s stage lists %d leads, not the %d added in it", st, len(want.Stages[st]), len(ids))
		}
	}
	for _, id := range leads {
		if ends[ShortID(id)] == 1 && want.Short[ShortID(id)] != id {
			t.Fatalf("short id %s resolves to %q, want %s", ShortID(id), want.Short[ShortID(id)], id)
		}
	}
	counts := map[string]int{}
	for _, sec := range want.Today.Sections {
		counts[sec.Key] = len(sec.Items)
	}
	if counts[SectionOverdue] == 0 || counts[SectionToday] == 0 || counts[SectionWeek] == 0 || counts[SectionRotting] == 0 ||
		len(want.Stages["qualified"]) != nLeads/len(stages) || len(want.TasksOf["not-a-uuid"]) == 0 || len(want.Open) != nTasks-nTasks/10 {
		t.Fatalf("the book answers %v in the review, %d qualified leads, %d follow-ups of the text id, %d open",
			counts, len(want.Stages["qualified"]), len(want.TasksOf["not-a-uuid"]), len(want.Open))
	}
	s.Close()

	// The indexes as schema 15 wrote them: ids as text.
	names := [][]byte{idxLeadStage, idxLeadShort, idxLeadTouch, idxTaskLead, idxTaskDue}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	sizeOf := func(tx *bolt.Tx) (n int) {
		for _, name := range names {
			tx.Bucket(bucketIdx).Bucket(name).ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
		}
		return n
	}
	var oldSize int
	err = db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIdx)
		for _, name := range names {
			if err := idx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := idx.CreateBucket(name); err != nil {
				return err
			}
		}
		put := func(name []byte, k, v string) error { return idx.Bucket(name).Put([]byte(k), []byte(v)) }
		err := tx.Bucket(bucketCards).ForEach(func(_, v []byte) error {
			var c Card
			if err := c.unmarshal(v); err != nil {
				return err
			}
			touch := binary.BigEndian.AppendUint64([]byte(c.Stage+"\x00"), touchNum(c.LastTouch()))
			return errors.Join(put(idxLeadStage, join(c.Stage, c.ID), ""), put(idxLeadShort, join(ShortID(c.ID), c.ID), ""),
				put(idxLeadTouch, string(touch)+c.ID, ""))
		})
		if err != nil {
			return err
		}
		var view jsonView
		err = tx.Bucket(bucketTasks).ForEach(func(_, v []byte) error {
			var tk model.Task
			data, err := view.of(v)
			if err != nil || json.Unmarshal(data, &tk) != nil {
				return fmt.Errorf("task %q does not decode", v)
			}
			if err := put(idxTaskLead, join(tk.LeadID, tk.ID), ""); err != nil || !tk.IsOpen() {
				return err
			}
			return put(idxTaskDue, join(tk.EffectiveDue().String(), tk.ID), join(tk.LeadID, tk.Action))
		})
		if err != nil {
			return err
		}
		oldSize = sizeOf(tx)
		return tx.Bucket(bucketMeta).Put(keySchema, u64(15))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	rules := model.DefaultRules()
	rules.Location = time.UTC
	s = openShowing(t, Options{Path: path, User: "ann", Now: now, Rules: &rules}, nLeads+nTasks)
	defer s.Close()
	got := answerLeadTasks(t, s, leads)
	for name, ok := range map[string]bool{
		"daily reviews":     fmt.Sprint(got.Today) == fmt.Sprint(want.Today),
		"stages":            fmt.Sprint(got.Stages) == fmt.Sprint(want.Stages),
		"leads' follow-ups": fmt.Sprint(got.TasksOf) == fmt.Sprint(want.TasksOf),
		"short ids":         fmt.Sprint(got.Short) == fmt.Sprint(want.Short),
		"open follow-ups":   slices.Equal(got.Open, want.Open),
	} {
		if !ok {
			t.Errorf("%s differ after migration 17", name)
		}
	}
	s.View(func(tx *Tx) error {
		// The packed id of each entry: after the text part and its 0 (and
		// lead_touch's 8-byte time), or the whole of task_lead's key.
		afterText := func(k []byte, skip int) []byte {
			if i := bytes.IndexByte(k, 0); i >= 0 && len(k) >= i+1+skip {
				return k[i+1+skip:]
			}
			return nil
		}
		entries, uuids := 0, 0
		check := func(name []byte, id func(k, v []byte) []byte) {
			tx.idx(name).ForEach(func(k, v []byte) error {
				entries++
				p := id(k, v)
				if len(p) == 0 || packedLen(p) != len(p) {
					t.Errorf("%s entry %q = %q: the id is not in the packed form", name, k, v)
				} else if p[0] == 1 {
					uuids++
				}
				return nil
			})
		}
		check(idxLeadStage, func(k, _ []byte) []byte { return afterText(k, 0) })
		check(idxLeadShort, func(k, _ []byte) []byte { return afterText(k, 0) })
		check(idxLeadTouch, func(k, _ []byte) []byte { return afterText(k, 8) })
		check(idxTaskLead, func(k, _ []byte) []byte {
			if n := packedLen(k); n > 0 {
				return k[n:] // the task's, after the lead's
			}
			return nil
		})
		check(idxTaskDue, func(k, _ []byte) []byte { return afterText(k, 0) })
		check(idxTaskDue, func(_, v []byte) []byte { return v[:max(packedLen(v), 0)] })
		open := nTasks - nTasks/10
		if wantN := 3*nLeads + nTasks + 2*open; entries != wantN || uuids != wantN-3-3 {
			t.Errorf("%d entries, %d with a UUID, want %d and %d", entries, uuids, wantN, wantN-6)
		}
		if newSize := sizeOf(tx.tx); newSize*10 > oldSize*7 {
			t.Errorf("the five indexes hold %d bytes after the migration, %d before", newSize, oldSize)
		}
		return nil
	})
}

// textStampKeys keys every merge state of the book by its id's text, as
// books before schema 16 held them.
func textStampKeys(tx *bolt.Tx) error {
	stamps := tx.Bucket(bucketStamps)
	var types [][]byte
	stamps.ForEachBucket(func(typ []byte) error { types = append(types, clone(typ)); return nil })
	for _, typ := range types {
		b := stamps.Bucket(typ)
		var keys, values [][]byte
		b.ForEach(func(k, v []byte) error {
			keys, values = append(keys, clone(k)), append(values, clone(v))
			return nil
		})
		for i, k := range keys {
			id, rest, ok := cutID(k)
			if !ok || len(rest) > 0 {
				return fmt.Errorf("stamps/%s key %q is not packed", typ, k)
			}
			if err := b.Delete(k); err != nil {
				return err
			}
			if err := b.Put([]byte(id), values[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// addThreeLeads adds the leads the migration tests hang activities on,
// one with an id that is no UUID, and returns their ids.
func addThreeLeads(tx *Tx) ([]string, error) {
	var ids []string
	for _, l := range []*model.Lead{{Company: "甲公司"}, {Company: "B Co"}, {ID: "not-a-uuid", Company: "Old Id Co"}} {
		if err := tx.AddLead(l); err != nil {
			return nil, err
		}
		ids = append(ids, l.ID)
	}
	return ids, nil
}

// openShowing opens the book opts names, whose migration must say how far
// it has got, in more than one step, up to want of want.
func openShowing(t *testing.T, opts Options, want int) *Store {
	t.Helper()
	var steps []int
	opts.Progress = func(done, total int) {
		if total == want {
			steps = append(steps, done)
		}
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) < 2 || steps[len(steps)-1] != want {
		t.Errorf("progress of the migration: %v, want steps up to %d", steps, want)
	}
	return s
}

// asSchema15 makes the book at path look as schema 15 left it, its merge
// states keyed by their ids' text; more, when not nil, changes it further
// in the same transaction.
func asSchema15(t *testing.T, path string, more func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := textStampKeys(tx); err != nil {
			return err
		}
		if more != nil {
			if err := more(tx); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(15))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
}

// mergeStates loads every record's fields and merge state, by type/id,
// and counts the keys of every stamps bucket.
func mergeStates(t *testing.T, s *Store) (recs map[string]*model.Record, keys int) {
	t.Helper()
	recs = map[string]*model.Record{}
	err := s.View(func(tx *Tx) error {
		for typ, name := range entityBucket {
			var ids []string
			tx.bucket(name).ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil })
			for _, id := range ids {
				rec, ok, err := tx.loadRecord(typ, id)
				if err != nil || !ok {
					return fmt.Errorf("%s %s: %v, %v", typ, id, ok, err)
				}
				recs[typ+"/"+id] = rec
			}
			keys += tx.bucket(bucketStamps, []byte(typ)).Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, keys
}

// TestMigration16PacksTheStampKeys makes a book whose merge states are
// keyed by their ids' text, as schema 15 wrote them, with a key that is
// no id and more records than one step of the migration's progress, and
// opens it: every key is packed, every record's fields and merge state
// (per-field stamps, a remote node's stamps, history) read back as before,
// the key that is no id is gone, and a local write and a pulled change
// (to a record held and a new one) then stamp through the packed keys.
func TestMigration16PacksTheStampKeys(t *testing.T) {
	const n = 5000
	now, step := clockAt(t0)
	s := openTemp(t, now)
	path := s.Path()
	var leads []string
	err := s.Update(func(tx *Tx) error {
		var err error
		if leads, err = addThreeLeads(tx); err != nil {
			return err
		}
		for i := range n {
			a := &model.Activity{LeadID: leads[i%3], Kind: model.KindCall, StartedAt: t0.Add(-time.Duration(i) * time.Minute)}
			if err := tx.AddActivity(a, "called"); err != nil {
				return err
			}
		}
		_, err = tx.SetFollowUp(leads[1], model.DateOf(t0.AddDate(0, 0, 2)), "send the quote")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	step(time.Minute)
	// A local edit stamps a field; a remote one older than it is kept in
	// the history, its node named in the stamp.
	err = s.Update(func(tx *Tx) error {
		l, err := tx.Lead(leads[0])
		if err != nil {
			return err
		}
		l.City = "杭州"
		if err := tx.UpdateLead(&l); err != nil {
			return err
		}
		return tx.ApplyRemoteOp(remoteOp(model.OpSet, model.TypeLead, leads[0], t0.Add(-time.Hour).UnixMilli(), `{"city":"Ningbo"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	want, wantKeys := mergeStates(t, s)
	if first := want[model.TypeLead+"/"+leads[0]]; len(first.History) == 0 || first.Stamps["city"].HLC.IsZero() {
		t.Fatalf("the edited lead's merge state: %+v", first)
	}
	if wantKeys != n+4 {
		t.Fatalf("%d merge states, want %d", wantKeys, n+4)
	}
	s.Close()

	asSchema15(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStamps).Bucket([]byte(model.TypeLead))
		for _, k := range []string{"\x01short", "no id"} {
			if err := b.Put([]byte(k), b.Get([]byte(leads[1]))); err != nil {
				return err
			}
		}
		return nil
	})

	// The migration's progress counts the merge states and the outbox's
	// entries, which it reads for the creates that wait.
	var outbox int
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error { outbox = tx.Bucket(bucketOutbox).Stats().KeyN; return nil })
	db.Close()
	s = openShowing(t, Options{Path: path, User: "ann", Now: now}, n+6+outbox)
	defer s.Close()
	got, gotKeys := mergeStates(t, s)
	if gotKeys != wantKeys {
		t.Errorf("%d merge states after the migration, want %d (the two keys that are no id left out)", gotKeys, wantKeys)
	}
	if !reflect.DeepEqual(got, want) {
		for k, w := range want {
			if !reflect.DeepEqual(got[k], w) {
				t.Errorf("%s after the migration:\n%+v\nwant %+v", k, got[k], w)
				break
			}
		}
	}
	packed := func() (uuids, texts int) {
		s.View(func(tx *Tx) error {
			return tx.bucket(bucketStamps).ForEachBucket(func(typ []byte) error {
				return tx.bucket(bucketStamps, typ).ForEach(func(k, _ []byte) error {
					if _, rest, ok := cutID(k); !ok || len(rest) > 0 {
						t.Errorf("stamps/%s key %q is not packed", typ, k)
					} else if k[0] == 1 {
						uuids++
					} else {
						texts++
					}
					return nil
				})
			})
		})
		return uuids, texts
	}
	if uuids, texts := packed(); uuids != n+3 || texts != 1 {
		t.Errorf("%d keys packed as UUIDs and %d as text, want %d and 1", uuids, texts, n+3)
	}

	step(time.Minute)
	newID := "01a25000-0000-7000-8000-000000000001"
	err = s.Update(func(tx *Tx) error {
		l, err := tx.Lead(leads[2])
		if err != nil {
			return err
		}
		l.City = "Suzhou"
		if err := tx.UpdateLead(&l); err != nil {
			return err
		}
		for _, op := range []model.Op{
			remoteOp(model.OpSet, model.TypeLead, leads[1], t0.Add(time.Hour).UnixMilli(), `{"city":"Xiamen"}`),
			remoteOp(model.OpCreate, model.TypeLead, newID, t0.Add(time.Hour).UnixMilli(), leadFields(newID, "Pulled Co", `"city":"Wuxi"`)),
		} {
			if err := tx.ApplyPulled(s.PreparePulled(op)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, afterKeys := mergeStates(t, s)
	for id, node := range map[string]string{leads[2]: s.Node(), leads[1]: "other", newID: "other"} {
		if st := after[model.TypeLead+"/"+id].StampOf("city"); st.HLC.Node != node || st.HLC.Wall < t0.UnixMilli() {
			t.Errorf("lead %s's city stamp after the writes: %+v, want one of node %s", id, st, node)
		}
	}
	if afterKeys != wantKeys+1 {
		t.Errorf("%d merge states after the writes, want %d", afterKeys, wantKeys+1)
	}
	if uuids, texts := packed(); uuids != n+4 || texts != 1 {
		t.Errorf("after the writes, %d keys packed as UUIDs and %d as text, want %d and 1", uuids, texts, n+4)
	}
}
