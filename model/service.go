package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Service orders (售后服务): after-sales installs, commissions, maintains,
// repairs and trains once a contract is signed. Winning a lead creates the
// hand-off work the company's settings name (Handoff): service orders for
// after-sales and a task for technical support, each assigned to a user
// or to their role's queue, which every user of the role sees.

// Service order kinds.
const (
	ServiceInstall       = "install"
	ServiceCommissioning = "commissioning"
	ServiceMaintenance   = "maintenance"
	ServiceRepair        = "repair"
	ServiceTraining      = "training"
)

// ServiceKinds lists the kinds in display order.
var ServiceKinds = []string{ServiceInstall, ServiceCommissioning, ServiceMaintenance, ServiceRepair, ServiceTraining}

// Service order statuses. Open and scheduled are open work; done and
// cancelled end it.
const (
	ServiceOpen      = "open"
	ServiceScheduled = "scheduled"
	ServiceDone      = "done"
	ServiceCancelled = "cancelled"
)

// ServiceStatuses lists the statuses in order.
var ServiceStatuses = []string{ServiceOpen, ServiceScheduled, ServiceDone, ServiceCancelled}

// Queues: work assigned to a role rather than a person. A service order
// or task whose Assignee is empty and whose Queue names a role is seen by
// every user of that role. The server's visibility index names a queue
// as QueueName(role), which no user name can be (user names have no @).
const (
	QueueAftersales = "aftersales"
	QueueSupport    = "support"
)

// QueueName is the name a queue goes by where users' names go.
func QueueName(role string) string { return "@" + role }

// ServiceOrder is one piece of after-sales work on a won account.
type ServiceOrder struct {
	ID     string `json:"id"`
	LeadID string `json:"lead_id"`
	Kind   string `json:"kind"`
	// Assignee is the after-sales user doing it; empty: the after-sales
	// queue.
	Assignee string `json:"assignee,omitempty" check:"name"`
	Due      Date   `json:"due,omitzero"`
	Status   string `json:"status"`
	// The contract it comes from, as handed off when the lead was won.
	Contract Contract `json:"contract,omitzero"`
	Terms    string   `json:"terms,omitempty" check:"multi"`
	// Notes are the visit notes; SignedOffBy is the customer's person who
	// signed the work off, at SignedOffAt.
	Notes       string    `json:"notes,omitempty" check:"multi"`
	SignedOffBy string    `json:"signed_off_by,omitempty" check:"name"`
	SignedOffAt time.Time `json:"signed_off_at,omitzero" check:"stamp"`
	CreatedBy   string    `json:"created_by,omitempty" check:"name"`
	CreatedAt   time.Time `json:"created_at" check:"stamp"`
	UpdatedAt   time.Time `json:"updated_at,omitzero" check:"stamp"`
	DoneAt      time.Time `json:"done_at,omitzero" check:"stamp"`
	Deleted     bool      `json:"deleted,omitempty"`
}

// IsOpen reports whether the work is still to do.
func (s *ServiceOrder) IsOpen() bool {
	return !s.Deleted && (s.Status == ServiceOpen || s.Status == ServiceScheduled)
}

// Queue is the queue an unassigned order waits in ("" when assigned).
func (s *ServiceOrder) Queue() string {
	if s.Assignee == "" {
		return QueueAftersales
	}
	return ""
}

// Validate checks the order.
func (s *ServiceOrder) Validate() error {
	var es Errors
	s.validate(&es, time.Time{})
	return es.Err()
}

func (s *ServiceOrder) validate(es *Errors, latest time.Time) {
	if s.LeadID == "" {
		es.add("lead_id", "is required")
	}
	if !slices.Contains(ServiceKinds, s.Kind) {
		es.add("kind", fmt.Sprintf("%q is not a kind of service (%s)", s.Kind, strings.Join(ServiceKinds, ", ")))
	}
	if !slices.Contains(ServiceStatuses, s.Status) {
		es.add("status", fmt.Sprintf("%q is not a status (%s)", s.Status, strings.Join(ServiceStatuses, ", ")))
	}
	if s.CreatedAt.IsZero() {
		es.add("created_at", "is required")
	}
	if strings.HasPrefix(s.Assignee, "@") {
		es.add("assignee", "names a user; leave it empty for the after-sales queue")
	}
	checkTyped(es, s, latest)
}

