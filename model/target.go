package model

import (
	"fmt"
	"strings"
	"time"
)

// Target is a yearly or quarterly goal of one salesperson: new customers
// won and contract value. Targets sync like every other record; a manager
// sets a rep's targets.
type Target struct {
	ID       string `json:"id"`
	Year     int    `json:"year"`
	Quarter  int    `json:"quarter,omitempty"` // 1..4; 0: the whole year
	User     string `json:"user" check:"name"`
	WonCount int    `json:"won_count"`
	WonValue Money  `json:"won_value,omitzero"`
	// SetBy is who set the target last.
	SetBy     string    `json:"set_by,omitempty" check:"name"`
	UpdatedAt time.Time `json:"updated_at" check:"stamp"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// TargetID is the stable id of the target of user for year and quarter,
// so that two devices setting the same target edit one record.
func TargetID(year, quarter int, user string) string {
	return fmt.Sprintf("%d-q%d-%s", year, quarter, user)
}

// Validate checks the target and returns every problem, each naming its
// field.
func (t *Target) Validate() error {
	var es Errors
	t.validate(&es, time.Time{})
	return es.Err()
}

// validate adds the target's problems to es; times marked as stamps
// must not be after latest (zero: no bound).
func (t *Target) validate(es *Errors, latest time.Time) {
	if t.Year < 2000 || t.Year > 2200 {
		es.add("year", fmt.Sprintf("%d is not a plausible year", t.Year))
	}
	if t.Quarter < 0 || t.Quarter > 4 {
		es.add("quarter", fmt.Sprintf("%d is not 1 to 4 (or 0 for the whole year)", t.Quarter))
	}
	if strings.TrimSpace(t.User) == "" {
		es.add("user", "is required")
	}
	if err := checkID("user", t.User); err != nil && strings.TrimSpace(t.User) != "" {
		es.add("user", "must be a user name without spaces or slashes")
	}
	if t.WonCount < 0 {
		es.add("won_count", "must not be negative")
	}
	checkTyped(es, t, latest)
	if len(TargetID(t.Year, t.Quarter, t.User)) > maxIDLen {
		es.add("user", "is too long")
	}
}
