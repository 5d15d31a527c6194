package config

import (
	"math"

	"github.com/fieldcrm/fieldcrm/model"
)

// defaultTemplates are the visit note templates per default stage, in
// English and Chinese: what to find out at that point of the process.
var defaultTemplates = map[string][2]string{
	"prospect": {
		"Company background:\nWho we met:\nCurrent supplier:\nNext step:",
		"公司背景：\n接触人：\n现有供应商：\n下一步：",
	},
	"qualified": {
		"Budget:\nDecision maker:\nNeed:\nTimeline:\nFit with our products:",
		"预算：\n决策人：\n需求：\n采购时间：\n与我方产品匹配度：",
	},
	"contacted": {
		"Needs raised:\nCustomer feedback:\nObjections:\nNext step:",
		"客户需求：\n客户反馈：\n顾虑与异议：\n下一步：",
	},
	"solution": {
		"Products:\nSupply plan:\nPricing:\nAfter-sales terms:\nTechnical questions:",
		"产品：\n供货计划：\n报价：\n售后条款：\n技术问题：",
	},
	"negotiation": {
		"Price discussed:\nDelivery date:\nPayment terms:\nService terms:\nOpen points:",
		"价格：\n交货日期：\n付款条件：\n服务条款：\n待定事项：",
	},
	"won": {
		"Return visit:\nSatisfaction:\nService needs (installation, maintenance, training):\nComplaints:",
		"回访情况：\n满意度：\n售后需求（安装调试、维修保养、培训）：\n投诉：",
	},
}

// Template returns the visit note template for a stage in lang: the
// file's, or the default for the default stages, or "".
func (c *Config) Template(stage, lang string) string {
	if t, ok := c.Templates[stage]; ok {
		return t
	}
	if t, ok := defaultTemplates[stage]; ok {
		if lang == "zh" {
			return t[1]
		}
		return t[0]
	}
	return ""
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
}

// Effective returns the configuration in force, for lang (templates).
func (c *Config) Effective(lang string) Effective {
	r := c.Rules()
	e := Effective{
		Path: c.Path, User: c.User, Lang: lang, TimeZone: c.TimeZone, Server: c.Server,
		ScreeningThreshold: r.ScreeningThreshold, ReturnVisitDays: r.ReturnVisitDays,
		Stages: r.Pipeline.Stages, Screening: r.Screening, Templates: c.EffectiveTemplates(lang),
		Keys: c.Keys, Commission: c.Commission,
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
