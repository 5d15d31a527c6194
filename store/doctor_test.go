package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// doctorBook makes a real book with leads, visits, follow-ups and a
// draft, closed, and returns its path and its leads.
func doctorBook(t *testing.T) (string, []model.Lead) {
	t.Helper()
	now, _ := clockAt(t0)
	s := openTemp(t, now)
	var leads []model.Lead
	for _, c := range []string{"Acme", "Beta", "Gamma", "Delta"} {
		l := addLead(t, s, c, "")
		leads = append(leads, l)
		err := s.Update(func(tx *Tx) error {
			a := model.Activity{LeadID: l.ID, Kind: model.KindVisit, StartedAt: t0.Add(-time.Hour), EndedAt: t0}
			if err := tx.AddActivity(&a, "went well"); err != nil {
				return err
			}
			_, err := tx.SetFollowUp(l.ID, model.DateOf(t0.AddDate(0, 0, 3)), "call back")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Update(func(tx *Tx) error { return tx.SaveDraft(&Draft{ID: "d1", Text: "half a note"}) }); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	return path, leads
}

func readLeads(t *testing.T, path string) []model.Lead {
	t.Helper()
	s, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []model.Lead
	if err := s.View(func(tx *Tx) error { var err error; out, err = tx.Leads(LeadFilter{}); return err }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDoctorFindsAHealthyBookHealthy(t *testing.T) {
	path, _ := doctorBook(t)
	r, err := Doctor(path)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Records[model.TypeLead] != 4 || r.Records[model.TypeActivity] != 4 || r.Outbox == 0 {
		t.Fatalf("report = %+v", r)
	}
}

// TestDoctorRepairDerivesCardsAndIndexes: a book whose index lost an
// entry and whose card was overwritten is found wrong, and repair gives a
// good book with the same records, keeping the damaged one.
func TestDoctorRepairDerivesCardsAndIndexes(t *testing.T) {
	path, leads := doctorBook(t)
	want := readLeads(t, path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketCards).Put([]byte(leads[1].ID), []byte("\xff\xfegarbage")); err != nil {
			return err
		}
		st := tx.Bucket(bucketIdx).Bucket(idxLeadStage)
		k, _ := st.Cursor().First()
		return st.Delete(k)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, got := doctorWhere(t, path)
	if !strings.Contains(got, "cards") || !strings.Contains(got, "index lead_stage") {
		t.Fatalf("problems = %+v", r.Problems)
	}
	r, err = Repair(path, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Repaired || len(r.Lost) != 0 {
		t.Fatalf("repair = %+v", r)
	}
	if _, err := os.Stat(r.Damaged); err != nil {
		t.Fatalf("damaged book not kept: %v", err)
	}
	if r2, err := Doctor(path); err != nil || !r2.OK() {
		t.Fatalf("after repair: %+v %v", r2, err)
	}
	if got := readLeads(t, path); !reflect.DeepEqual(got, want) {
		t.Fatalf("leads after repair differ:\n%+v\n%+v", got, want)
	}
	s, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		if n := tx.OutboxLen(); n != r.Outbox {
			t.Errorf("outbox %d, want %d", n, r.Outbox)
		}
		if d, err := tx.Drafts(); err != nil || len(d) != 1 {
			t.Errorf("drafts %v %v", d, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(r.Damaged) != filepath.Dir(path) {
		t.Fatal(r.Damaged)
	}
}

// TestDoctorRepairLeavesOutWhatDoesNotDecode: a record that does not
// decode is named and left out; the rest is saved.
func TestDoctorRepairLeavesOutWhatDoesNotDecode(t *testing.T) {
	path, leads := doctorBook(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketLeads).Put([]byte(leads[0].ID), []byte("{broken")) })
	db.Close()
	r, err := Repair(path, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Repaired || len(r.Lost) != 1 || !strings.Contains(r.Lost[0].Where, leads[0].ID) {
		t.Fatalf("repair = %+v", r)
	}
	if got := readLeads(t, path); len(got) != 3 {
		t.Fatalf("%d leads after repair", len(got))
	}
}

// A bucket whose name a damaged page garbled is missing: reading through
// it is damage in a sentence, not a nil dereference, and doctor names it.
func TestMissingBucketIsDamageDoctorNames(t *testing.T) {
	for _, c := range []struct {
		path [][]byte
		what string
	}{
		{[][]byte{bucketStamps, []byte(model.TypeLead)}, "stamps/lead"},
		{[][]byte{bucketIdx, idxApprovalLead}, "index approval_lead"},
	} {
		path, leads := doctorBook(t)
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(c.path[0]).DeleteBucket(c.path[1]) })
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(Options{Path: path, User: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(func(tx *Tx) error {
			if _, err := tx.History(model.TypeLead, leads[0].ID); err != nil {
				return err
			}
			_, err := tx.ApprovalsOf(leads[0].ID)
			return err
		})
		s.Close()
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s missing: reading gave %v, want damage", c.what, err)
		}
		rep, err := Doctor(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rep.Problems, func(p Finding) bool {
			return strings.Contains(p.Where, c.what) && strings.Contains(p.Problem, "missing")
		}) {
			t.Errorf("%s missing: doctor says %v", c.what, rep.Problems)
		}
	}
}

// TestDoctorReplacesADamagedNodeID: every stamp a write makes names the
// device's id, so a damaged one would have every write refused. Doctor
// names it, and the repaired book gets a new id and takes writes. So with
// a schema version no build wrote: the book is refused as newer, and the
// repaired book is marked with this build's.
func TestDoctorReplacesADamagedNodeID(t *testing.T) {
	for _, c := range []struct {
		key   []byte
		value string
		where string
	}{
		{keyNode, "01a2\xff\x8e-damaged", "meta node"},
		{keySchema, "\x00\x00\x00\xc1\x00\x00\x00\x10", "meta schema"},
		{keySchema, "\x10", "meta schema"},
	} {
		path, leads := doctorBook(t)
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(c.key, []byte(c.value)) })
		db.Close()
		r, err := Doctor(path)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK() || len(r.Problems) != 1 || r.Problems[0].Where != c.where {
			t.Fatalf("%s %q: doctor = %+v", c.key, c.value, r)
		}
		if r, err = Repair(path, t0); err != nil || !r.Repaired {
			t.Fatalf("%s %q: repair = %+v, %v", c.key, c.value, r, err)
		}
		s, err := Open(Options{Path: path, User: "ann"})
		if err != nil {
			t.Fatalf("%s %q: the repaired book: %v", c.key, c.value, err)
		}
		l := model.Lead{Company: "After the repair"}
		if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
			t.Fatalf("%s %q: a write into the repaired book: %v", c.key, c.value, err)
		}
		s.Close()
		if got := readLeads(t, path); len(got) != len(leads)+1 {
			t.Fatalf("%s %q: %d leads, want %d", c.key, c.value, len(got), len(leads)+1)
		}
	}
}

// TestDoctorFindsActivityIndexesWithTextIDs: an activity's entries in
// act_lead and act_facts written with their ids as text (as before
// schema 15) are named, and repair writes them packed again, so the
// lead lists its activity and the report counts it.
func TestDoctorFindsActivityIndexesWithTextIDs(t *testing.T) {
	path, leads := doctorBook(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIdx)
		prefix := packID(leads[2].ID)
		k, _ := idx.Bucket(idxActLead).Cursor().Seek(prefix)
		if !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+8+17 {
			return fmt.Errorf("act_lead entry %q is not packed", k)
		}
		at := clone(k[len(prefix):])
		id, _, _ := cutID(at[8:])
		text := append(clone(at[:8]), id...)
		v := idx.Bucket(idxActFacts).Get(at)
		if v == nil {
			return fmt.Errorf("no act_facts entry %q", at)
		}
		kind, author, _ := bytes.Cut(v[17:], []byte{0})
		for _, put := range []struct {
			b        []byte
			old, k   []byte
			newValue string
		}{
			{idxActLead, k, []byte(join(leads[2].ID, string(text))), ""},
			{idxActFacts, at, text, join(leads[2].ID, string(kind), string(author))},
		} {
			b := idx.Bucket(put.b)
			if err := b.Delete(clone(put.old)); err != nil {
				return err
			}
			if err := b.Put(put.k, []byte(put.newValue)); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, got := doctorWhere(t, path)
	if !strings.Contains(got, "index act_lead") || !strings.Contains(got, "index act_facts") {
		t.Fatalf("problems = %+v", r.Problems)
	}
	if r, err = Repair(path, t0); err != nil || !r.Repaired || len(r.Lost) != 0 {
		t.Fatalf("repair = %+v, %v", r, err)
	}
	if r, err := Doctor(path); err != nil || !r.OK() {
		t.Fatalf("after repair: %+v %v", r, err)
	}
	s, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		as, err := tx.ActivitiesOf(leads[2].ID, 0)
		if err != nil || len(as) != 1 || as[0].LeadID != leads[2].ID {
			t.Errorf("the lead's activities after repair: %+v, %v", as, err)
		}
		facts, err := allFacts(tx)
		n := 0
		for _, f := range facts {
			if f.LeadID == leads[2].ID && f.Kind == model.KindVisit {
				n++
			}
		}
		if err != nil || len(facts) != 4 || n != 1 {
			t.Errorf("facts after repair: %+v, %v", facts, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// doctorWhere runs Doctor on the book at path and returns its report and
// where it found problems, joined by commas.
func doctorWhere(t *testing.T, path string) (*DoctorReport, string) {
	t.Helper()
	r, err := Doctor(path)
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, f := range r.Problems {
		where = append(where, f.Where)
	}
	return r, strings.Join(where, ",")
}

// TestDoctorRepairKeepsMergeStates: repair carries the merge state of
// every record it keeps, found through its key packed or, in a book
// before schema 16, as text; the new book keeps the old one's schema
// number, so the keys keep their form and the migration packs them when
// the book is opened.
func TestDoctorRepairKeepsMergeStates(t *testing.T) {
	for _, old := range []bool{false, true} {
		path, leads := doctorBook(t)
		s, err := Open(Options{Path: path, User: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := mergeStates(t, s)
		s.Close()
		delete(want, model.TypeLead+"/"+leads[0].ID)
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			if old {
				if err := textStampKeys(tx); err != nil {
					return err
				}
				if err := tx.Bucket(bucketMeta).Put(keySchema, u64(15)); err != nil {
					return err
				}
			}
			return tx.Bucket(bucketLeads).Put([]byte(leads[0].ID), []byte("{broken"))
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		r, err := Repair(path, t0)
		if err != nil || !r.Repaired || len(r.Lost) != 1 {
			t.Fatalf("old book %v: repair = %+v, %v", old, r, err)
		}
		db, err = bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *bolt.Tx) error {
			k, _ := tx.Bucket(bucketStamps).Bucket([]byte(model.TypeLead)).Cursor().First()
			if text := string(k) == leads[1].ID; text != old || (schemaVersion(tx) == 15) != old {
				t.Errorf("old book %v: the repaired book's schema is %d, a lead's merge state keyed %q", old, schemaVersion(tx), k)
			}
			return nil
		})
		db.Close()
		s, err = Open(Options{Path: path, User: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		got, keys := mergeStates(t, s)
		s.Close()
		if !reflect.DeepEqual(got, want) || keys != len(want) {
			t.Errorf("old book %v: %d merge states after repair, %d records:\n%+v\nwant %+v", old, keys, len(got), got, want)
		}
	}
}
