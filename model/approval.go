package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Approvals (审批): the company's leadership approves major
// customer-development projects before they are won. A rep asks with an
// Approval record on the lead, which carries the figures asked about;
// approvers append Decisions to it. Decisions are an append-only list, so
// two approvers deciding at once never conflict: both are kept, and the
// one with the greater stamp is the request's verdict on every replica.

// Decision verdicts.
const (
	Approved = "approved"
	Rejected = "rejected"
	Pending  = "pending" // a request's status before any decision
)

// Verdicts lists the verdicts a decision may give.
var Verdicts = []string{Approved, Rejected}

// Why a deal needs approval: the keys of ApprovalRules' rules.
const (
	ReasonValue    = "value"
	ReasonDiscount = "discount"
	ReasonChannel  = "channel"
)

// Approval is a request for approval of one deal.
type Approval struct {
	ID          string    `json:"id"`
	LeadID      string    `json:"lead_id"`
	RequestedBy string    `json:"requested_by" check:"name"`
	RequestedAt time.Time `json:"requested_at" check:"stamp"`
	// The deal's figures when asked: an approval covers a deal up to them
	// (Covers).
	Value       Money    `json:"value,omitzero"`
	DiscountPct int      `json:"discount_pct,omitempty"`
	Channel     string   `json:"channel,omitempty" check:"name"`
	Reasons     []string `json:"reasons,omitempty"`
	Note        string   `json:"note,omitempty" check:"multi"`
	// Decisions is append-only; the verdict is the newest's.
	Decisions []Decision `json:"decisions,omitempty" check:"append"`
	Deleted   bool       `json:"deleted,omitempty"`
}

// Decision is one approver's verdict on a request. Its ID is the id of
// the append op that adds it, as for every append-only entry.
type Decision struct {
	ID      string    `json:"id"`
	HLC     HLC       `json:"hlc"`
	Verdict string    `json:"verdict"`
	By      string    `json:"by" check:"name"`
	At      time.Time `json:"at" check:"stamp"`
	Note    string    `json:"note,omitempty" check:"multi"`
}

// Decision returns the decision in force: of those given, the one with
// the greatest stamp (ties broken by node, as every merge is), and
// whether there is one.
func (a *Approval) Decision() (Decision, bool) {
	var best Decision
	for _, d := range a.Decisions {
		if best.ID == "" || best.HLC.Compare(d.HLC) < 0 {
			best = d
		}
	}
	return best, best.ID != ""
}

// Status is pending until a decision is given, then its verdict.
func (a *Approval) Status() string {
	if d, ok := a.Decision(); ok {
		return d.Verdict
	}
	return Pending
}

// Covers reports whether an approved request covers lead l as it is now:
// the same lead, a value no higher than approved (in the same currency)
// and a discount no deeper. A deal that grew after approval needs asking
// again.
func (a *Approval) Covers(l *Lead) bool {
	if a.Deleted || a.LeadID != l.ID || a.Status() != Approved {
		return false
	}
	v := DealValue(l)
	if v.Amount > 0 && (currencyOf(v) != currencyOf(a.Value) || v.Amount > a.Value.Amount) {
		return false
	}
	return l.Negotiation.DiscountPct <= a.DiscountPct
}

func currencyOf(m Money) string {
	if m.Currency == "" {
		return DefaultCurrency
	}
	return m.Currency
}

// DealValue is what a deal is worth for approval: the contract's value
// once one is entered, else the estimate.
func DealValue(l *Lead) Money {
	if !l.Contract.Value.IsZero() {
		return l.Contract.Value
	}
	return l.Value
}

// Validate checks the request.
func (a *Approval) Validate() error {
	var es Errors
	a.validate(&es, time.Time{})
	return es.Err()
}

func (a *Approval) validate(es *Errors, latest time.Time) {
	if a.LeadID == "" {
		es.add("lead_id", "is required")
	}
	if a.RequestedBy == "" {
		es.add("requested_by", "is required")
	}
	if a.RequestedAt.IsZero() {
		es.add("requested_at", "is required")
	}
	if a.DiscountPct < 0 || a.DiscountPct > 100 {
		es.add("discount_pct", fmt.Sprintf("%d is not between 0 and 100", a.DiscountPct))
	}
	if a.Value.Amount < 0 {
		es.add("value", "cannot be negative")
	}
	for _, r := range a.Reasons {
		if !slices.Contains([]string{ReasonValue, ReasonDiscount, ReasonChannel}, r) {
			es.add("reasons", fmt.Sprintf("%q is not a reason (value, discount, channel)", r))
		}
	}
	for i, d := range a.Decisions {
		f := fmt.Sprintf("decisions[%d]", i)
		if !slices.Contains(Verdicts, d.Verdict) {
			es.add(f+".verdict", fmt.Sprintf("%q is not approved or rejected", d.Verdict))
		}
		if d.By == "" {
			es.add(f+".by", "is required")
		}
	}
	checkTyped(es, a, latest)
}

