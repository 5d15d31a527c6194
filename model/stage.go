package model

import "fmt"

// Stage is one step of the sales pipeline.
type Stage struct {
	Key         string `json:"key" toml:"key"`
	LabelEN     string `json:"label_en" toml:"label_en"`
	LabelZH     string `json:"label_zh" toml:"label_zh"`
	Probability int    `json:"probability" toml:"probability"` // percent, 0..100
	RottingDays int    `json:"rotting_days" toml:"rotting_days"`
	// Terminal stages (won, lost) end the pipeline: leads there do not rot.
	Terminal bool `json:"terminal,omitempty" toml:"terminal"`
}

// Label returns the stage's label in lang ("zh" for Simplified Chinese,
// anything else for English).
func (s Stage) Label(lang string) string {
	if lang == "zh" && s.LabelZH != "" {
		return s.LabelZH
	}
	if s.LabelEN != "" {
		return s.LabelEN
	}
	return s.Key
}

// Well-known stage keys that rules depend on.
const (
	StageWon  = "won"
	StageLost = "lost"
)

// Pipeline is the ordered list of stages.
type Pipeline struct {
	Stages []Stage `json:"stages"`
}

// DefaultPipeline returns the stages of the customer-development process.
func DefaultPipeline() Pipeline {
	return Pipeline{Stages: []Stage{
		{Key: "prospect", LabelEN: "Prospect", LabelZH: "潜在客户", Probability: 5, RottingDays: 30},
		{Key: "qualified", LabelEN: "Qualified", LabelZH: "已筛选", Probability: 15, RottingDays: 21},
		{Key: "contacted", LabelEN: "Contacted", LabelZH: "接触沟通", Probability: 30, RottingDays: 14},
		{Key: "solution", LabelEN: "Solution", LabelZH: "方案设计", Probability: 50, RottingDays: 21},
		{Key: "negotiation", LabelEN: "Negotiation", LabelZH: "商务洽谈", Probability: 75, RottingDays: 14},
		{Key: StageWon, LabelEN: "Won", LabelZH: "签约", Probability: 100, Terminal: true},
		{Key: StageLost, LabelEN: "Lost", LabelZH: "流失", Probability: 0, Terminal: true},
	}}
}

// Index returns the position of the stage with key, or -1.
func (p Pipeline) Index(key string) int {
	for i, s := range p.Stages {
		if s.Key == key {
			return i
		}
	}
	return -1
}

// Stage returns the stage with key and whether it exists.
func (p Pipeline) Stage(key string) (Stage, bool) {
	if i := p.Index(key); i >= 0 {
		return p.Stages[i], true
	}
	return Stage{}, false
}

// Keys returns the stage keys in order.
func (p Pipeline) Keys() []string {
	keys := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		keys[i] = s.Key
	}
	return keys
}

// CheckStage returns a validation error when key is not a stage of p.
func (p Pipeline) CheckStage(key string) error {
	if p.Index(key) < 0 {
		return &FieldError{Field: "stage", Problem: fmt.Sprintf("%q is not a stage (known: %v)", key, p.Keys())}
	}
	return nil
}

// Validate checks that the pipeline is usable: stages exist, keys are
// unique and non-empty, probabilities are percentages.
func (p Pipeline) Validate() error {
	if len(p.Stages) == 0 {
		return &FieldError{Field: "stages", Problem: "the pipeline needs at least one stage"}
	}
	seen := map[string]bool{}
	for i, s := range p.Stages {
		field := fmt.Sprintf("stages[%d]", i)
		switch {
		case s.Key == "":
			return &FieldError{Field: field + ".key", Problem: "is empty"}
		case seen[s.Key]:
			return &FieldError{Field: field + ".key", Problem: fmt.Sprintf("%q appears twice", s.Key)}
		case s.Probability < 0 || s.Probability > 100:
			return &FieldError{Field: field + ".probability", Problem: fmt.Sprintf("%d is not between 0 and 100", s.Probability)}
		case s.RottingDays < 0:
			return &FieldError{Field: field + ".rotting_days", Problem: "is negative"}
		}
		seen[s.Key] = true
	}
	return nil
}

// Channels are the lead sources of domain.md, in display order.
var Channels = []Channel{
	{"trade_show", "Trade show", "行业展会"},
	{"web", "Web", "网络平台"},
	{"referral", "Referral", "客户推荐"},
	{"market_research", "Market research", "市场调研"},
	{"cold_call", "Cold call", "陌生拜访"},
	{"other", "Other", "其他"},
}

// Channel is a source of leads.
type Channel struct{ Key, LabelEN, LabelZH string }

// Label returns the channel's label in lang ("zh" for Simplified Chinese,
// anything else for English).
func (c Channel) Label(lang string) string {
	if lang == "zh" && c.LabelZH != "" {
		return c.LabelZH
	}
	if c.LabelEN != "" {
		return c.LabelEN
	}
	return c.Key
}

// LabelIn returns the label in lang of the entry of list with key (a
// source, a lost reason, an activity kind), or key itself when list has
// none.
func LabelIn(list []Channel, key, lang string) string {
	for _, c := range list {
		if c.Key == key {
			return c.Label(lang)
		}
	}
	return key
}

// ChannelByKey returns the channel with key.
func ChannelByKey(key string) (Channel, bool) {
	for _, c := range Channels {
		if c.Key == key {
			return c, true
		}
	}
	return Channel{}, false
}

// LostReasons are the default reasons a lead is lost.
var LostReasons = []Channel{
	{"price", "Price", "价格"},
	{"competitor", "Competitor", "竞争对手"},
	{"no_budget", "No budget", "无预算"},
	{"no_response", "No response", "无回应"},
	{"other", "Other", "其他"},
}

// ScreeningCriterion is one item of the screening checklist.
type ScreeningCriterion struct {
	Key     string `json:"key" toml:"key"`
	LabelEN string `json:"label_en" toml:"label_en"`
	LabelZH string `json:"label_zh" toml:"label_zh"`
}

// DefaultScreening is the common B2B checklist of domain.md.
func DefaultScreening() []ScreeningCriterion {
	return []ScreeningCriterion{
		{"budget", "Budget known", "预算明确"},
		{"decision_maker", "Decision maker identified", "决策人已确认"},
		{"need", "Concrete need", "需求明确"},
		{"timeline", "Timeline within a year", "一年内有采购计划"},
		{"fit", "Fits our products", "符合我方产品"},
	}
}

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

// DefaultTemplate returns the default visit note template of a stage in
// lang ("zh" for Chinese), or "" for a stage without one.
func DefaultTemplate(stage, lang string) string {
	t, ok := defaultTemplates[stage]
	switch {
	case !ok:
		return ""
	case lang == "zh":
		return t[1]
	}
	return t[0]
}
