package model

import "fmt"

// SettingsProblem is one thing wrong with a settings document, a
// laptop's config file or the company's settings, with its line (0 when
// it cannot be told). Package config finds them and the server hands
// them back with a refused version; it lives here because the server
// does not link config.
type SettingsProblem struct {
	Line    int    `json:"line"`
	Setting string `json:"setting,omitempty"`
	Message string `json:"message"`
}

// String is the problem as a user reads it: "line 12: stages[2].probability: ...".
func (p SettingsProblem) String() string {
	s := p.Message
	if p.Setting != "" {
		s = p.Setting + ": " + s
	}
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, s)
	}
	return s
}
