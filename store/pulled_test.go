package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// remoteOp is an op as another replica made it; fields is a JSON object.
func remoteOp(kind, typ, id string, wall int64, fields string) model.Op {
	op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: typ, ID: id}, Kind: kind,
		HLC: model.HLC{Wall: wall, Node: "other"}, Actor: model.Actor{User: "bob", Device: "other"}, Schema: 1}
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &op.Fields); err != nil {
			panic(fmt.Sprintf("%s: %v", fields, err))
		}
	}
	return op
}

// leadFields is a valid new lead's fields plus extra (a JSON object's
// members, or "").
func leadFields(id, company, extra string) string {
	s := fmt.Sprintf(`{"id":%q,"company":%q,"stage":"prospect","owner":"bob","created_at":"2026-11-20T09:00:00Z","stage_entered_at":"2026-11-20T09:00:00Z","updated_at":"2026-11-20T09:00:00Z"`, id, company)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// snapshot is every key and value of the file, nested buckets included,
// as a transaction sees them.
func snapshot(tx *bolt.Tx) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+string(k)+"/", b.Bucket(k))
			} else {
				out[prefix+string(k)] = string(v)
			}
			return nil
		})
	}
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error { walk(string(name)+"/", b); return nil })
	return out
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// Every kind of change the replica cannot apply is refused with
// ErrCannotApply before it writes a byte, the transaction goes on, and the
// book still reads afterwards: cards, the daily review, the indexes.
func TestPulledChangesThatCannotApplyWriteNothing(t *testing.T) {
	s := openTemp(t, func() time.Time { return t0 })
	held := addLead(t, s, "Acme", "contacted")
	wall := t0.UnixMilli() + 1000
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

	tags := make([]string, 5000)
	for i := range tags {
		tags[i] = fmt.Sprintf("t%d", i)
	}
	tagJSON, _ := json.Marshal(tags)
	stages := make([]string, 10001)
	for i := range stages {
		stages[i] = fmt.Sprintf(`{"id":"s%d","hlc":{"wall_ms":%d,"counter":0,"node":"other"},"stage":"prospect","at":"2026-11-20T09:00:00Z"}`, i, wall+int64(i))
	}
	stageLog := "[" + strings.Join(stages, ",") + "]"
	badEntry := remoteOp(model.OpAppend, model.TypeLead, held.ID, wall, "")
	badEntry.Field = "stage_log"
	badEntry.Entry = json.RawMessage(fmt.Sprintf(`{"id":%q,"hlc":{"wall_ms":%d,"counter":0,"node":"other"},"stage":5}`, badEntry.ID, wall))
	noClock := remoteOp(model.OpSet, model.TypeLead, held.ID, 0, `{"city":"苏州"}`)

	state := func(id, fields string) *model.Record {
		rec := model.NewRecord(model.TypeLead)
		if err := json.Unmarshal([]byte(fields), &rec.Fields); err != nil {
			t.Fatal(err)
		}
		rec.Base = model.Stamp{HLC: model.HLC{Wall: wall, Node: "other"}, Actor: "bob"}
		return rec
	}

	cases := []struct {
		name  string
		apply func(tx *Tx) error
		want  string // in the reason
	}{
		{"created_at a number on a new lead", func(tx *Tx) error {
			fields := strings.Replace(leadFields("L-bad", "Bad", ""), `"created_at":"2026-11-20T09:00:00Z"`, `"created_at":12345`, 1)
			return tx.ApplyRemoteOp(remoteOp(model.OpCreate, model.TypeLead, "L-bad", far, fields))
		}, "created_at"},
		{"created_at a number on a lead held here", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpSet, model.TypeLead, held.ID, wall, `{"created_at":12345}`))
		}, "created_at"},
		{"a stale op's value of the wrong type", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpSet, model.TypeLead, held.ID, 1, `{"company":[1,2]}`))
		}, "company"},
		{"won_count a string on a target", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpCreate, model.TypeTarget, "2026-q0-bob", wall,
				`{"id":"2026-q0-bob","year":2026,"user":"bob","won_count":"many","updated_at":"2026-11-20T09:00:00Z"}`))
		}, "won_count"},
		{"5,000 tags", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpCreate, model.TypeLead, "L-tags", wall, leadFields("L-tags", "Tags", `"tags":`+string(tagJSON))))
		}, "tags"},
		{"10,001 stage changes, more than a card holds", func(tx *Tx) error {
			// Straight to the check: merging a list that long through
			// Record.Apply takes minutes (its appends are quadratic).
			_, err := tx.preparePulled(model.TypeLead, "L-stages", nil, state("L-stages", leadFields("L-stages", "Stages", `"stage_log":`+stageLog)), nil, madeRecord)
			return err
		}, "card"},
		{"a custom field nested too deep", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpCreate, model.TypeLead, "L-deep", wall, leadFields("L-deep", "Deep", `"custom":{"a":`+nested(500)+`}`)))
		}, "custom"},
		{"an unknown field nested too deep, in a state", func(tx *Tx) error {
			return tx.MergeRecord(model.TypeLead, "L-deep2", state("L-deep2", leadFields("L-deep2", "Deep", `"zzz":`+nested(5000))))
		}, "zzz"},
		{"a deleted new record with a control character", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpCreate, model.TypeLead, "L-gone", wall, `{"id":"L-gone","company":"\u001b[2J","deleted":true}`))
		}, "company"},
		{"a record naming another record", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpCreate, model.TypeLead, "L-other", wall, leadFields(held.ID, "Impostor", "")))
		}, "names another record"},
		{"a lead without a company", func(tx *Tx) error {
			return tx.ApplyRemoteOp(remoteOp(model.OpSet, model.TypeLead, held.ID, wall, `{"company":""}`))
		}, "company"},
		{"an op without a clock", func(tx *Tx) error { return tx.ApplyRemoteOp(noClock) }, "hlc"},
		{"an appended stage of the wrong type", func(tx *Tx) error { return tx.ApplyRemoteOp(badEntry) }, "stage"},
		{"a state with a value of the wrong type", func(tx *Tx) error {
			return tx.MergeRecord(model.TypeLead, held.ID, state(held.ID, `{"value":"lots"}`))
		}, "value"},
		{"a push answer's state with 5,000 tags", func(tx *Tx) error {
			return tx.ReplaceRecord(model.TypeLead, held.ID, state(held.ID, leadFields(held.ID, "Acme", `"tags":`+string(tagJSON))))
		}, "tags"},
	}
	for _, tc := range cases {
		err := s.Update(func(tx *Tx) error {
			before := snapshot(tx.tx)
			err := tc.apply(tx)
			if !errors.Is(err, ErrCannotApply) {
				return fmt.Errorf("error %v, want one wrapping ErrCannotApply", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: reason %q does not name %q", tc.name, err, tc.want)
			}
			if after := snapshot(tx.tx); !maps.Equal(before, after) {
				for _, k := range slices.Sorted(maps.Keys(after)) {
					if before[k] != after[k] {
						t.Errorf("%s: the refused change wrote %q", tc.name, k)
					}
				}
			}
			// The transaction goes on: a good change in it still applies.
			return tx.ApplyRemoteOp(remoteOp(model.OpSet, model.TypeLead, held.ID, wall, `{"city":"杭州"}`))
		})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}

	// Changes that look odd but apply: a delete of a record never held,
	// and a state of a new lead.
	err := s.Update(func(tx *Tx) error {
		if err := tx.ApplyRemoteOp(remoteOp(model.OpDelete, model.TypeLead, "L-never", wall, "")); err != nil {
			return err
		}
		return tx.MergeRecord(model.TypeLead, "L-new", state("L-new", leadFields("L-new", "新线索", `"tags":["重点"]`)))
	})
	if err != nil {
		t.Fatal(err)
	}

	s.View(func(tx *Tx) error {
		cards, err := tx.Cards()
		if err != nil {
			t.Fatalf("cards after the refusals: %v", err)
		}
		var names []string
		for _, c := range cards {
			names = append(names, c.Company)
		}
		if slices.Sort(names); !slices.Equal(names, []string{"Acme", "新线索"}) {
			t.Errorf("cards %v, want Acme and 新线索 only", names)
		}
		if l, err := tx.Lead(held.ID); err != nil || l.City != "杭州" || l.Company != "Acme" || !l.CreatedAt.Equal(t0) {
			t.Errorf("held lead = %+v, %v", l, err)
		}
		if tg, err := tx.Targets(); err != nil || len(tg) != 0 {
			t.Errorf("targets = %+v, %v", tg, err)
		}
		if _, err := tx.Today(); err != nil {
			t.Errorf("today: %v", err)
		}
		if err := checkTouchIndex(tx); err != nil {
			t.Error(err)
		}
		return nil
	})
	// The refused op stamped in 2100 did not drag this device's clock.
	if err := s.Update(func(tx *Tx) error {
		if h := tx.stamp(); h.Wall >= far {
			t.Errorf("local clock at %d after refusing an op stamped %d", h.Wall, far)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// Removing a record the user may no longer see works even when ops for it
// still wait in the outbox and leave only part of a record: what is left
// is this replica's own work, not a change to check.
func TestRemoveLocalKeepsWaitingWorkUnchecked(t *testing.T) {
	s := openTemp(t, func() time.Time { return t0 })
	l := addLead(t, s, "Acme", "prospect")
	if err := s.Update(func(tx *Tx) error {
		out, err := tx.Outbox(0)
		if err != nil {
			return err
		}
		var seqs []uint64
		for _, e := range out {
			seqs = append(seqs, e.Seq)
		}
		if err := tx.DropOutbox(seqs...); err != nil { // pushed
			return err
		}
		l.City = "苏州"
		return tx.UpdateLead(&l) // waits: a set op alone
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.RemoveLocal(model.TypeLead, l.ID) }); err != nil {
		t.Fatalf("remove with a set op waiting: %v", err)
	}
	s.View(func(tx *Tx) error {
		if _, err := tx.Cards(); err != nil {
			t.Error(err)
		}
		return nil
	})
}

func TestSetAsideListKeepsChangesUntilDismissed(t *testing.T) {
	s := openTemp(t, func() time.Time { return t0 })
	big := make([]byte, MaxSetAsideBytes+1)
	err := s.Update(func(tx *Tx) error {
		for _, sa := range []SetAside{
			{Seq: 7, Epoch: "e1", Kind: SetAsideOp, Entity: model.EntityRef{Type: "lead", ID: "L1"}, OpID: "op-1", Reason: "created_at must be a time", Change: []byte(`{"seq":7}`)},
			{Seq: 7, Epoch: "e1", Kind: SetAsideState, Entity: model.EntityRef{Type: "activity", ID: "A1"}, Reason: "kind is not an activity kind"},
			{Seq: 9, Epoch: "e1", Kind: SetAsideUnreadable, Reason: "not JSON", Change: big},
		} {
			if err := tx.AddSetAside(sa); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		list, err := tx.SetAsides()
		if err != nil || len(list) != 3 || tx.SetAsideLen() != 3 {
			t.Fatalf("set aside %+v, %v, len %d", list, err, tx.SetAsideLen())
		}
		if list[0].ID != 1 || list[0].OpID != "op-1" || string(list[0].Change) != `{"seq":7}` || !list[0].At.Equal(t0) || list[1].Kind != SetAsideState {
			t.Errorf("first two = %+v", list[:2])
		}
		if list[2].Change != nil || list[2].Size != len(big) {
			t.Errorf("a change past MaxSetAsideBytes: kept %d bytes, size %d", len(list[2].Change), list[2].Size)
		}
		return nil
	})
	if err := s.Update(func(tx *Tx) error { return tx.DismissSetAside(2) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DismissSetAside(2) }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dismissing twice: %v", err)
	}
	s.Update(func(tx *Tx) error {
		if tx.SetAsideLen() != 2 {
			t.Errorf("after dismissing one: %d left", tx.SetAsideLen())
		}
		return tx.ClearSetAside()
	})
	s.View(func(tx *Tx) error {
		if tx.SetAsideLen() != 0 {
			t.Errorf("after clearing: %d left", tx.SetAsideLen())
		}
		return nil
	})
}

func TestMigration9AddsTheSetAsideBucket(t *testing.T) {
	path := atVersion(t, 8, nil)
	s, err := Open(Options{Path: path, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error {
		if v := schemaVersion(tx.tx); v != SchemaVersion {
			t.Errorf("schema = %d after migrating, want %d", v, SchemaVersion)
		}
		return tx.AddSetAside(SetAside{Seq: 1, Kind: SetAsideRemove, Reason: "test"})
	}); err != nil {
		t.Fatalf("set aside on a migrated file: %v", err)
	}
}