// HandoffRules say what winning a lead hands on (合同签订后,及时将合同信息
// 传递给相关部门): service orders of the Services kinds for after-sales,
// due ServiceDueDays after the win, and, with SupportTask, a task for
// technical support. An empty assignee is the role's queue.
type HandoffRules struct {
	Services        []string `json:"services,omitempty"`
	ServiceAssignee string   `json:"service_assignee,omitempty"`
	ServiceDueDays  int      `json:"service_due_days,omitempty"`
	SupportTask     bool     `json:"support_task,omitempty"`
	SupportAssignee string   `json:"support_assignee,omitempty"`
}

// DefaultHandoff: installation and commissioning for the after-sales
// queue within 14 days, and a task for the support queue.
func DefaultHandoff() HandoffRules {
	return HandoffRules{Services: []string{ServiceInstall, ServiceCommissioning}, ServiceDueDays: 14, SupportTask: true}
}

// Check says what is wrong with the rules.
func (h HandoffRules) Check() []FieldError {
	var out []FieldError
	for _, k := range h.Services {
		if !slices.Contains(ServiceKinds, k) {
			out = append(out, FieldError{Field: "services", Problem: fmt.Sprintf("%q is not a kind of service (%s)", k, strings.Join(ServiceKinds, ", "))})
		}
	}
	if h.ServiceDueDays < 0 || h.ServiceDueDays > 366 {
		out = append(out, FieldError{Field: "service_due_days", Problem: fmt.Sprintf("%d is not between 0 and 366", h.ServiceDueDays)})
	}
	for f, v := range map[string]string{"service_assignee": h.ServiceAssignee, "support_assignee": h.SupportAssignee} {
		if strings.ContainsAny(v, "@ \t\n") {
			out = append(out, FieldError{Field: f, Problem: fmt.Sprintf("%q is not a user name", v)})
		}
	}
	return out
}

// Handoff is the work winning lead l hands on under rules h: its service
// orders and its support task, without ids (the caller gives them), made
// by user at now, due from today.
func (h HandoffRules) Handoff(l *Lead, user string, now time.Time, today Date) ([]ServiceOrder, *Task) {
	due := today.AddDays(h.ServiceDueDays)
	terms := l.Negotiation.ServiceTerms
	if terms == "" {
		terms = l.Solution.AfterSales
	}
	var orders []ServiceOrder
	for _, k := range h.Services {
		orders = append(orders, ServiceOrder{LeadID: l.ID, Kind: k, Assignee: h.ServiceAssignee, Due: due,
			Status: ServiceOpen, Contract: l.Contract, Terms: terms, CreatedBy: user, CreatedAt: now})
	}
	if !h.SupportTask {
		return orders, nil
	}
	t := &Task{LeadID: l.ID, Due: today.AddDays(min(h.ServiceDueDays, NextStepDays)), Assignee: h.SupportAssignee,
		Action: HandoffAction(l), CreatedAt: now}
	if t.Assignee == "" {
		t.Queue = QueueSupport
	}
	return orders, t
}

// HandoffAction is the support task's text: the contract's number, date,
// value and terms, in one line each.
func HandoffAction(l *Lead) string {
	lines := []string{"Contract signed: hand-off to technical support / 合同已签订:转交技术支持"}
	c := l.Contract
	if c.Number != "" {
		lines = append(lines, "No. / 编号: "+c.Number)
	}
	if !c.SignedOn.IsZero() {
		lines = append(lines, "Signed / 签订: "+c.SignedOn.String())
	}
	if v := DealValue(l); !v.IsZero() {
		lines = append(lines, "Value / 金额: "+v.String())
	}
	for _, t := range []string{l.Negotiation.ServiceTerms, l.Negotiation.PaymentTerms, l.Solution.AfterSales} {
		if t != "" {
			lines = append(lines, "Terms / 条款: "+t)
		}
	}
	return strings.Join(lines, "\n")
}
