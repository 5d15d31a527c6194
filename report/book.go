package report

import (
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Book is what the reports read: every lead's card (with its stage
// history), the activities of the period and the targets.
type Book struct {
	Now      time.Time
	Loc      *time.Location
	Pipeline model.Pipeline
	Leads    []store.Card
	Acts     []Act
	// Reps are the activities' authors; Act.Rep indexes them.
	Reps    []string
	Targets []model.Target
	// Approvals (every request) and Services (the open orders) are read
	// only for the reports that show them (Make).
	Approvals []model.Approval
	Services  []model.ServiceOrder
}

// Act is one activity as the reports see it: 16 bytes, so a year of a
// team's activities loads in milliseconds.
type Act struct {
	At   int64 // Unix milliseconds
	Rep  int32 // index into Book.Reps
	Kind uint8 // one of the act* kinds
}

// Kinds of touch the activity report counts apart.
const (
	actOther uint8 = iota
	actVisit
	actCall
	actMeeting // meetings and demos
)

func actKind(kind []byte) uint8 {
	switch string(kind) {
	case model.KindVisit:
		return actVisit
	case model.KindCall:
		return actCall
	case model.KindMeeting, model.KindDemo:
		return actMeeting
	}
	return actOther
}

// Load reads the book from tx: all cards and targets, and the activities
// started in [actFrom, actTo) (zero bounds: all).
func Load(tx *store.Tx, actFrom, actTo time.Time) (*Book, error) {
	r := tx.Rules()
	b := &Book{Now: tx.Now(), Loc: r.Location, Pipeline: r.Pipeline}
	if b.Loc == nil {
		b.Loc = time.Local
	}
	var err error
	if b.Leads, err = tx.Cards(); err != nil {
		return nil, fmt.Errorf("load leads: %w", err)
	}
	if b.Targets, err = tx.Targets(); err != nil {
		return nil, fmt.Errorf("load targets: %w", err)
	}
	reps := map[string]int32{}
	b.Acts = make([]Act, 0, 1024)
	err = tx.ActivityFacts(actFrom, actTo, func(f *store.ActivityFact) error {
		rep, ok := reps[string(f.Author)]
		if !ok {
			rep = int32(len(b.Reps))
			b.Reps = append(b.Reps, string(f.Author))
			reps[b.Reps[rep]] = rep
		}
		b.Acts = append(b.Acts, Act{At: f.At.UnixMilli(), Rep: rep, Kind: actKind(f.Kind)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load activities: %w", err)
	}
	return b, nil
}

// loadFor reads what report kind needs besides what Load reads: every
// approval request for the approvals, the open service orders for the
// service work. The other reports read neither.
func (b *Book) loadFor(tx *store.Tx, kind string) error {
	var err error
	switch kind {
	case "approvals":
		if b.Approvals, err = tx.Approvals(false); err != nil {
			return fmt.Errorf("load approval requests: %w", err)
		}
	case "service":
		if b.Services, err = tx.Services(true); err != nil {
			return fmt.Errorf("load service orders: %w", err)
		}
	}
	return nil
}

// Scope says whose figures: one rep, or the whole team when User is empty.
type Scope struct {
	User string
}

func (s Scope) has(user string) bool { return s.User == "" || s.User == user }

// today is the book's calendar day.
func (b *Book) today() model.Date { return model.Today(b.Now, b.Loc) }

func (b *Book) day(t time.Time) model.Date { return model.DateOf(t.In(b.Loc)) }

// wonDay is the day a won lead was won.
func (b *Book) wonDay(c *store.Card) model.Date {
	if !c.SignedOn.IsZero() {
		return c.SignedOn
	}
	return b.day(c.StageEnteredAt)
}

// stageKnown reports whether the pipeline has the stage.
func (b *Book) stageKnown(key string) bool { return b.Pipeline.Index(key) >= 0 }

// isOpen reports whether a lead is still being worked: not won, not lost,
// not in another terminal stage. Leads in unknown stages are open.
func (b *Book) isOpen(c *store.Card) bool {
	if c.Stage == model.StageWon || c.Stage == model.StageLost {
		return false
	}
	if s, ok := b.Pipeline.Stage(c.Stage); ok && s.Terminal {
		return false
	}
	return true
}

// stages returns the lead's stage history; a lead without one (written
// before the history was kept) has its current stage since it entered it.
func stages(c *store.Card) []store.CardStage {
	if len(c.Stages) > 0 {
		return c.Stages
	}
	return []store.CardStage{{Stage: c.Stage, At: c.StageEnteredAt}}
}

// currency is the currency most of the book's values are in.
func (b *Book) currency() string {
	counts := map[string]int{}
	best, n := model.DefaultCurrency, 0
	for i := range b.Leads {
		c := b.Leads[i].Currency
		if c == "" {
			continue
		}
		counts[c]++
		if counts[c] > n {
			best, n = c, counts[c]
		}
		if i > 200 {
			break
		}
	}
	return best
}