// ApprovalRules say which deals need approval before they are won, and
// who approves. The zero value needs none.
type ApprovalRules struct {
	// MinValue: a deal worth this or more needs approval; zero: no value
	// rule. A deal in another currency is compared by its amount alone
	// (fieldcrm keeps no exchange rates).
	MinValue Money `json:"min_value,omitzero"`
	// MaxDiscountPct: a discount above it needs approval; zero: no
	// discount rule.
	MaxDiscountPct int `json:"max_discount_pct,omitempty"`
	// Channels: any deal from one of these sources needs approval.
	Channels []string `json:"channels,omitempty"`
	// Approvers are the roles that may decide: leadership, and manager
	// when the company says so.
	Approvers []string `json:"approvers,omitempty"`
}

// DefaultApprovalRules: a deal of 1,000,000 CNY or more needs the
// approval of leadership.
func DefaultApprovalRules() ApprovalRules {
	return ApprovalRules{MinValue: Money{Amount: 1_000_000_00, Currency: DefaultCurrency}, Approvers: []string{"leadership"}}
}

// Needs returns why deal l needs approval before it is won: the rules'
// reasons it meets, none when it needs none.
func (r ApprovalRules) Needs(l *Lead) []string {
	var out []string
	if r.MinValue.Amount > 0 && DealValue(l).Amount >= r.MinValue.Amount {
		out = append(out, ReasonValue)
	}
	if r.MaxDiscountPct > 0 && l.Negotiation.DiscountPct > r.MaxDiscountPct {
		out = append(out, ReasonDiscount)
	}
	if l.Source != "" && slices.Contains(r.Channels, l.Source) {
		out = append(out, ReasonChannel)
	}
	return out
}

// MayDecide reports whether a user of role may approve or reject.
func (r ApprovalRules) MayDecide(role string) bool {
	approvers := r.Approvers
	if len(approvers) == 0 {
		approvers = []string{"leadership"}
	}
	return slices.Contains(approvers, role)
}

// Check says what is wrong with the rules, each problem naming its
// setting.
func (r ApprovalRules) Check() []FieldError {
	var out []FieldError
	if r.MinValue.Amount < 0 {
		out = append(out, FieldError{Field: "min_value", Problem: "cannot be negative"})
	}
	if r.MaxDiscountPct < 0 || r.MaxDiscountPct > 100 {
		out = append(out, FieldError{Field: "max_discount_pct", Problem: fmt.Sprintf("%d is not between 0 and 100", r.MaxDiscountPct)})
	}
	for _, c := range r.Channels {
		if _, ok := ChannelByKey(c); !ok {
			out = append(out, FieldError{Field: "channels", Problem: fmt.Sprintf("%q is not a channel (known: %s)", c, channelKeys())})
		}
	}
	for _, a := range r.Approvers {
		if a != "leadership" && a != "manager" {
			out = append(out, FieldError{Field: "approvers", Problem: fmt.Sprintf("%q cannot approve: approvers are leadership and manager", a)})
		}
	}
	return out
}

// ApprovalBlock says why lead l cannot be won yet under rules r, given
// the approval requests on it: the reasons it needs approval, and
// whether one of the requests covers it. A nil result lets it be won.
func ApprovalBlock(r ApprovalRules, l *Lead, requests []Approval) []string {
	reasons := r.Needs(l)
	if len(reasons) == 0 {
		return nil
	}
	for i := range requests {
		if requests[i].Covers(l) {
			return nil
		}
	}
	return reasons
}

// ApprovalError is the refusal of a move to won that needs approval.
type ApprovalError struct {
	Company string
	Reasons []string
}

func (e *ApprovalError) Error() string {
	return fmt.Sprintf("%s needs approval before it can be won (%s); ask with 'fieldcrm approval request' or a in the UI",
		e.Company, strings.Join(e.Reasons, ", "))
}
