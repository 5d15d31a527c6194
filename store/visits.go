package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// StartVisit checks in at a lead: a visit that starts now and stays open
// (no end) until StopVisit.
func (t *Tx) StartVisit(leadID, contact string) (model.Activity, error) {
	a := model.Activity{LeadID: leadID, Kind: model.KindVisit, StartedAt: t.now, Contact: contact}
	return a, t.AddActivity(&a, "")
}

// VisitStop is what checking out of a visit records.
type VisitStop struct {
	Ended                       time.Time // zero: the transaction's time
	Notes                       string    // a new notes revision when it differs from the newest
	Outcome, Feedback, NextStep string
	NextDue                     model.Date
}

// StopVisit checks out of an open visit: it records the end (and so the
// duration), the outcome and feedback, the notes as a new revision, and
// makes the next step the lead's next follow-up, closing the open one.
func (t *Tx) StopVisit(id string, s VisitStop) (model.Activity, error) {
	a, err := t.Activity(id)
	if err != nil {
		return a, err
	}
	if !a.Open() {
		return a, fmt.Errorf("activity %s is not an open visit", ShortID(id))
	}
	if s.NextStep != "" && s.NextDue.IsZero() {
		return a, &model.FieldError{Field: "next_due", Problem: "is required with a next step"}
	}
	a.EndedAt = s.Ended
	if a.EndedAt.IsZero() {
		a.EndedAt = t.now
	}
	if a.EndedAt.Before(a.StartedAt) {
		a.EndedAt = a.StartedAt
	}
	if s.Outcome != "" {
		a.Outcome = s.Outcome
	}
	if s.Feedback != "" {
		a.Feedback = s.Feedback
	}
	a.NextStep, a.NextDue = s.NextStep, s.NextDue
	if err := t.UpdateActivity(&a); err != nil {
		return a, err
	}
	if s.Notes != "" && s.Notes != a.Notes() {
		if err := t.AppendNotes(id, s.Notes); err != nil {
			return a, err
		}
	}
	if s.NextStep != "" {
		if _, err := t.SetFollowUp(a.LeadID, s.NextDue, s.NextStep); err != nil {
			return a, err
		}
	}
	return t.Activity(id)
}

// ActivityRow is one line of the visit log: what the list shows and what
// its text filter searches, without the notes' revisions.
type ActivityRow struct {
	ID, LeadID, Kind, Contact string
	StartedAt, EndedAt        time.Time
	// First is the first line of the newest notes. The visit log's words
	// filter asks the search index, so a row carries no text to scan.
	First string
}

// Duration is how long the activity lasted; zero while open.
func (r *ActivityRow) Duration() time.Duration {
	if r.EndedAt.IsZero() || r.EndedAt.Before(r.StartedAt) {
		return 0
	}
	return r.EndedAt.Sub(r.StartedAt)
}

// Open reports whether this is a visit not checked out.
func (r *ActivityRow) Open() bool { return r.Kind == model.KindVisit && r.EndedAt.IsZero() }

type rowJSON struct {
	ID        string    `json:"id"`
	LeadID    string    `json:"lead_id"`
	Kind      string    `json:"kind"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
	Contact   string    `json:"contact"`
	Revisions []struct {
		Text string `json:"text"`
	} `json:"revisions"`
	Deleted bool `json:"deleted"`
}

// ActivityRows returns every activity as a visit-log row, in no order,
// but those of a lead in the trash.
// One pass over the activities: the visit log loads it once and filters
// in memory. The JSON is decoded on every core, straight from the
// transaction's pages (the decoders finish before it ends).
func (t *Tx) ActivityRows() ([]ActivityRow, error) {
	var vals [][]byte
	err := t.bucket(bucketActivities).ForEach(func(k, v []byte) error {
		data, err := fieldsJSON(v)
		if err != nil {
			return fmt.Errorf("activity %s: %w", k, err)
		}
		vals = append(vals, data)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows := make([]ActivityRow, len(vals))
	keep := make([]bool, len(vals))
	err = onEveryCore(coresFor(len(vals), 1000), len(vals), func(_, i int) error {
		var a rowJSON
		if err := json.Unmarshal(vals[i], &a); err != nil {
			return fmt.Errorf("activity %d of %d: %w", i+1, len(vals), err)
		}
		rows[i], keep[i] = a.row(), !a.Deleted
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The activities of a lead in the trash are hidden with it.
	live := map[string]bool{} // by lead id
	out := rows[:0]
	for i := range rows {
		if !keep[i] {
			continue
		}
		id := rows[i].LeadID
		ok, seen := live[id]
		if !seen {
			ok = !t.inTrash(id)
			live[id] = ok
		}
		if ok {
			out = append(out, rows[i])
		}
	}
	return out, nil
}

// coresFor is how many goroutines onEveryCore should run for n indexes:
// as many as there are cores, but one for every per indexes at least.
func coresFor(n, per int) int { return max(1, min(runtime.GOMAXPROCS(0), n/per)) }

// onEveryCore calls fn for each index below n on workers goroutines
// (coresFor); worker, below workers, lets fn keep state of its own, sized
// by the caller from the same number. Each goroutine stops at its first
// error; the errors are joined.
func onEveryCore(workers, n int, fn func(worker, i int) error) error {
	workers = max(1, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if errs[w] = fn(w, i); errs[w] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (a *rowJSON) row() ActivityRow {
	notes := ""
	if n := len(a.Revisions); n > 0 {
		notes = a.Revisions[n-1].Text
	}
	act := model.Activity{Revisions: []model.Revision{{Text: notes}}}
	return ActivityRow{
		ID: a.ID, LeadID: a.LeadID, Kind: a.Kind, Contact: a.Contact, StartedAt: a.StartedAt, EndedAt: a.EndedAt,
		First: act.FirstLine(),
	}
}
