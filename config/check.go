package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/fieldcrm/fieldcrm/model"
)

// Problem is one thing wrong with a config file, with its line (0 when
// it cannot be told).
type Problem = model.SettingsProblem

// Parse reads a config file's text and checks every setting. It returns
// the file's config and its problems, first line first; any problem
// means the file must not be used. Settings it does not know are not
// problems but warnings on the config (cfg.Warnings).
func Parse(src string) (*Config, []Problem) {
	var c Config
	md, err := toml.Decode(src, &c)
	if err != nil {
		var perr toml.ParseError
		var pp *toml.ParseError
		if errors.As(err, &pp) && pp != nil {
			perr = *pp
		} else if !errors.As(err, &perr) {
			return nil, []Problem{typeProblem(src, err)}
		}
		line := perr.Position.Line
		if line == 0 {
			line = perr.Line
		}
		msg := perr.Message
		if msg == "" {
			msg = err.Error()
		}
		if perr.LastKey != "" && !strings.Contains(msg, perr.LastKey) {
			msg = perr.LastKey + ": " + msg
		}
		return nil, []Problem{{Line: line, Message: msg}}
	}
	for _, k := range md.Undecoded() {
		line := lineOf(src, keyPath(k)...)
		c.Warnings = append(c.Warnings, Problem{Line: line, Setting: k.String(), Message: "is not a setting this version of fieldcrm knows"}.String())
	}
	var ps []Problem
	add := func(msg string, path ...any) {
		ps = append(ps, Problem{Line: lineOf(src, path...), Setting: settingName(path), Message: msg})
	}
	c.check(add)
	// First line first; problems without a line last.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && lineLess(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return &c, nil
}

// typeErr is how the TOML decoder words a value of the wrong type.
// It is compiled on first use: most runs never see such an error.
var typeErr = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)
})

// typeProblem turns a decoding error such as a string where a number
// belongs into a Problem with its line.
func typeProblem(src string, err error) Problem {
	m := typeErr().FindStringSubmatch(err.Error())
	if m == nil {
		return Problem{Message: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	p := Problem{Setting: m[2], Message: m[3]}
	if n, convErr := strconv.Atoi(m[1]); convErr == nil {
		p.Line = n
	} else {
		p.Line = lineOf(src, keyPath(toml.Key(strings.Split(m[2], ".")))...)
	}
	return p
}

func lineLess(a, b Problem) bool {
	if a.Line == 0 || b.Line == 0 {
		return a.Line != 0 && b.Line == 0
	}
	return a.Line < b.Line
}

// keyPath turns a TOML key into a lineOf path; array indexes are not in
// TOML keys, so the first block is assumed.
func keyPath(k toml.Key) []any {
	out := make([]any, len(k))
	for i, p := range k {
		out[i] = p
	}
	return out
}

func settingName(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch v := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case int:
			fmt.Fprintf(&b, "[%d]", v+1)
		}
	}
	return b.String()
}

// validStageKey reports whether k is lower-case letters, digits, _ and -,
// starting with a letter or digit.
func validStageKey(k string) bool {
	for i, c := range []byte(k) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '_' || c == '-'):
		default:
			return false
		}
	}
	return k != ""
}

