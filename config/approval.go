package config

import (
	"fmt"
	"math"

	"github.com/fieldcrm/fieldcrm/model"
)

// Approval is the [approval] section: which deals need leadership's
// approval before they are won (审批重大客户开发项目). A setting left out
// keeps the default (model.DefaultApprovalRules); min_value = 0 turns the
// value rule off.
type Approval struct {
	// MinValue is in the currency's major unit (1000000 for ¥1,000,000).
	MinValue       *float64 `toml:"min_value,omitempty" json:"min_value,omitempty"`
	Currency       string   `toml:"currency,omitempty" json:"currency,omitempty"`
	MaxDiscountPct int      `toml:"max_discount_pct,omitempty" json:"max_discount_pct,omitempty"`
	Channels       []string `toml:"channels,omitempty" json:"channels,omitempty"`
	Approvers      []string `toml:"approvers,omitempty" json:"approvers,omitempty"`
}

// IsZero reports whether the section sets nothing.
func (a Approval) IsZero() bool {
	return a.MinValue == nil && a.Currency == "" && a.MaxDiscountPct == 0 && len(a.Channels) == 0 && len(a.Approvers) == 0
}

// Rules are the approval rules the section sets over the defaults.
func (a Approval) Rules() model.ApprovalRules {
	r := model.DefaultApprovalRules()
	if a.MinValue != nil {
		r.MinValue.Amount = int64(math.Round(*a.MinValue * 100))
	}
	if a.Currency != "" {
		r.MinValue.Currency = a.Currency
	}
	r.MaxDiscountPct = a.MaxDiscountPct
	r.Channels = a.Channels
	if len(a.Approvers) > 0 {
		r.Approvers = a.Approvers
	}
	return r
}

func (a Approval) check(add func(string, ...any)) {
	if v := a.MinValue; v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0) || *v > 1e15) {
		add("give a value of 0 (no value rule) or more, in the currency's major unit", "approval", "min_value")
	}
	if m, err := model.ParseMoney("1 " + a.Currency); a.Currency != "" && (err != nil || m.Currency != a.Currency) {
		add(fmt.Sprintf("%q is not a currency code like CNY or USD", a.Currency), "approval", "currency")
	}
	for _, p := range a.Rules().Check() {
		add(p.Problem, "approval", p.Field)
	}
}

// Handoff is the [handoff] section: what winning a lead hands on to
// after-sales and technical support (合同签订后,及时将合同信息传递给相关部门).
// A setting left out keeps the default (model.DefaultHandoff); services =
// [] creates no service orders, support_task = false no support task.
type Handoff struct {
	Services        *[]string `toml:"services,omitempty" json:"services,omitempty"`
	ServiceAssignee string    `toml:"service_assignee,omitempty" json:"service_assignee,omitempty"`
	ServiceDueDays  *int      `toml:"service_due_days,omitempty" json:"service_due_days,omitempty"`
	SupportTask     *bool     `toml:"support_task,omitempty" json:"support_task,omitempty"`
	SupportAssignee string    `toml:"support_assignee,omitempty" json:"support_assignee,omitempty"`
}

// IsZero reports whether the section sets nothing.
func (h Handoff) IsZero() bool {
	return h.Services == nil && h.ServiceAssignee == "" && h.ServiceDueDays == nil && h.SupportTask == nil && h.SupportAssignee == ""
}

// Rules are the hand-off rules the section sets over the defaults.
func (h Handoff) Rules() model.HandoffRules {
	r := model.DefaultHandoff()
	if h.Services != nil {
		r.Services = *h.Services
	}
	if h.ServiceDueDays != nil {
		r.ServiceDueDays = *h.ServiceDueDays
	}
	if h.SupportTask != nil {
		r.SupportTask = *h.SupportTask
	}
	r.ServiceAssignee, r.SupportAssignee = h.ServiceAssignee, h.SupportAssignee
	return r
}

func (h Handoff) check(add func(string, ...any)) {
	for _, p := range h.Rules().Check() {
		add(p.Problem, "handoff", p.Field)
	}
}
