package model

import (
	"fmt"
	"strings"
	"time"
)

// Limits on free text, generous for real use and small enough that one bad
// paste cannot bloat every sync.
const (
	MaxNameLen  = 200     // company, contact, city: bytes
	MaxTextLen  = 4 << 10 // short free-text fields: bytes
	MaxNotesLen = 1 << 20 // activity notes: bytes
	MaxTags     = 50
)

// Contact is a person at a lead's company.
type Contact struct {
	Name  string `json:"name" check:"name"`
	Title string `json:"title,omitempty" check:"name"`
	Phone string `json:"phone,omitempty" check:"name"`
	Email string `json:"email,omitempty" check:"name"`
	Notes string `json:"notes,omitempty" check:"multi"`
}

// Solution is what was designed with technical support for the customer.
type Solution struct {
	Products   string `json:"products,omitempty" check:"multi"`
	SupplyPlan string `json:"supply_plan,omitempty" check:"multi"`
	Pricing    string `json:"pricing,omitempty" check:"multi"`
	AfterSales string `json:"after_sales,omitempty" check:"multi"`
}

// IsZero reports whether nothing of the solution is filled.
func (s Solution) IsZero() bool { return s == Solution{} }

// Negotiation holds the commercial terms under discussion.
type Negotiation struct {
	Price        string `json:"price,omitempty" check:"multi"`
	DeliveryDate string `json:"delivery_date,omitempty" check:"multi"`
	PaymentTerms string `json:"payment_terms,omitempty" check:"multi"`
	ServiceTerms string `json:"service_terms,omitempty" check:"multi"`
	// DiscountPct is the discount off list price offered, in whole
	// percent (0 to 100): approval rules may ask leadership above a limit.
	DiscountPct int `json:"discount_pct,omitempty"`
}

// IsZero reports whether nothing of the negotiation is filled.
func (n Negotiation) IsZero() bool { return n == Negotiation{} }

// Contract is the signed deal.
type Contract struct {
	Number   string `json:"number,omitempty" check:"name"`
	SignedOn Date   `json:"signed_on,omitzero"`
	Value    Money  `json:"value,omitzero"`
}

// IsZero reports whether nothing of the contract is filled.
func (c Contract) IsZero() bool { return c == Contract{} }

// StageEntry records that a lead entered a stage at a time. The lead's
// stage log is append-only, so concurrent moves on two devices both stay
// in the history (reports need every stage change with its time).
type StageEntry struct {
	ID    string    `json:"id"`
	HLC   HLC       `json:"hlc"`
	Stage string    `json:"stage"`
	At    time.Time `json:"at" check:"stamp"`
	By    string    `json:"by,omitempty" check:"name"`
}

// Lead is a prospective or won customer account.
type Lead struct {
	ID             string            `json:"id"`
	Company        string            `json:"company" check:"name"`
	Contacts       []Contact         `json:"contacts,omitempty"`
	Region         string            `json:"region,omitempty" check:"name"`
	City           string            `json:"city,omitempty" check:"name"`
	Address        string            `json:"address,omitempty" check:"multi"`
	Industry       string            `json:"industry,omitempty" check:"name"`
	Source         string            `json:"source,omitempty"`
	Screening      map[string]bool   `json:"screening,omitempty"`
	Stage          string            `json:"stage"`
	StageEnteredAt time.Time         `json:"stage_entered_at" check:"stamp"`
	StageLog       []StageEntry      `json:"stage_log,omitempty" check:"append"`
	Value          Money             `json:"value,omitzero"`
	Probability    *int              `json:"probability,omitempty"` // nil: the stage's default
	ExpectedClose  Date              `json:"expected_close,omitzero"`
	Products       []string          `json:"products,omitempty"`
	Solution       Solution          `json:"solution,omitzero"`
	Negotiation    Negotiation       `json:"negotiation,omitzero"`
	Contract       Contract          `json:"contract,omitzero"`
	LostReason     string            `json:"lost_reason,omitempty" check:"multi"`
	Owner          string            `json:"owner,omitempty" check:"name"`
	Assignees      []string          `json:"assignees,omitempty"`
	Tags           []string          `json:"tags,omitempty"`
	Custom         map[string]string `json:"custom,omitempty" check:"multi"`
	CreatedAt      time.Time         `json:"created_at" check:"stamp"`
	UpdatedAt      time.Time         `json:"updated_at" check:"stamp"`
	Deleted        bool              `json:"deleted,omitempty"`
	// DeletedAt is when the lead went to the trash (zero for a lead
	// deleted before there was a trash); a restore sets Deleted false.
	DeletedAt time.Time `json:"deleted_at,omitzero" check:"stamp"`
}

// MainContact returns the first contact, the one shown on cards.
func (l *Lead) MainContact() Contact {
	if len(l.Contacts) == 0 {
		return Contact{}
	}
	return l.Contacts[0]
}

// EffectiveProbability is the lead's own probability or its stage's default.
func (l *Lead) EffectiveProbability(p Pipeline) int {
	if l.Probability != nil {
		return *l.Probability
	}
	if s, ok := p.Stage(l.Stage); ok {
		return s.Probability
	}
	return 0
}

// Validate checks a lead against the pipeline and returns every problem,
// each naming its field.
func (l *Lead) Validate(p Pipeline) error {
	var es Errors
	l.validate(&es, p, time.Time{})
	return es.Err()
}

// validate adds the lead's problems to es; times marked as stamps
// must not be after latest (zero: no bound).
func (l *Lead) validate(es *Errors, p Pipeline, latest time.Time) {
	if strings.TrimSpace(l.Company) == "" {
		es.add("company", "is required")
	}
	checkTyped(es, l, latest)
	if err := p.CheckStage(l.Stage); err != nil {
		es.add("stage", err.(*FieldError).Problem)
	}
	if l.Source != "" {
		if _, ok := ChannelByKey(l.Source); !ok {
			es.add("source", fmt.Sprintf("%q is not a channel (known: %s)", l.Source, channelKeys()))
		}
	}
	if l.Probability != nil && (*l.Probability < 0 || *l.Probability > 100) {
		es.add("probability", fmt.Sprintf("%d is not between 0 and 100", *l.Probability))
	}
	for i, c := range l.Contacts {
		f := fmt.Sprintf("contacts[%d]", i)
		if strings.TrimSpace(c.Name) == "" && c.Phone == "" && c.Email == "" {
			es.add(f, "needs a name, a phone or an e-mail")
		}
		if c.Email != "" && !looksLikeEmail(c.Email) {
			es.add(f+".email", fmt.Sprintf("%q is not an e-mail address", c.Email))
		}
		if c.Phone != "" && !looksLikePhone(c.Phone) {
			es.add(f+".phone", fmt.Sprintf("%q is not a phone number", c.Phone))
		}
	}
	if len(l.Tags) > MaxTags {
		es.add("tags", fmt.Sprintf("has %d tags; at most %d", len(l.Tags), MaxTags))
	}
	if d := l.Negotiation.DiscountPct; d < 0 || d > 100 {
		es.add("negotiation.discount_pct", fmt.Sprintf("%d is not between 0 and 100", d))
	}
	if l.Stage == StageLost && l.LostReason == "" {
		es.add("lost_reason", "is required when the lead is lost")
	}
}

func channelKeys() string {
	keys := make([]string, len(Channels))
	for i, c := range Channels {
		keys[i] = c.Key
	}
	return strings.Join(keys, ", ")
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\n") && strings.Count(s, "@") == 1
}

func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .ext#", r):
		default:
			return false
		}
	}
	return digits >= 3 && digits <= 20
}