// check validates every setting, reporting each problem with its path.
func (c *Config) check(add func(msg string, path ...any)) {
	if c.Lang != "" && c.Lang != "en" && c.Lang != "zh" {
		add(fmt.Sprintf("%q is not a language: use \"en\" or \"zh\"", c.Lang), "lang")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			add(fmt.Sprintf("%q is not a time zone (like \"Asia/Shanghai\")", c.TimeZone), "time_zone")
		}
	}
	seen := map[string]bool{}
	for i, s := range c.Stages {
		switch {
		case s.Key == "":
			add("a stage needs a key", "stages", i)
		case !validStageKey(s.Key):
			add(fmt.Sprintf("%q: a stage key is lower-case letters, digits, _ and -", s.Key), "stages", i, "key")
		case seen[s.Key]:
			add(fmt.Sprintf("stage %q appears twice", s.Key), "stages", i, "key")
		}
		seen[s.Key] = true
		if s.Probability < 0 || s.Probability > 100 {
			add(fmt.Sprintf("%d is not a percentage (0 to 100)", s.Probability), "stages", i, "probability")
		}
		if s.RottingDays < 0 {
			add(fmt.Sprintf("%d: rotting days cannot be negative", s.RottingDays), "stages", i, "rotting_days")
		}
		if s.LabelEN == "" && s.LabelZH == "" {
			add(fmt.Sprintf("stage %q needs a label (label_en, label_zh)", s.Key), "stages", i)
		}
	}
	if len(c.Stages) > 0 {
		for _, k := range []string{model.StageWon, model.StageLost} {
			if !seen[k] {
				add(fmt.Sprintf("the pipeline needs a stage with key %q (rename it with label_en and label_zh; its key stays)", k), "stages", 0)
			}
		}
	}
	crit := map[string]bool{}
	for i, s := range c.Screening {
		switch {
		case s.Key == "":
			add("a screening criterion needs a key", "screening", i)
		case crit[s.Key]:
			add(fmt.Sprintf("criterion %q appears twice", s.Key), "screening", i, "key")
		}
		crit[s.Key] = true
	}
	n := len(c.Screening)
	if n == 0 {
		n = len(model.DefaultScreening())
	}
	if c.ScreeningThreshold < 0 || c.ScreeningThreshold > n {
		add(fmt.Sprintf("%d: the threshold is how many of the %d criteria a lead must meet", c.ScreeningThreshold, n), "screening_threshold")
	}
	if c.ReturnVisitDays < 0 || c.ReturnVisitDays > 3650 {
		add(fmt.Sprintf("%d is not a number of days between 0 and 3650", c.ReturnVisitDays), "return_visit_days")
	}
	pipeline := c.Rules().Pipeline
	for stage := range c.Templates {
		if pipeline.Index(stage) < 0 {
			add(fmt.Sprintf("%q is not a stage of the pipeline (known: %s)", stage, strings.Join(pipeline.Keys(), ", ")), "templates", stage)
		}
	}
	for action, keys := range c.Keys {
		if len(keys) == 0 {
			add("give at least one key, like [\"k\", \"up\"]", "keys", action)
		}
		for _, k := range keys {
			if strings.TrimSpace(k) == "" {
				add("a key cannot be empty", "keys", action)
			}
		}
	}
	c.Commission.check(add)
	c.Approval.check(add)
	c.Handoff.check(add)
}

// Commission is the commission plan of the config file: a flat rate, or
// tiers (each tier's rate on the part of a rep's won value from its
// threshold up to the next tier's).
type Commission struct {
	// Rate is a percentage of won value.
	Rate float64 `toml:"rate,omitempty" json:"rate,omitempty"`
	// Tiers replace Rate when set.
	Tiers []CommissionTier `toml:"tiers,omitempty" json:"tiers,omitempty"`
}

// CommissionTier is one band: from a won value (in the currency's major
// unit, like 100000 for ¥100,000) at a rate in percent.
type CommissionTier struct {
	From float64 `toml:"from" json:"from"`
	Rate float64 `toml:"rate" json:"rate"`
}

// IsZero reports whether no plan is set.
func (c Commission) IsZero() bool { return c.Rate == 0 && len(c.Tiers) == 0 }

func (c Commission) check(add func(string, ...any)) {
	if c.Rate < 0 || c.Rate > 100 {
		add(fmt.Sprintf("%g is not a percentage (0 to 100)", c.Rate), "commission", "rate")
	}
	if c.Rate != 0 && len(c.Tiers) > 0 {
		add("set a flat rate or tiers, not both", "commission", "rate")
	}
	seen := map[float64]bool{}
	for i, t := range c.Tiers {
		if t.Rate < 0 || t.Rate > 100 {
			add(fmt.Sprintf("%g is not a percentage (0 to 100)", t.Rate), "commission", "tiers", i, "rate")
		}
		if t.From < 0 || math.IsNaN(t.From) || math.IsInf(t.From, 0) {
			add(fmt.Sprintf("%g: a tier starts at a won value of 0 or more", t.From), "commission", "tiers", i, "from")
		}
		if seen[t.From] {
			add(fmt.Sprintf("two tiers start at %g", t.From), "commission", "tiers", i, "from")
		}
		seen[t.From] = true
	}
}

// Check checks the text of a config file and returns its problems
// (nil when it is good) and its warnings.
func Check(src string) (problems []Problem, warnings []string) {
	c, ps := Parse(src)
	if len(ps) > 0 {
		return ps, nil
	}
	return nil, c.Warnings
}
