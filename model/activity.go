package model

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Activity kinds: every touch with a customer is one of these.
const (
	KindVisit     = "visit"
	KindCall      = "call"
	KindEmail     = "email"
	KindMeeting   = "meeting"
	KindDemo      = "demo"
	KindService   = "service"
	KindComplaint = "complaint"
	KindNote      = "note"
)

// ActivityKinds lists the kinds in display order with their labels.
var ActivityKinds = []Channel{
	{KindVisit, "Visit", "拜访"},
	{KindCall, "Call", "电话"},
	{KindEmail, "E-mail", "邮件"},
	{KindMeeting, "Meeting", "会议"},
	{KindDemo, "Demo", "演示"},
	{KindService, "Service", "售后服务"},
	{KindComplaint, "Complaint", "投诉"},
	{KindNote, "Note", "笔记"},
}

// IsActivityKind reports whether k is a known activity kind.
func IsActivityKind(k string) bool {
	for _, c := range ActivityKinds {
		if c.Key == k {
			return true
		}
	}
	return false
}

// Revision is one version of an activity's notes. Notes are append-only:
// an edit adds a revision, and concurrent edits on two devices both
// survive, ordered by their clocks.
type Revision struct {
	ID     string    `json:"id"`
	HLC    HLC       `json:"hlc"`
	Text   string    `json:"text" check:"notes"`
	Author string    `json:"author,omitempty" check:"name"`
	At     time.Time `json:"at" check:"stamp"`
}

// Activity is one touch: a visit, a call, a meeting, a note...
type Activity struct {
	ID        string     `json:"id"`
	LeadID    string     `json:"lead_id"`
	Kind      string     `json:"kind"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   time.Time  `json:"ended_at,omitzero"` // zero while a visit is open
	Contact   string     `json:"contact,omitempty" check:"name"`
	Feedback  string     `json:"feedback,omitempty" check:"multi"`
	Outcome   string     `json:"outcome,omitempty" check:"multi"`
	NextStep  string     `json:"next_step,omitempty" check:"multi"`
	NextDue   Date       `json:"next_due,omitzero"`
	Author    string     `json:"author,omitempty" check:"name"`
	Revisions []Revision `json:"revisions,omitempty" check:"append"`
	CreatedAt time.Time  `json:"created_at" check:"stamp"`
	Deleted   bool       `json:"deleted,omitempty"`
}

// Notes returns the newest revision's text.
func (a *Activity) Notes() string {
	if len(a.Revisions) == 0 {
		return ""
	}
	return a.Revisions[len(a.Revisions)-1].Text
}

// Duration is how long the activity lasted; zero while open or for
// activities without an end.
func (a *Activity) Duration() time.Duration {
	if a.EndedAt.IsZero() || a.EndedAt.Before(a.StartedAt) {
		return 0
	}
	return a.EndedAt.Sub(a.StartedAt)
}

// Open reports whether this is a visit checked in and not yet checked out.
func (a *Activity) Open() bool { return a.Kind == KindVisit && a.EndedAt.IsZero() }

// FirstLine returns the first line of the notes that says something: a
// template's label left empty ("Budget:", "预算：") is skipped, so a list
// shows what was written, not the template.
func (a *Activity) FirstLine() string {
	for line := range strings.SplitSeq(a.Notes(), "\n") {
		t := strings.TrimSpace(strings.TrimLeft(line, "#>-* "))
		if t != "" && !strings.HasSuffix(t, ":") && !strings.HasSuffix(t, "：") {
			return t
		}
	}
	return ""
}

// Validate checks the activity and returns every problem found.
func (a *Activity) Validate() error {
	var es Errors
	a.validate(&es, time.Time{})
	return es.Err()
}

// validate adds the activity's problems to es; times marked as stamps
// must not be after latest (zero: no bound).
func (a *Activity) validate(es *Errors, latest time.Time) {
	if a.LeadID == "" {
		es.add("lead_id", "is required")
	}
	if !IsActivityKind(a.Kind) {
		es.add("kind", fmt.Sprintf("%q is not an activity kind (known: visit, call, email, meeting, demo, service, complaint, note)", a.Kind))
	}
	if a.StartedAt.IsZero() {
		es.add("started_at", "is required")
	}
	if !a.EndedAt.IsZero() && a.EndedAt.Before(a.StartedAt) {
		es.add("ended_at", "is before the start")
	}
	checkTyped(es, a, latest)
}

// ValidateNotes checks note text before it becomes a revision.
func ValidateNotes(text string) error {
	var es Errors
	if len(text) > MaxNotesLen {
		es.add("notes", fmt.Sprintf("are %d bytes long; at most %d (1 MiB)", len(text), MaxNotesLen))
		return es.Err()
	}
	checkNotes(&es, text)
	return es.Err()
}

func checkNotes(es *Errors, s string) {
	if !utf8.ValidString(s) {
		es.add("notes", "are not valid UTF-8 text")
	} else if !manyLines(s) {
		es.add("notes", "contain control characters (only newline and tab are allowed)")
	}
}

// JoinLines folds every run of line breaks and tabs in s into one space,
// for a value that must be one line (a company pasted from two lines).
func JoinLines(s string) string {
	if !strings.ContainsAny(s, "\n\t\r") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\t' || r == '\r' }), " ")
}

// NormalizeNewlines turns Windows (CR LF) and old Mac (CR) line ends into
// newlines, so pasted text passes the checks and prints as it looked.
func NormalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
