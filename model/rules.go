package model

import "time"

// Bucket says when a follow-up is due, seen from today.
type Bucket int

// Due buckets, in the order the daily review shows them.
const (
	Overdue Bucket = iota
	DueToday
	DueThisWeek // the next 7 days after today
	DueLater
)

// String returns the bucket's key.
func (b Bucket) String() string {
	return [...]string{"overdue", "today", "next_7_days", "later"}[b]
}

// BucketOf places a due day relative to today. Both are calendar days in
// the user's local time zone: a task due "today" is due all day.
func BucketOf(due, today Date) Bucket {
	switch c := due.Compare(today); {
	case c < 0:
		return Overdue
	case c == 0:
		return DueToday
	case today.DaysUntil(due) <= 7:
		return DueThisWeek
	}
	return DueLater
}

// Today returns the calendar day of now in loc.
func Today(now time.Time, loc *time.Location) Date { return DateOf(now.In(loc)) }

// LastTouch is when the lead was last worked on: its newest activity, or
// when it entered its stage if that is later (a move is a touch too).
func LastTouch(stageEnteredAt, lastActivity time.Time) time.Time {
	if lastActivity.After(stageEnteredAt) {
		return lastActivity
	}
	return stageEnteredAt
}

// IdleDays is how many whole days a lead has gone untouched since
// lastTouch: what "idle" means wherever it is shown (cards, the lead
// screen, the daily review, the activity report, the CLI). How far that is
// past the stage's limit is RottingDays.
func IdleDays(lastTouch, now time.Time) int {
	if lastTouch.IsZero() || now.Before(lastTouch) {
		return 0
	}
	return int(now.Sub(lastTouch) / (24 * time.Hour))
}

// RottingDays returns how many days past its stage's limit the lead has gone
// untouched, or 0 when it is not rotting. Leads in terminal stages and
// stages without a limit never rot.
func RottingDays(stage Stage, lastTouch, now time.Time) int {
	if stage.Terminal || stage.RottingDays <= 0 || lastTouch.IsZero() {
		return 0
	}
	idle := IdleDays(lastTouch, now)
	if idle > stage.RottingDays {
		return idle - stage.RottingDays
	}
	return 0
}

// Weighted returns value × probability%, rounded to the minor unit.
func Weighted(value int64, probability int) int64 {
	return (value*int64(probability) + 50) / 100
}

// ScreeningScore counts the criteria the lead meets.
func ScreeningScore(checks map[string]bool, criteria []ScreeningCriterion) int {
	n := 0
	for _, c := range criteria {
		if checks[c.Key] {
			n++
		}
	}
	return n
}

// ReturnVisitDue returns the day a won account is due its next return visit:
// interval days after its last touch (or after it was won).
func ReturnVisitDue(lastTouch time.Time, intervalDays int, loc *time.Location) Date {
	return DateOf(lastTouch.In(loc)).AddDays(intervalDays)
}

// Rules are the company-specific settings the pure rules read: the
// pipeline, the screening checklist and threshold, and how often won
// accounts get a return visit.
type Rules struct {
	Pipeline           Pipeline
	Screening          []ScreeningCriterion
	ScreeningThreshold int
	ReturnVisitDays    int
	Location           *time.Location
	Approval           ApprovalRules
	Handoff            HandoffRules
}

// DefaultRules returns the out-of-the-box rules of domain.md in the local
// time zone.
func DefaultRules() Rules {
	return Rules{
		Pipeline:           DefaultPipeline(),
		Screening:          DefaultScreening(),
		ScreeningThreshold: 3,
		ReturnVisitDays:    90,
		Location:           time.Local,
		Approval:           DefaultApprovalRules(),
		Handoff:            DefaultHandoff(),
	}
}
