package model

import (
	"fmt"
	"strings"
	"time"
)

// Task is a follow-up: something to do for a lead by a day.
type Task struct {
	ID           string    `json:"id"`
	LeadID       string    `json:"lead_id"`
	Due          Date      `json:"due"`
	Action       string    `json:"action" check:"multi"`
	Done         bool      `json:"done,omitempty"`
	DoneAt       time.Time `json:"done_at,omitzero" check:"stamp"`
	SnoozedUntil Date      `json:"snoozed_until,omitzero"`
	Assignee     string    `json:"assignee,omitempty" check:"name"`
	// Queue is the role (QueueSupport) whose every user sees an
	// unassigned task: technical support's hand-off on a won deal.
	Queue     string    `json:"queue,omitempty"`
	CreatedAt time.Time `json:"created_at" check:"stamp"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// EffectiveDue is the day the task shows up: its due day, or the day it
// was snoozed to when that is later.
func (t *Task) EffectiveDue() Date {
	if t.SnoozedUntil.Compare(t.Due) > 0 {
		return t.SnoozedUntil
	}
	return t.Due
}

// SnoozeFrom is the day a snooze counts from: the later of today and the
// day the task shows up, so that snoozing never brings a task forward.
func (t *Task) SnoozeFrom(today Date) Date {
	if due := t.EffectiveDue(); due.Compare(today) > 0 {
		return due
	}
	return today
}

// NextStepDays is how many days ahead a next step falls when it is given
// without a day.
const NextStepDays = 7

// DefaultNextDue is the due day of a next step given without one, the same
// in the UI's forms and the CLI.
func DefaultNextDue(today Date) Date { return today.AddDays(NextStepDays) }

// IsOpen reports whether the task still needs doing.
func (t *Task) IsOpen() bool { return !t.Done && !t.Deleted }

// Validate checks the task.
func (t *Task) Validate() error {
	var es Errors
	t.validate(&es, time.Time{})
	return es.Err()
}

// validate adds the task's problems to es; times marked as stamps
// must not be after latest (zero: no bound).
func (t *Task) validate(es *Errors, latest time.Time) {
	if t.LeadID == "" {
		es.add("lead_id", "is required")
	}
	if t.Due.IsZero() {
		es.add("due", "is required")
	}
	if strings.TrimSpace(t.Action) == "" {
		es.add("action", "is required")
	}
	if t.Queue != "" && t.Queue != QueueSupport && t.Queue != QueueAftersales {
		es.add("queue", fmt.Sprintf("%q is not a queue (support, aftersales)", t.Queue))
	}
	checkTyped(es, t, latest)
}

// Complaint statuses; a status only moves forward.
const (
	ComplaintOpen       = "open"
	ComplaintInProgress = "in_progress"
	ComplaintResolved   = "resolved"
)

var complaintOrder = map[string]int{ComplaintOpen: 0, ComplaintInProgress: 1, ComplaintResolved: 2}

// Complaint is a customer's complaint on a won account.
type Complaint struct {
	ID          string    `json:"id"`
	LeadID      string    `json:"lead_id"`
	OpenedAt    time.Time `json:"opened_at" check:"stamp"`
	Severity    string    `json:"severity"` // low, medium, high
	Description string    `json:"description" check:"multi"`
	Status      string    `json:"status"`
	Resolution  string    `json:"resolution,omitempty" check:"multi"`
	// ServiceID links the complaint to the service order it is about.
	ServiceID string    `json:"service_id,omitempty"`
	UpdatedAt time.Time `json:"updated_at" check:"stamp"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// Severities in display order.
var Severities = []string{"low", "medium", "high"}

// CanMoveTo reports whether the status may change to next: only forward.
func (c *Complaint) CanMoveTo(next string) bool {
	a, okA := complaintOrder[c.Status]
	b, okB := complaintOrder[next]
	return okA && okB && b >= a
}

// Validate checks the complaint.
func (c *Complaint) Validate() error {
	var es Errors
	c.validate(&es, time.Time{})
	return es.Err()
}

// validate adds the complaint's problems to es; times marked as stamps
// must not be after latest (zero: no bound).
func (c *Complaint) validate(es *Errors, latest time.Time) {
	if c.LeadID == "" {
		es.add("lead_id", "is required")
	}
	if strings.TrimSpace(c.Description) == "" {
		es.add("description", "is required")
	}
	checkTyped(es, c, latest)
	if _, ok := complaintOrder[c.Status]; !ok {
		es.add("status", fmt.Sprintf("%q is not a status (open, in_progress, resolved)", c.Status))
	}
	ok := false
	for _, s := range Severities {
		ok = ok || s == c.Severity
	}
	if !ok {
		es.add("severity", fmt.Sprintf("%q is not a severity (low, medium, high)", c.Severity))
	}
}
