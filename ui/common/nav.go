package common

import "time"

// Screen names a screen of the root, for GoMsg.
type Screen int

// The screens a GoMsg can ask for.
const (
	ScreenBoard Screen = iota + 1
	ScreenToday
	ScreenVisits
	ScreenApprovals
)

// GoMsg asks the root to show a screen (number keys, the palette).
type GoMsg struct{ To Screen }

// OpenApprovalMsg asks the root to show the approvals inbox with one
// request open (today's lines of approvals).
type OpenApprovalMsg struct{ ID string }

// StartVisitMsg asks the root to check in at a lead: record the start of a
// visit and open the note editor.
type StartVisitMsg struct{ LeadID string }

// CaptureMsg asks the root to open the quick-capture pane, for a lead when
// LeadID is set.
type CaptureMsg struct{ LeadID, Company string }

// PaletteMsg asks the root to open the command palette.
type PaletteMsg struct{}

// HelpMsg asks the root to toggle the full help.
type HelpMsg struct{}

// QuitMsg asks the root to quit.
type QuitMsg struct{}

// Location is the user's time zone.
func (c *Common) Location() *time.Location { return c.loc() }

// TrashLeadMsg asks the root to move a lead to the trash, asking first.
type TrashLeadMsg struct{ ID, Company string }

// TrashMsg asks the root to show the trash.
type TrashMsg struct{}
