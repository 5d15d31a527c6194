package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

func decodeActivity(data []byte, a *model.Activity) error { return json.Unmarshal(data, a) }

// AddTask creates a follow-up.
func (t *Tx) AddTask(tk *model.Task) error {
	if tk.ID == "" {
		tk.ID = model.NewID()
	}
	if tk.Assignee == "" {
		tk.Assignee = t.s.user
	}
	tk.CreatedAt = t.now
	if err := tk.Validate(); err != nil {
		return err
	}
	if !t.leadExists(tk.LeadID) {
		return fmt.Errorf("lead %s: %w", tk.LeadID, ErrNotFound)
	}
	return t.put(model.TypeTask, tk.ID, tk, true)
}

// Task returns one follow-up.
func (t *Tx) Task(id string) (model.Task, error) {
	var tk model.Task
	if err := t.get(model.TypeTask, id, &tk); err != nil {
		return tk, err
	}
	if tk.Deleted {
		return tk, fmt.Errorf("task %s: %w (deleted)", id, ErrNotFound)
	}
	return tk, nil
}

// TasksOf returns a lead's follow-ups, open first, by due day.
func (t *Tx) TasksOf(leadID string) ([]model.Task, error) {
	prefix := packID(leadID)
	c := t.idx(idxTaskLead).Cursor()
	var out []model.Task
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id, rest, ok := cutID(k[len(prefix):])
		if !ok || len(rest) > 0 {
			continue
		}
		tk, err := t.Task(id)
		if err != nil {
			continue
		}
		out = append(out, tk)
	}
	slices.SortFunc(out, func(a, b model.Task) int {
		if a.Done != b.Done {
			if a.Done {
				return 1
			}
			return -1
		}
		return a.EffectiveDue().Compare(b.EffectiveDue())
	})
	return out, nil
}

// CompleteTask marks a follow-up done.
func (t *Tx) CompleteTask(id string) (model.Task, error) {
	tk, err := t.Task(id)
	if err != nil {
		return tk, err
	}
	if tk.Done {
		return tk, nil
	}
	tk.Done, tk.DoneAt = true, t.now
	return tk, t.put(model.TypeTask, id, &tk, false)
}

// SnoozeTask moves a follow-up to a later day.
func (t *Tx) SnoozeTask(id string, until model.Date) (model.Task, error) {
	tk, err := t.Task(id)
	if err != nil {
		return tk, err
	}
	if !tk.IsOpen() {
		return tk, fmt.Errorf("follow-up %s is already done", ShortID(id))
	}
	today := model.Today(t.now, t.s.rules.Location)
	if !today.Before(until) {
		return tk, &model.FieldError{Field: "until", Problem: fmt.Sprintf("%s is not after today (%s)", until, today)}
	}
	// A snooze only ever moves a follow-up later; an earlier day is a new
	// due day, which setting a follow-up says openly.
	if due := tk.EffectiveDue(); !due.Before(until) {
		return tk, &model.FieldError{Field: "until", Problem: fmt.Sprintf("%s is not after the follow-up's day (%s); a snooze only moves it later, to bring it forward set a new follow-up", until, due)}
	}
	tk.SnoozedUntil = until
	return tk, t.put(model.TypeTask, id, &tk, false)
}

// SetFollowUp makes (due, action) the lead's next follow-up: its open
// follow-ups are closed and a new one created.
func (t *Tx) SetFollowUp(leadID string, due model.Date, action string) (model.Task, error) {
	open, err := t.TasksOf(leadID)
	if err != nil {
		return model.Task{}, err
	}
	next := model.Task{LeadID: leadID, Due: due, Action: action}
	if err := next.Validate(); err != nil {
		return next, err
	}
	for _, tk := range open {
		if tk.IsOpen() {
			if _, err := t.CompleteTask(tk.ID); err != nil {
				return next, err
			}
		}
	}
	return next, t.AddTask(&next)
}

// countDue counts the open follow-ups due up to and including until by
// their bucket as of today, from the due-day index alone, as eachDue
// sees them.
func (t *Tx) countDue(until, today model.Date, queue string) map[model.Bucket]int {
	counts := map[model.Bucket]int{}
	t.eachDue(until, queue, func(due model.Date, _, _, _ []byte) { counts[model.BucketOf(due, today)]++ })
	return counts
}

// eachDue calls fn with every open follow-up due up to and including
// until, by due day, from the index alone, leaving out the tasks waiting
// in a queue other than queue (the user's role). The byte slices (the
// ids as text) are valid only during the call, and fn must not call
// eachDue or touchedBy, which unpack into the same buffers (Tx.ids).
func (t *Tx) eachDue(until model.Date, queue string, fn func(due model.Date, id, lead, action []byte)) {
	c := t.idx(idxTaskDue).Cursor()
	limit := []byte(until.String())
	var day []byte // the day of the previous entry, parsed into due
	var due model.Date
	for k, v := c.First(); k != nil; k, v = c.Next() {
		// The day is text, so its end is the first 0; the packed ids may
		// hold 0s of their own.
		i := bytes.IndexByte(k, 0)
		if i < 0 || bytes.Compare(k[:i], limit) > 0 {
			break
		}
		if !bytes.Equal(k[:i], day) {
			if due.UnmarshalText(k[:i]) != nil {
				continue
			}
			day = k[:i]
		}
		n := packedLen(v)
		id := idText(&t.ids[0], k[i+1:])
		if n < 0 || id == nil {
			continue
		}
		lead, action := idText(&t.ids[1], v[:n]), v[n:]
		if j := bytes.IndexByte(action, 0); j >= 0 {
			if string(action[j+1:]) != queue {
				continue
			}
			action = action[:j]
		}
		fn(due, id, lead, action)
	}
}

