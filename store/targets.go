package store

import (
	"encoding/json"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
)

// SetTarget creates or replaces the target of tg.User for tg.Year and
// tg.Quarter. The id is derived from those three, so the same target set
// on two devices is one record and merges field by field.
func (t *Tx) SetTarget(tg *model.Target) error {
	tg.ID = model.TargetID(tg.Year, tg.Quarter, tg.User)
	if tg.WonValue.Currency == "" {
		tg.WonValue.Currency = model.DefaultCurrency
	}
	if err := tg.Validate(); err != nil {
		return err
	}
	tg.SetBy = t.s.user
	tg.UpdatedAt = t.now
	tg.Deleted = false
	exists := t.bucket(bucketTargets).Get([]byte(tg.ID)) != nil
	if err := t.put(model.TypeTarget, tg.ID, tg, !exists); err != nil {
		return fmt.Errorf("set target %s: %w", tg.ID, err)
	}
	return nil
}

// DeleteTarget removes the target of user for year and quarter.
func (t *Tx) DeleteTarget(year, quarter int, user string) error {
	id := model.TargetID(year, quarter, user)
	rec, exists, err := t.loadRecord(model.TypeTarget, id)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("target %s: %w", id, ErrNotFound)
	}
	return t.applyLocal(rec, model.Op{Entity: model.EntityRef{Type: model.TypeTarget, ID: id}, Kind: model.OpDelete})
}

// Targets returns every live target, ordered by year, quarter and user.
func (t *Tx) Targets() ([]model.Target, error) {
	var out []model.Target
	b := t.bucket(bucketTargets)
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var tg model.Target
		data, err := t.view.of(v)
		if err != nil {
			return fmt.Errorf("target %s: %w", k, err)
		}
		if err := json.Unmarshal(data, &tg); err != nil {
			return fmt.Errorf("target %s is %w: %w", k, errCorrupt, err)
		}
		if !tg.Deleted && tg.ID != "" {
			out = append(out, tg)
		}
		return nil
	})
	SortTargets(out)
	return out, err
}
