package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// AddActivity logs an activity with its first notes revision. When it names
// a next step with a due day, that becomes the lead's next follow-up and
// closes the open ones.
func (t *Tx) AddActivity(a *model.Activity, notes string) error {
	if a.ID == "" {
		a.ID = model.NewID()
	}
	if a.StartedAt.IsZero() {
		a.StartedAt = t.now
	}
	if a.Author == "" {
		a.Author = t.s.user
	}
	a.CreatedAt = t.now
	a.Revisions = nil
	notes = model.NormalizeNewlines(notes)
	if err := a.Validate(); err != nil {
		return err
	}
	if err := model.ValidateNotes(notes); err != nil {
		return err
	}
	if !t.leadExists(a.LeadID) {
		return fmt.Errorf("lead %s: %w", a.LeadID, ErrNotFound)
	}
	if a.NextStep != "" && a.NextDue.IsZero() {
		return &model.FieldError{Field: "next_due", Problem: "is required with a next step"}
	}
	if notes != "" {
		// The first revision travels in the create op itself.
		a.Revisions = []model.Revision{{ID: model.NewID(), HLC: t.stamp(), Text: notes, Author: a.Author, At: t.now}}
	}
	if err := t.put(model.TypeActivity, a.ID, a, true); err != nil {
		return err
	}
	if a.NextStep != "" {
		if _, err := t.SetFollowUp(a.LeadID, a.NextDue, a.NextStep); err != nil {
			return err
		}
	}
	return nil
}

// AppendNotes adds a notes revision to an activity. Earlier revisions stay.
func (t *Tx) AppendNotes(activityID, text string) error {
	text = model.NormalizeNewlines(text)
	if err := model.ValidateNotes(text); err != nil {
		return err
	}
	return t.appendTo(model.TypeActivity, activityID, "revisions", func(opID string, h model.HLC) any {
		return model.Revision{ID: opID, HLC: h, Text: text, Author: t.s.user, At: t.now}
	})
}

// UpdateActivity saves an edited activity (not its notes: see AppendNotes).
func (t *Tx) UpdateActivity(a *model.Activity) error {
	if err := a.Validate(); err != nil {
		return err
	}
	old, err := t.Activity(a.ID)
	if err != nil {
		return err
	}
	a.Revisions = old.Revisions
	return t.put(model.TypeActivity, a.ID, a, false)
}

// Activity returns one activity.
func (t *Tx) Activity(id string) (model.Activity, error) {
	var a model.Activity
	if err := t.get(model.TypeActivity, id, &a); err != nil {
		return a, err
	}
	if a.Deleted {
		return a, fmt.Errorf("activity %s: %w (deleted)", id, ErrNotFound)
	}
	return a, nil
}

// ActivitiesOf returns a lead's activities, newest first, at most limit
// (all when limit <= 0).
func (t *Tx) ActivitiesOf(leadID string, limit int) ([]model.Activity, error) {
	// act_lead: the packed lead id, the start time, the packed activity id.
	prefix := packID(leadID)
	c := t.idx(idxActLead).Cursor()
	var out []model.Activity
	for k := lastWithPrefix(c, prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		if len(k) < len(prefix)+8 {
			continue
		}
		id, rest, ok := cutID(k[len(prefix)+8:])
		if !ok || len(rest) > 0 {
			continue // not an entry this build writes; doctor names it
		}
		a, err := t.Activity(id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// ActivityFilter selects activities across all leads.
type ActivityFilter struct {
	LeadID string
	Kind   string
	From   time.Time // inclusive; zero: no bound
	To     time.Time // exclusive; zero: no bound
	Limit  int       // zero: no limit
}

// Activities returns activities across all leads but those in the trash,
// newest first, from the time index (act_facts, whose value begins with
// the lead's packed id): the cost grows with what is returned, not with
// the book.
func (t *Tx) Activities(f ActivityFilter) ([]model.Activity, error) {
	c := t.idx(idxActFacts).Cursor()
	var k, v []byte
	if f.To.IsZero() {
		k, v = c.Last()
	} else {
		k, _ = c.Seek(millis(f.To))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	from := millis(f.From)
	var onlyLead []byte
	if f.LeadID != "" {
		onlyLead = packID(f.LeadID)
	}
	var out []model.Activity
	for ; k != nil; k, v = c.Prev() {
		if len(k) < 8 {
			continue
		}
		if !f.From.IsZero() && bytes.Compare(k[:8], from) < 0 {
			break
		}
		n := packedLen(v)
		if n < 0 || onlyLead != nil && !bytes.Equal(v[:n], onlyLead) {
			continue
		}
		lead, _, _ := cutID(v)
		id, rest, ok := cutID(k[8:])
		if !ok || len(rest) > 0 || t.inTrash(lead) {
			continue
		}
		full, err := t.takeActivity(&out, id, f)
		if err != nil {
			return nil, err
		}
		if full {
			break
		}
	}
	return out, nil
}

// takeActivity reads activity id and appends it to out when it is of f's
// kind, and reports whether out holds f's limit: the end of every walk
// that answers an ActivityFilter (Activities, SearchActivities), so each
// applies the filter alike.
func (t *Tx) takeActivity(out *[]model.Activity, id string, f ActivityFilter) (full bool, err error) {
	a, err := t.Activity(id)
	if err != nil {
		return false, err
	}
	if f.Kind == "" || a.Kind == f.Kind {
		*out = append(*out, a)
	}
	return f.Limit > 0 && len(*out) >= f.Limit, nil
}

// OpenVisits returns visits checked in and not checked out, newest first,
// from their index; those of a lead in the trash are left out.
func (t *Tx) OpenVisits() ([]model.Activity, error) {
	var out []model.Activity
	err := t.idx(idxVisitOpen).ForEach(func(k, lead []byte) error {
		if t.inTrash(string(lead)) {
			return nil
		}
		a, err := t.Activity(string(k))
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	slices.SortFunc(out, func(a, b model.Activity) int { return b.StartedAt.Compare(a.StartedAt) })
	return out, err
}