// OpenTasks returns open follow-ups due up to and including day (all when
// day is zero), by due day.
func (t *Tx) OpenTasks(until model.Date) ([]model.Task, error) {
	c := t.idx(idxTaskDue).Cursor()
	var out []model.Task
	limit := until.String()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			continue
		}
		if !until.IsZero() && string(k[:i]) > limit {
			break
		}
		id, rest, ok := cutID(k[i+1:])
		if !ok || len(rest) > 0 {
			continue
		}
		tk, err := t.Task(id)
		if err != nil {
			continue
		}
		out = append(out, tk)
	}
	return out, nil
}

// ResolveTask finds a follow-up by id, unique prefix or suffix.
func (t *Tx) ResolveTask(ref string) (string, error) {
	return t.resolveID(bucketTasks, "follow-up", ref)
}

// ResolveFollowUp finds a follow-up from what a user typed: its id (or a
// unique prefix or suffix of it), or else its lead, named as ResolveLead
// takes it (company, part of it, or the lead's id), when that lead has
// exactly one open follow-up. With several, the error lists them.
func (t *Tx) ResolveFollowUp(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	id, err := t.ResolveTask(ref)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return id, err
	}
	leadID, err := t.ResolveLead(ref)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("no follow-up matches %q (give its id from followup list, or its lead's company or id): %w", ref, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	tasks, err := t.TasksOf(leadID)
	if err != nil {
		return "", err
	}
	var open []model.Task
	for _, tk := range tasks {
		if tk.IsOpen() {
			open = append(open, tk)
		}
	}
	company := ShortID(leadID)
	if c, err := t.Card(leadID); err == nil && c.Company != "" {
		company = c.Company
	}
	switch len(open) {
	case 0:
		return "", fmt.Errorf("%s has no open follow-up: %w", company, ErrNotFound)
	case 1:
		return open[0].ID, nil
	}
	list := make([]string, len(open))
	for i, tk := range open {
		list[i] = fmt.Sprintf("%s due %s: %s", ShortID(tk.ID), tk.EffectiveDue(), tk.Action)
	}
	return "", fmt.Errorf("%q %w: %s has %d open follow-ups; name one by its id: %s", ref, ErrAmbiguous, company, len(open), strings.Join(list, "; "))
}

// ResolveActivity finds an activity by id, unique prefix or suffix.
func (t *Tx) ResolveActivity(ref string) (string, error) {
	return t.resolveID(bucketActivities, "activity", ref)
}

func (t *Tx) resolveID(bucket []byte, what, ref string) (string, error) {
	b := t.bucket(bucket)
	if b.Get([]byte(ref)) != nil {
		return ref, nil
	}
	if len(ref) < 4 {
		return "", fmt.Errorf("no %s matches %q (give 4 or more characters of its id): %w", what, ref, ErrNotFound)
	}
	var found []string
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if bytes.HasPrefix(k, []byte(ref)) || bytes.HasSuffix(k, []byte(ref)) {
			found = append(found, string(k))
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no %s matches %q: %w", what, ref, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%s %q %w: %v", what, ref, ErrAmbiguous, shortIDs(found, 3))
}

// AddComplaint opens a complaint on a won account.
func (t *Tx) AddComplaint(c *model.Complaint) error {
	l, err := t.Lead(c.LeadID)
	if err != nil {
		return err
	}
	if l.Stage != model.StageWon {
		return &model.FieldError{Field: "lead", Problem: "complaints are for won accounts; this lead is in " + l.Stage}
	}
	if c.ID == "" {
		c.ID = model.NewID()
	}
	if c.Status == "" {
		c.Status = model.ComplaintOpen
	}
	if c.Severity == "" {
		c.Severity = "medium"
	}
	if c.ServiceID != "" { // the order it is about is one of this account's
		s, err := t.Service(c.ServiceID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err != nil || s.LeadID != c.LeadID {
			return &model.FieldError{Field: "service_id", Problem: "names no service order of " + l.Company}
		}
	}
	c.OpenedAt, c.UpdatedAt = t.now, t.now
	if err := c.Validate(); err != nil {
		return err
	}
	return t.put(model.TypeComplaint, c.ID, c, true)
}

// Complaint returns one complaint.
func (t *Tx) Complaint(id string) (model.Complaint, error) {
	var c model.Complaint
	err := t.get(model.TypeComplaint, id, &c)
	return c, err
}

// SetComplaintStatus moves a complaint forward (open, in progress,
// resolved), never back.
func (t *Tx) SetComplaintStatus(id, status, resolution string) (model.Complaint, error) {
	c, err := t.Complaint(id)
	if err != nil {
		return c, err
	}
	if !c.CanMoveTo(status) {
		return c, &model.FieldError{Field: "status", Problem: fmt.Sprintf("cannot go from %s back to %s", c.Status, status)}
	}
	c.Status, c.UpdatedAt = status, t.now
	if resolution != "" {
		c.Resolution = resolution
	}
	return c, t.put(model.TypeComplaint, id, &c, false)
}

// OpenComplaints returns complaints not yet resolved, oldest first.
func (t *Tx) OpenComplaints() ([]model.Complaint, error) {
	var out []model.Complaint
	err := t.idx(idxComplaintOpen).ForEach(func(k, _ []byte) error {
		i := bytes.IndexByte(k, 0)
		c, err := t.Complaint(string(k[i+1:]))
		if err == nil {
			out = append(out, c)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b model.Complaint) int { return a.OpenedAt.Compare(b.OpenedAt) })
	return out, err
}
