package common

import (
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
)

// OpenLeadMsg asks the root to show the lead screen for a lead.
type OpenLeadMsg struct{ ID string }

// BackMsg asks the root to go back to the board.
type BackMsg struct{}

// ErrMsg reports an error to the status line.
type ErrMsg struct{ Err error }

// StatusMsg reports a short notice (saved, undone...) to the status line.
type StatusMsg struct{ Text string }

// ChangedMsg says the book changed (a lead saved, moved, a visit
// logged...): screens reload what they show. LeadID, when set, is the lead
// that changed, so the board can select it.
type ChangedMsg struct{ LeadID string }

// MovedMsg reports a finished stage move, from the board's keys or from
// the lost/won forms, so the board can offer undo.
type MovedMsg struct {
	LeadID     string
	From, To   string
	FromReason string // the lost reason the lead had before, for undo
	Undo       bool   // this move was an undo
	Card       store.Card
	Err        error
}

// ReportErr returns a command that reports err to the status line.
func ReportErr(err error) tea.Cmd {
	return func() tea.Msg { return ErrMsg{Err: err} }
}

// Emit returns a command that sends msg.
func Emit(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}
