package model

import "testing"

// TestFirstLineSkipsEmptyTemplateLabels is finding 4 of issue 13: a
// visit's summary showed the template's first label, not what was written.
func TestFirstLineSkipsEmptyTemplateLabels(t *testing.T) {
	for _, c := range []struct{ notes, want string }{
		{"Budget:\nDecision maker: the CEO\nNeed:", "Decision maker: the CEO"},
		{"预算：\n决策人：\n需求：更换锅炉", "需求：更换锅炉"},
		{"## Plant visit\n\nThe CEO joined", "Plant visit"},
		{"Budget:\nNeed:", ""},
		{"- one", "one"},
	} {
		a := Activity{Revisions: []Revision{{Text: c.notes}}}
		if got := a.FirstLine(); got != c.want {
			t.Errorf("%q: %q, want %q", c.notes, got, c.want)
		}
	}
}
