// Package styles holds every lipgloss style of the terminal UI, built in
// one place for a dark or a light terminal.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the UI uses, grouped by screen.
type Styles struct {
	IsDark bool

	// Accent is the colour of the selection and titles.
	Accent color.Color

	App struct {
		Title   lipgloss.Style
		Status  lipgloss.Style
		Error   lipgloss.Style
		Notice  lipgloss.Style
		Help    lipgloss.Style
		Overlay lipgloss.Style
	}

	Board struct {
		Header    lipgloss.Style
		HeaderSel lipgloss.Style
		Sum       lipgloss.Style
		Rule      lipgloss.Style
		Separator lipgloss.Style
		Company   lipgloss.Style
		Contact   lipgloss.Style
		Value     lipgloss.Style
		Selected  lipgloss.Style // the selection gutter
		Overdue   lipgloss.Style
		DueToday  lipgloss.Style
		Due       lipgloss.Style
		Rotting   lipgloss.Style
		Empty     lipgloss.Style
		Filter    lipgloss.Style
	}

	Lead struct {
		Company lipgloss.Style
		Label   lipgloss.Style
		Section lipgloss.Style
		Faint   lipgloss.Style
		Check   lipgloss.Style
		Overdue lipgloss.Style
	}

	// List is the daily review, the visit log, the palette and the note
	// editor.
	List struct {
		Title    lipgloss.Style
		Section  lipgloss.Style
		Selected lipgloss.Style
		Faint    lipgloss.Style
		Overdue  lipgloss.Style
		DueToday lipgloss.Style
		Value    lipgloss.Style
		Match    lipgloss.Style
		Day      lipgloss.Style
	}
}

// New builds the styles for a dark (isDark) or a light background.
func New(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B7A6FF"))
	faint := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8C8C8C"))
	red := ld(lipgloss.Color("#C0262D"), lipgloss.Color("#FF6B6B"))
	yellow := ld(lipgloss.Color("#8A6100"), lipgloss.Color("#FFD866"))
	green := ld(lipgloss.Color("#1E7F3C"), lipgloss.Color("#7EE2A8"))
	text := ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#EDEDED"))

	s := &Styles{IsDark: isDark, Accent: accent}
	s.App.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.App.Status = lipgloss.NewStyle().Foreground(faint)
	s.App.Error = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.App.Notice = lipgloss.NewStyle().Foreground(green)
	s.App.Help = lipgloss.NewStyle().Foreground(faint)
	s.App.Overlay = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)

	b := &s.Board
	b.Header = lipgloss.NewStyle().Bold(true).Foreground(text)
	b.HeaderSel = lipgloss.NewStyle().Bold(true).Foreground(accent)
	b.Sum = lipgloss.NewStyle().Foreground(faint)
	b.Rule = lipgloss.NewStyle().Foreground(faint)
	b.Separator = lipgloss.NewStyle().Foreground(faint)
	b.Company = lipgloss.NewStyle().Bold(true).Foreground(text)
	b.Contact = lipgloss.NewStyle().Foreground(faint)
	b.Value = lipgloss.NewStyle().Foreground(green)
	b.Selected = lipgloss.NewStyle().Bold(true).Foreground(accent)
	b.Overdue = lipgloss.NewStyle().Bold(true).Foreground(red)
	b.DueToday = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(yellow)
	b.Due = lipgloss.NewStyle().Foreground(text)
	b.Rotting = lipgloss.NewStyle().Foreground(red)
	b.Empty = lipgloss.NewStyle().Foreground(faint).Italic(true)
	b.Filter = lipgloss.NewStyle().Foreground(accent)

	l := &s.Lead
	l.Company = lipgloss.NewStyle().Bold(true).Foreground(accent)
	l.Label = lipgloss.NewStyle().Foreground(faint)
	l.Section = lipgloss.NewStyle().Bold(true).Foreground(text).Underline(true)
	l.Faint = lipgloss.NewStyle().Foreground(faint)
	l.Check = lipgloss.NewStyle().Foreground(green)
	l.Overdue = lipgloss.NewStyle().Foreground(red)

	li := &s.List
	li.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	li.Section = lipgloss.NewStyle().Bold(true).Foreground(text).Underline(true)
	li.Selected = lipgloss.NewStyle().Bold(true).Foreground(accent)
	li.Faint = lipgloss.NewStyle().Foreground(faint)
	li.Overdue = lipgloss.NewStyle().Foreground(red)
	li.DueToday = lipgloss.NewStyle().Bold(true).Foreground(yellow)
	li.Value = lipgloss.NewStyle().Foreground(green)
	li.Match = lipgloss.NewStyle().Bold(true).Foreground(accent)
	li.Day = lipgloss.NewStyle().Bold(true).Foreground(text)
	return s
}
