package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Company settings: the sections of the config format that are the
// company's, not the person's. The server keeps them as one versioned
// document (fieldcrm admin settings set FILE) and every laptop logged in
// to it uses that over its own file; a laptop not logged in uses its
// file as before.

// CompanySections are the top-level settings a company document holds.
var CompanySections = []string{"stages", "screening", "screening_threshold", "return_visit_days", "templates", "commission", "approval", "handoff"}

// personalSettings stay in each laptop's own file.
var personalSettings = []string{"user", "lang", "time_zone", "server", "token", "keys"}

// Section sources, as Effective.Sources names them.
const (
	FromFile    = "file"
	FromDefault = "default"
	FromServer  = "server" // followed by " settings version N"
)

// ParseCompany checks a company settings document: the config format's
// company sections only, with line numbers as Parse gives them. A
// personal setting (user, lang, keys, ...) is a problem: each laptop
// keeps its own.
func ParseCompany(src string) (*Config, []Problem) {
	var ps []Problem
	var top map[string]any
	if _, err := toml.Decode(src, &top); err == nil {
		for _, k := range personalSettings {
			if _, ok := top[k]; ok {
				ps = append(ps, Problem{Line: topLine(src, k), Setting: k,
					Message: "is a personal setting; each laptop keeps it in its own config file, not in the company's settings"})
			}
		}
	}
	c, more := Parse(src)
	ps = append(ps, more...)
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && lineLess(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

// topLine finds the line of a top-level key or table k (0 when not found).
func topLine(src string, k string) int {
	if n := lineOf(src, k); n > 0 {
		return n
	}
	re := regexp.MustCompile(`^\s*\[\[?\s*"?` + regexp.QuoteMeta(k) + `"?\s*[\].]`)
	for n, l := range strings.Split(src, "\n") {
		if re.MatchString(l) {
			return n + 1
		}
	}
	return 0
}

// WithCompany returns c with its company sections replaced by those of
// the company document doc (version v on the server): every one of them,
// set or not, so that a section the company leaves out takes the
// default, not this laptop's file. Personal settings stay c's.
func (c *Config) WithCompany(doc *Config, v uint64) *Config {
	out := *c
	out.Stages, out.Screening, out.ScreeningThreshold = doc.Stages, doc.Screening, doc.ScreeningThreshold
	out.ReturnVisitDays, out.Templates, out.Commission = doc.ReturnVisitDays, doc.Templates, doc.Commission
	out.Approval, out.Handoff = doc.Approval, doc.Handoff
	out.CompanyVersion, out.file = v, c
	if c.file != nil {
		out.file = c.file
	}
	for _, w := range doc.Warnings {
		out.Warnings = append(out.Warnings, fmt.Sprintf("company settings version %d: %s", v, w))
	}
	var ignored []string
	for _, s := range CompanySections {
		if c.sets(s) {
			ignored = append(ignored, s)
		}
	}
	if len(ignored) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("this file's %s %s not used while logged in: the server's company settings (version %d) are",
			strings.Join(ignored, ", "), plural(len(ignored), "is", "are"), v))
	}
	return &out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sets reports whether the config sets the company section s.
func (c *Config) sets(s string) bool {
	switch s {
	case "stages":
		return len(c.Stages) > 0
	case "screening":
		return len(c.Screening) > 0
	case "screening_threshold":
		return c.ScreeningThreshold != 0
	case "return_visit_days":
		return c.ReturnVisitDays != 0
	case "templates":
		return len(c.Templates) > 0
	case "commission":
		return !c.Commission.IsZero()
	case "approval":
		return !c.Approval.IsZero()
	case "handoff":
		return !c.Handoff.IsZero()
	}
	return false
}

// Sources says where each company section in force comes from: the
// server's settings (with their version), this file, or the defaults.
func (c *Config) Sources() map[string]string {
	out := map[string]string{}
	for _, s := range CompanySections {
		switch {
		case c.CompanyVersion > 0 && c.sets(s):
			out[s] = fmt.Sprintf("%s settings version %d", FromServer, c.CompanyVersion)
		case c.CompanyVersion > 0:
			out[s] = fmt.Sprintf("%s (the server's settings version %d set none)", FromDefault, c.CompanyVersion)
		case c.sets(s):
			out[s] = FromFile
		default:
			out[s] = FromDefault
		}
	}
	return out
}
