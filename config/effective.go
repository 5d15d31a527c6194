package config

import (
	"math"

	"github.com/fieldcrm/fieldcrm/model"
)

// Template returns the visit note template for a stage in lang: the
// file's, or the default for the default stages, or "".
func (c *Config) Template(stage, lang string) string {
	if t, ok := c.Templates[stage]; ok {
		return t
	}
	return model.DefaultTemplate(stage, lang)
}

// EffectiveTemplates returns the template of every stage of the pipeline in lang
// (stages without one are left out).
func (c *Config) EffectiveTemplates(lang string) map[string]string {
	out := map[string]string{}
	for _, s := range c.Rules().Pipeline.Stages {
		if t := c.Template(s.Key, lang); t != "" {
			out[s.Key] = t
		}
	}
	return out
}

// MinorTier is a commission tier with its threshold in minor units.
type MinorTier struct {
	From int64
	Rate float64
}

// MinorTiers returns the tiers with thresholds in minor units (fen).
func (c Commission) MinorTiers() []MinorTier {
	out := make([]MinorTier, len(c.Tiers))
	for i, t := range c.Tiers {
		out[i] = MinorTier{From: int64(math.Round(t.From * 100)), Rate: t.Rate}
	}
	return out
}

// Effective is the whole configuration in force, defaults filled in, as
// `fieldcrm config show` prints it. The token is never shown.
type Effective struct {
	Path               string                     `toml:"-" json:"path"`
	User               string                     `toml:"user" json:"user"`
	Lang               string                     `toml:"lang" json:"lang"`
	TimeZone           string                     `toml:"time_zone" json:"time_zone"`
	Server             string                     `toml:"server" json:"server"`
	Token              string                     `toml:"token" json:"token"`
	ScreeningThreshold int                        `toml:"screening_threshold" json:"screening_threshold"`
	ReturnVisitDays    int                        `toml:"return_visit_days" json:"return_visit_days"`
	Stages             []model.Stage              `toml:"stages" json:"stages"`
	Screening          []model.ScreeningCriterion `toml:"screening" json:"screening"`
	Templates          map[string]string          `toml:"templates" json:"templates"`
	Keys               map[string][]string        `toml:"keys" json:"keys"`
	Commission         Commission                 `toml:"commission" json:"commission"`
	// Sources says where each company section comes from (Config.Sources).
	Sources map[string]string `toml:"-" json:"sources"`
}

// Effective returns the configuration in force, for lang (templates).
func (c *Config) Effective(lang string) Effective {
	r := c.Rules()
	e := Effective{
		Path: c.Path, User: c.User, Lang: lang, TimeZone: c.TimeZone, Server: c.Server,
		ScreeningThreshold: r.ScreeningThreshold, ReturnVisitDays: r.ReturnVisitDays,
		Stages: r.Pipeline.Stages, Screening: r.Screening, Templates: c.EffectiveTemplates(lang),
		Keys: c.Keys, Commission: c.Commission, Sources: c.Sources(),
	}
	if e.TimeZone == "" && r.Location != nil {
		e.TimeZone = r.Location.String()
	}
	if c.Token != "" {
		e.Token = "(set, not shown)"
	}
	if e.Keys == nil {
		e.Keys = map[string][]string{}
	}
	return e
}
