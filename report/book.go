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
	Targets  []model.Target
}

// Act is one activity as the reports see it.
type Act struct {
	LeadID string
	Kind   string
	Author string
	At     time.Time
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
	err = tx.ActivityFacts(actFrom, actTo, func(f *store.ActivityFact) error {
		b.Acts = append(b.Acts, Act{LeadID: f.LeadID, Kind: f.Kind, Author: f.Author, At: f.At})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load activities: %w", err)
	}
	return b, nil
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
