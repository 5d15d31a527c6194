package model

import "testing"

func TestLabelIn(t *testing.T) {
	cases := []struct{ key, lang, want string }{
		{KindVisit, "zh", "拜访"},
		{KindVisit, "en", "Visit"},
		{"telepathy", "zh", "telepathy"}, // not in the list: the key itself
	}
	for _, c := range cases {
		if got := LabelIn(ActivityKinds, c.key, c.lang); got != c.want {
			t.Errorf("LabelIn(%q, %q) = %q, want %q", c.key, c.lang, got, c.want)
		}
	}
	// A channel with no Chinese label falls back to English, then the key.
	if got := (Channel{Key: "k", LabelEN: "Key"}).Label("zh"); got != "Key" {
		t.Errorf("Label without a Chinese label = %q, want the English one", got)
	}
	if got := (Channel{Key: "k"}).Label("en"); got != "k" {
		t.Errorf("Label without labels = %q, want the key", got)
	}
}
