package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

func TestExampleFile(t *testing.T) {
	data, err := os.ReadFile("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, ps := Parse(string(data))
	if len(ps) > 0 {
		t.Fatalf("example has problems: %v", ps)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("example has warnings: %v", c.Warnings)
	}
	r := c.Rules()
	if got := strings.Join(r.Pipeline.Keys(), ","); got != "prospect,contacted,pilot,negotiation,won,lost" {
		t.Errorf("stages %s", got)
	}
	if s, _ := r.Pipeline.Stage("prospect"); s.Label("zh") != "线索" || s.Label("en") != "Lead" || s.Probability != 5 {
		t.Errorf("renamed stage %+v", s)
	}
	if s, _ := r.Pipeline.Stage("won"); !s.Terminal || s.Label("en") != "Signed" {
		t.Errorf("won %+v", s)
	}
	if r.ScreeningThreshold != 2 || r.ReturnVisitDays != 60 || len(r.Screening) != 3 {
		t.Errorf("rules %+v", r)
	}
	if got := c.Template("pilot", "en"); !strings.HasPrefix(got, "Pilot site:") {
		t.Errorf("pilot template %q", got)
	}
	if got := c.Template("negotiation", "zh"); !strings.HasPrefix(got, "价格") {
		t.Errorf("default template in Chinese %q", got)
	}
	tiers := c.Commission.MinorTiers()
	if len(tiers) != 3 || tiers[1].From != 100000000 || tiers[2].Rate != 4 {
		t.Errorf("tiers %+v", tiers)
	}
	if got := c.Keys["up"]; len(got) != 2 || got[0] != "i" {
		t.Errorf("keys %v", c.Keys)
	}
}

// problemLine parses src and returns the line of its first problem.
func problemLine(t *testing.T, src string) (int, string) {
	t.Helper()
	_, ps := Parse(src)
	if len(ps) == 0 {
		t.Fatalf("no problem found in:\n%s", src)
	}
	return ps[0].Line, ps[0].String()
}

func TestProblemsNameTheirLine(t *testing.T) {
	stages := func(extra string) string {
		return "user = \"ann\"\n\n[[stages]]\nkey = \"prospect\"\nlabel_en = \"P\"\nprobability = 5\n\n[[stages]]\nkey = \"won\"\nlabel_en = \"Won\"\n" +
			extra + "\n[[stages]]\nkey = \"lost\"\nlabel_en = \"Lost\"\n"
	}
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"syntax", "user = \"ann\"\nlang = \"en\nreturn_visit_days = 3\n", 2, "line 2"},
		{"type", "user = \"ann\"\nreturn_visit_days = \"often\"\n", 2, "return_visit_days"},
		{"lang", "user = \"ann\"\n\nlang = \"fr\"\n", 3, "lang"},
		{"time zone", "time_zone = \"Mars/Olympus\"\n", 1, "time zone"},
		{"probability", stages("probability = 150\n"), 11, "stages[2].probability: 150 is not a percentage"},
		{"duplicate stage", stages("[[stages]]\nkey = \"won\"\nlabel_en = \"Again\"\n"), 12, "appears twice"},
		{"bad key", stages("[[stages]]\nkey = \"Big Deal\"\nlabel_en = \"x\"\n"), 12, "lower-case"},
		{"missing lost", "[[stages]]\nkey = \"a\"\nlabel_en = \"A\"\n[[stages]]\nkey = \"won\"\nlabel_en = \"W\"\n", 1, "\"lost\""},
		{"threshold", "screening_threshold = 9\n", 1, "of the 5 criteria"},
		{"template stage", "user = \"a\"\n[templates]\nprospect = \"x\"\nmeeting = \"y\"\n", 4, "\"meeting\" is not a stage"},
		{"empty key", "[keys]\nup = []\n", 2, "at least one key"},
		{"tier rate", "[commission]\n[[commission.tiers]]\nfrom = 0\nrate = 1\n[[commission.tiers]]\nfrom = 100\nrate = 120\n", 7, "commission.tiers[2].rate"},
		{"rate and tiers", "[commission]\nrate = 2\n[[commission.tiers]]\nfrom = 0\nrate = 1\n", 2, "not both"},
	}
	for _, c := range cases {
		line, msg := problemLine(t, c.src)
		if line != c.line || !strings.Contains(msg, c.want) {
			t.Errorf("%s: line %d %q; want line %d and %q", c.name, line, msg, c.line, c.want)
		}
	}
}

func TestLoadBadFileGivesDefaultsAndTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("user = \"ann\"\n[[stages]]\nkey = \"won\"\nlabel_en = \"W\"\nprobability = -1\n[[stages]]\nkey = \"lost\"\nlabel_en = \"L\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "line 5") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v", err)
	}
	if c == nil || c.User != "" || len(c.Stages) != 0 || c.Rules().Pipeline.Index("prospect") != 0 {
		t.Errorf("not the defaults: %+v", c)
	}
}

func TestUnknownSettingsAreWarnings(t *testing.T) {
	c, ps := Parse("user = \"ann\"\nretrun_visit_days = 30\n")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "line 2") || !strings.Contains(c.Warnings[0], "retrun_visit_days") {
		t.Errorf("warnings %v", c.Warnings)
	}
	c, ps = Parse("[[stages]]\nkey = \"won\"\nlabel_en = \"W\"\n[[stages]]\nkey = \"lost\"\nlabel_en = \"L\"\nprobabilty = 0\n")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "line 7") {
		t.Errorf("warning in the second block: %v", c.Warnings)
	}
}

func TestEffectiveHidesTheToken(t *testing.T) {
	c := &Config{User: "ann", Token: "secret-token-value"}
	e := c.Effective("en")
	if e.Token == c.Token || strings.Contains(e.Token, "secret") {
		t.Errorf("token shown: %q", e.Token)
	}
	if len(e.Stages) != len(model.DefaultPipeline().Stages) || e.ScreeningThreshold != 3 || e.Templates["prospect"] == "" {
		t.Errorf("effective %+v", e)
	}
}

func TestLineOf(t *testing.T) {
	src := "a = 1\n\n[[s]]\nk = 1\n[[s]]\n  k = 2\n[t.u]\n\"q\" = 3\n"
	cases := []struct {
		path []any
		want int
	}{
		{[]any{"a"}, 1},
		{[]any{"s", 1, "k"}, 6},
		{[]any{"s", 0}, 3},
		{[]any{"t", "u", "q"}, 8},
		{[]any{"nope"}, 0},
	}
	for _, c := range cases {
		if got := lineOf(src, c.path...); got != c.want {
			t.Errorf("lineOf %v = %d, want %d", c.path, got, c.want)
		}
	}
}

// TestValidStageKey checks the hand-written stage key rule against the
// pattern it replaces.
func TestValidStageKey(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]*$`)
	for _, k := range []string{"", "a", "9", "_", "-", "a_", "a-b", "_a", "-a", "Won", "won", "lost_2", "a b", "a.b", "阶段", "a\n", "z-9_x"} {
		if got, want := validStageKey(k), pattern.MatchString(k); got != want {
			t.Errorf("validStageKey(%q) = %v, want %v", k, got, want)
		}
	}
}
