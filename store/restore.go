package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
)

// The Restore methods write records exactly as an export holds them (ids,
// times, authors, stage log and note revisions included), for a lossless
// import. A record that does not exist is created; one that exists gets
// only the fields that differ, so restoring the same export twice writes
// nothing the second time. Append-only entries keep their ids and stamps:
// an entry already present is skipped, and a server that has seen it
// answers "duplicate". Each reports whether it wrote anything.

// RestoreLead writes a lead from an export.
func (t *Tx) RestoreLead(l model.Lead) (bool, error) {
	if err := checkRestoreID(l.ID); err != nil {
		return false, err
	}
	if err := l.Validate(t.s.rules.Pipeline); err != nil {
		return false, err
	}
	l.StageLog = slices.Clone(l.StageLog)
	for i := range l.StageLog {
		l.StageLog[i].ID, l.StageLog[i].HLC = t.entryStamp(l.StageLog[i].ID, l.StageLog[i].HLC)
	}
	n := t.written
	if err := t.restore(model.TypeLead, l.ID, &l); err != nil {
		return false, err
	}
	for _, e := range l.StageLog {
		e := e
		if err := t.restoreEntry(model.TypeLead, l.ID, "stage_log", e.ID, e.HLC, func(id string, h model.HLC) any {
			e.ID, e.HLC = id, h
			return e
		}); err != nil {
			return false, err
		}
	}
	return t.written > n, nil
}

// RestoreActivity writes an activity and its note revisions from an export;
// its lead must exist.
func (t *Tx) RestoreActivity(a model.Activity) (bool, error) {
	if err := checkRestoreID(a.ID); err != nil {
		return false, err
	}
	if err := a.Validate(); err != nil {
		return false, err
	}
	for _, r := range a.Revisions {
		if err := model.ValidateNotes(r.Text); err != nil {
			return false, err
		}
	}
	if _, err := t.Lead(a.LeadID); err != nil {
		return false, err
	}
	a.Revisions = slices.Clone(a.Revisions)
	for i := range a.Revisions {
		a.Revisions[i].ID, a.Revisions[i].HLC = t.entryStamp(a.Revisions[i].ID, a.Revisions[i].HLC)
	}
	n := t.written
	if err := t.restore(model.TypeActivity, a.ID, &a); err != nil {
		return false, err
	}
	for _, r := range a.Revisions {
		r := r
		if err := t.restoreEntry(model.TypeActivity, a.ID, "revisions", r.ID, r.HLC, func(id string, h model.HLC) any {
			r.ID, r.HLC = id, h
			return r
		}); err != nil {
			return false, err
		}
	}
	return t.written > n, nil
}

// RestoreTask writes a follow-up from an export; its lead must exist.
func (t *Tx) RestoreTask(tk model.Task) (bool, error) {
	if err := checkRestoreID(tk.ID); err != nil {
		return false, err
	}
	if err := tk.Validate(); err != nil {
		return false, err
	}
	if _, err := t.Lead(tk.LeadID); err != nil {
		return false, err
	}
	n := t.written
	err := t.restore(model.TypeTask, tk.ID, &tk)
	return t.written > n, err
}

// RestoreComplaint writes a complaint from an export; its lead must exist.
func (t *Tx) RestoreComplaint(c model.Complaint) (bool, error) {
	if err := checkRestoreID(c.ID); err != nil {
		return false, err
	}
	if err := c.Validate(); err != nil {
		return false, err
	}
	if _, err := t.Lead(c.LeadID); err != nil {
		return false, err
	}
	n := t.written
	err := t.restore(model.TypeComplaint, c.ID, &c)
	return t.written > n, err
}

// RestoreApproval writes an approval request and its decisions from an
// export; its lead must exist. Decisions are append-only entries: each
// keeps its id and stamp, so the verdict in force is the same as where
// the export was made.
func (t *Tx) RestoreApproval(a model.Approval) (bool, error) {
	if err := checkRestoreID(a.ID); err != nil {
		return false, err
	}
	if err := a.Validate(); err != nil {
		return false, err
	}
	for _, d := range a.Decisions {
		if err := model.ValidateNotes(d.Note); err != nil {
			return false, err
		}
	}
	if _, err := t.Lead(a.LeadID); err != nil {
		return false, err
	}
	a.Decisions = slices.Clone(a.Decisions)
	for i := range a.Decisions {
		a.Decisions[i].ID, a.Decisions[i].HLC = t.entryStamp(a.Decisions[i].ID, a.Decisions[i].HLC)
	}
	n := t.written
	if err := t.restore(model.TypeApproval, a.ID, &a); err != nil {
		return false, err
	}
	for _, d := range a.Decisions {
		d := d
		if err := t.restoreEntry(model.TypeApproval, a.ID, "decisions", d.ID, d.HLC, func(id string, h model.HLC) any {
			d.ID, d.HLC = id, h
			return d
		}); err != nil {
			return false, err
		}
	}
	return t.written > n, nil
}

