package store

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// This file holds what the reports need from the store: the stage history
// on cards, a compact index of activity facts (when, which lead, what
// kind, by whom) so a year of activities is read without decoding one
// JSON record, and migration 4.
//
//	idx/act_facts/<time><activity id>   lead id, kind|author (ids packed:
//	                                    appendID; schema 15)

// cardStages copies a lead's stage log, oldest first (by time, then by
// clock, so concurrent moves order the same on every replica).
func cardStages(log []model.StageEntry) []CardStage {
	if len(log) == 0 {
		return nil
	}
	sorted := slices.Clone(log)
	slices.SortStableFunc(sorted, func(a, b model.StageEntry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return a.HLC.Compare(b.HLC)
	})
	out := make([]CardStage, len(sorted))
	for i, e := range sorted {
		out[i] = CardStage{Stage: e.Stage, At: e.At}
	}
	return out
}

func actFacts(a *model.Activity) string {
	return string(appendID(nil, a.LeadID)) + join(a.Kind, a.Author)
}

// actFactsKey is a live activity's entry in act_facts (indexKeys): its
// start and id, then actFacts.
func actFactsKey(a *model.Activity) ikey {
	return ikey{string(idxActFacts), string(appendID(millis(a.StartedAt), a.ID)), actFacts(a)}
}

// ActivityFact is what reports need of one activity. Its byte slices, and
// those ID and LeadID return, point into the database or into the fact and
// are valid only during the callback.
type ActivityFact struct {
	Kind   []byte
	Author []byte
	At     time.Time

	id, lead         []byte // packed, as the index holds them
	idText, leadText [36]byte
}

// ID is the activity's id. The index holds it packed; it is written out
// only when asked for, into the fact itself.
func (f *ActivityFact) ID() []byte { return idText(&f.idText, f.id) }

// LeadID is the id of the activity's lead, as ID.
func (f *ActivityFact) LeadID() []byte { return idText(&f.leadText, f.lead) }

// ActivityFacts calls fn for every live activity started in [from, to)
// (zero bounds: open), oldest first, from the facts index: no activity
// record is decoded and nothing is allocated per activity.
func (t *Tx) ActivityFacts(from, to time.Time, fn func(*ActivityFact) error) error {
	b := t.idx(idxActFacts)
	if b == nil {
		return fmt.Errorf("activity facts index is missing: %w", ErrNotFound)
	}
	c := b.Cursor()
	var k, v []byte
	if from.IsZero() {
		k, v = c.First()
	} else {
		k, v = c.Seek(millis(from))
	}
	end := millis(to)
	var f ActivityFact
	for ; k != nil; k, v = c.Next() {
		if len(k) < 8 {
			continue
		}
		if !to.IsZero() && bytes.Compare(k[:8], end) >= 0 {
			break
		}
		n := packedLen(v)
		if n < 0 || packedLen(k[8:]) != len(k)-8 {
			continue
		}
		j := bytes.IndexByte(v[n:], 0)
		if j < 0 {
			continue
		}
		j += n
		f.id, f.lead, f.Kind, f.Author, f.At = k[8:], v[:n], v[n:j], v[j+1:], fromMilli(int64(beUint64(k)))
		if err := fn(&f); err != nil {
			return err
		}
	}
	return nil
}

// addReportData is migration 4: the targets bucket and its stamps, the
// activity facts index built from every activity, and cards rebuilt with
// their stage history (card version 2).
func addReportData(btx *bolt.Tx) error {
	if _, err := btx.CreateBucketIfNotExists(bucketTargets); err != nil {
		return err
	}
	if _, err := btx.Bucket(bucketStamps).CreateBucketIfNotExists([]byte(model.TypeTarget)); err != nil {
		return err
	}
	facts, err := btx.Bucket(bucketIdx).CreateBucketIfNotExists(idxActFacts)
	if err != nil {
		return err
	}
	var view jsonView
	err = btx.Bucket(bucketActivities).ForEach(func(k, v []byte) error {
		var a model.Activity
		data, err := view.of(v)
		if err != nil {
			return fmt.Errorf("activity %s: %w", k, err)
		}
		if err := decodeActivity(data, &a); err != nil {
			return fmt.Errorf("activity %s: %w", k, err)
		}
		for _, key := range indexKeys(&a) {
			if key.bucket == string(idxActFacts) {
				if err := facts.Put([]byte(key.key), []byte(key.value)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return rebuildCards(btx)
}

// SortTargets orders targets by year, quarter and user.
func SortTargets(ts []model.Target) {
	slices.SortFunc(ts, func(a, b model.Target) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Quarter, b.Quarter), strings.Compare(a.User, b.User))
	})
}