// RestoreService writes a service order from an export; its lead must
// exist. Unlike AddService it does not ask the lead to be won: an order
// stays on an account that was reopened after the hand-off.
func (t *Tx) RestoreService(s model.ServiceOrder) (bool, error) {
	if err := checkRestoreID(s.ID); err != nil {
		return false, err
	}
	if err := s.Validate(); err != nil {
		return false, err
	}
	if _, err := t.Lead(s.LeadID); err != nil {
		return false, err
	}
	n := t.written
	err := t.restore(model.TypeService, s.ID, &s)
	return t.written > n, err
}

// checkRestoreID refuses ids that could not have come from fieldcrm: they
// become bbolt keys and index parts, so they must be short and printable.
func checkRestoreID(id string) error {
	if id == "" || len(id) > 64 {
		return &model.FieldError{Field: "id", Problem: "must be 1 to 64 characters"}
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '/' || r == utf8.RuneError {
			return &model.FieldError{Field: "id", Problem: "contains a space, a slash or a control character"}
		}
	}
	return nil
}

// entryStamp returns the id and stamp an append-only entry is restored
// with: its own, observed by the clock. An entry without an id gets one;
// one without a stamp, or stamped more than a day in the future (a
// hand-edited or hostile file, which would drag this device's clock
// forward and be refused by the server), gets a new stamp and keeps its
// id, so restoring the file again still finds it.
func (t *Tx) entryStamp(id string, h model.HLC) (string, model.HLC) {
	if id == "" {
		id = model.NewID()
	}
	if h.Wall <= 0 || h.Node == "" || h.Wall > t.now.Add(24*time.Hour).UnixMilli() {
		return id, t.stamp()
	}
	t.observe(h)
	return id, h
}

func (t *Tx) restore(typ, id string, v any) error {
	_, exists, err := t.loadRecord(typ, id)
	if err != nil {
		return err
	}
	return t.put(typ, id, v, !exists)
}

// restoreEntry appends one entry of an append-only list with the id and
// stamp entryStamp gave it, unless the list holds it already.
func (t *Tx) restoreEntry(typ, id, field, entryID string, h model.HLC, entry func(string, model.HLC) any) error {
	rec, exists, err := t.loadRecord(typ, id)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%s %s: %w", typ, id, ErrNotFound)
	}
	var list []struct {
		ID string `json:"id"`
	}
	if cur := rec.Fields[field]; cur != nil {
		if err := json.Unmarshal(cur, &list); err != nil {
			return fmt.Errorf("%s %s %s is %w: %w", typ, id, field, errCorrupt, err)
		}
	}
	for _, e := range list {
		if entryID != "" && e.ID == entryID {
			return nil
		}
	}
	op := model.Op{ID: entryID, Entity: model.EntityRef{Type: typ, ID: id}, Kind: model.OpAppend, Field: field, HLC: h}
	if op.Entry, err = json.Marshal(entry(op.ID, op.HLC)); err != nil {
		return err
	}
	if err := op.Validate(); err != nil {
		return fmt.Errorf("%s %s %s entry: %w", typ, id, field, err)
	}
	return t.applyLocal(rec, op)
}

// Complaints returns every live complaint, for export, oldest first.
func (t *Tx) Complaints() ([]model.Complaint, error) {
	var out []model.Complaint
	err := t.bucket(bucketComplaints).ForEach(func(k, v []byte) error {
		var c model.Complaint
		data, err := t.view.of(v)
		if err != nil {
			return fmt.Errorf("complaint %s: %w", k, err)
		}
		if err := json.Unmarshal(data, &c); err != nil {
			return fmt.Errorf("complaint %s is %w: %w", k, errCorrupt, err)
		}
		if !c.Deleted {
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
