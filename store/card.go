package store

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Card is what the board and the daily review need of a lead, kept in its
// own bucket in a compact binary form so that loading every card of a
// large book costs milliseconds. It is derived data: rebuilt from the
// lead, its newest activity and its next open task.
type Card struct {
	ID             string
	Company        string
	Contact        string
	City           string
	Stage          string
	Owner          string
	Source         string
	Tags           []string
	Value          int64
	Currency       string
	Probability    int // -1: the stage's default
	StageEnteredAt time.Time
	LastActivity   time.Time // zero: none yet
	UpdatedAt      time.Time
	CreatedAt      time.Time
	ExpectedClose  model.Date
	NextDue        model.Date // zero: no open follow-up
	NextAction     string
	NextTaskID     string
	// For reports (card version 2): why a lost lead was lost, the day a
	// won lead's contract was signed, and every stage the lead entered,
	// oldest first.
	LostReason string
	SignedOn   model.Date
	Stages     []CardStage
}

// CardStage is one entry of a card's stage history.
type CardStage struct {
	Stage string
	At    time.Time
}

// LastTouch is the newest of the last activity and the stage change.
func (c *Card) LastTouch() time.Time { return model.LastTouch(c.StageEnteredAt, c.LastActivity) }

// EffectiveProbability is the lead's own probability or its stage default.
func (c *Card) EffectiveProbability(p model.Pipeline) int {
	if c.Probability >= 0 {
		return c.Probability
	}
	if s, ok := p.Stage(c.Stage); ok {
		return s.Probability
	}
	return 0
}

// RottingDays is how many days past its stage's limit the lead is.
func (c *Card) RottingDays(p model.Pipeline, now time.Time) int {
	st, ok := p.Stage(c.Stage)
	if !ok {
		return 0
	}
	return model.RottingDays(st, c.LastTouch(), now)
}

// touchKey is the card's entry in the touch index: stage|last touch|lead
// id, the time as 8 big-endian bytes with the sign bit flipped, so the
// leads of a stage sort by last touch (none first, at the zero instant),
// and the id packed (appendID).
func touchKey(c *Card) []byte {
	k := make([]byte, 0, len(c.Stage)+1+8+17)
	k = append(k, c.Stage...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, touchNum(c.LastTouch()))
	return appendID(k, c.ID)
}

func touchNum(t time.Time) uint64 { return uint64(unixMilli(t)) ^ 1<<63 }

func cardFromLead(l *model.Lead) Card {
	c := Card{
		ID: l.ID, Company: l.Company, Contact: l.MainContact().Name, City: l.City,
		Stage: l.Stage, Owner: l.Owner, Source: l.Source, Tags: l.Tags,
		Value: l.Value.Amount, Currency: l.Value.Currency, Probability: -1,
		StageEnteredAt: l.StageEnteredAt, UpdatedAt: l.UpdatedAt, CreatedAt: l.CreatedAt,
		ExpectedClose: l.ExpectedClose,
	}
	if c.Contact == "" && len(l.Contacts) > 0 {
		c.Contact = l.Contacts[0].Phone
	}
	if l.Probability != nil {
		c.Probability = *l.Probability
	}
	if l.Stage == model.StageWon && !l.Contract.Value.IsZero() {
		c.Value, c.Currency = l.Contract.Value.Amount, l.Contract.Value.Currency
	}
	c.LostReason, c.SignedOn = l.LostReason, l.Contract.SignedOn
	c.Stages = cardStages(l.StageLog)
	return c
}

const cardVersion = 2

func (c *Card) marshal() []byte {
	b := make([]byte, 0, 160)
	b = append(b, cardVersion)
	for _, s := range []string{c.ID, c.Company, c.Contact, c.City, c.Stage, c.Owner, c.Source, c.Currency, c.NextAction, c.NextTaskID} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Tags)))
	for _, t := range c.Tags {
		b = appendString(b, t)
	}
	b = binary.AppendVarint(b, c.Value)
	b = binary.AppendVarint(b, int64(c.Probability))
	for _, t := range []time.Time{c.StageEnteredAt, c.LastActivity, c.UpdatedAt, c.CreatedAt} {
		b = binary.AppendVarint(b, unixMilli(t))
	}
	for _, d := range []model.Date{c.ExpectedClose, c.NextDue} {
		b = binary.AppendUvarint(b, uint64(dateNum(d)))
	}
	b = appendString(b, c.LostReason)
	b = binary.AppendUvarint(b, uint64(dateNum(c.SignedOn)))
	b = binary.AppendUvarint(b, uint64(len(c.Stages)))
	for _, s := range c.Stages {
		b = appendString(b, s.Stage)
		b = binary.AppendVarint(b, unixMilli(s.At))
	}
	return b
}

var errBadCard = errors.New("card is corrupt")

// unmarshal decodes a whole card.
func (c *Card) unmarshal(b []byte) error { return c.decode(b, true) }

// unmarshalHead decodes what lists and the daily review show: every field
// but the tags and the report fields (lost reason, signing day, stage
// history), which it leaves empty. It costs one allocation.
func (c *Card) unmarshalHead(b []byte) error { return c.decode(b, false) }

func (c *Card) decode(b []byte, full bool) error {
	// One string for the whole card: every text field is a slice of it, so
	// decoding a card costs one allocation (plus its tags and stages), not
	// ten.
	return c.decodeString(string(b), full)
}

// decodeString decodes a card whose text fields become slices of s.
func (c *Card) decodeString(s string, full bool) error {
	r := reader{s: s}
	if r.byte() != cardVersion {
		return errBadCard
	}
	for _, p := range []*string{&c.ID, &c.Company, &c.Contact, &c.City, &c.Stage, &c.Owner, &c.Source, &c.Currency, &c.NextAction, &c.NextTaskID} {
		*p = r.string()
	}
	n := r.uvarint()
	if n > 1000 {
		return errBadCard
	}
	c.Tags = nil
	for range n {
		if t := r.string(); full {
			c.Tags = append(c.Tags, t)
		}
	}
	c.Value = r.varint()
	c.Probability = int(r.varint())
	for _, p := range []*time.Time{&c.StageEnteredAt, &c.LastActivity, &c.UpdatedAt, &c.CreatedAt} {
		*p = fromMilli(r.varint())
	}
	c.ExpectedClose = numDate(int(r.uvarint()))
	c.NextDue = numDate(int(r.uvarint()))
	c.LostReason, c.SignedOn, c.Stages = "", model.Date{}, nil
	if !full {
		if r.err {
			return errBadCard
		}
		return nil
	}
	c.LostReason = r.string()
	c.SignedOn = numDate(int(r.uvarint()))
	n = r.uvarint()
	if n > 10000 || r.err {
		return errBadCard
	}
	if n > 0 {
		c.Stages = make([]CardStage, n)
		for i := range c.Stages {
			c.Stages[i] = CardStage{Stage: r.string(), At: fromMilli(r.varint())}
		}
	}
	if r.err {
		return errBadCard
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type reader struct {
	s   string
	err bool
}

func (r *reader) byte() byte {
	if len(r.s) == 0 {
		r.err = true
		return 0
	}
	v := r.s[0]
	r.s = r.s[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	var v uint64
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			r.s = r.s[i+1:]
			return v
		}
	}
	r.err = true
	return 0
}

func (r *reader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.err = true
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func dateNum(d model.Date) int {
	if d.IsZero() {
		return 0
	}
	return d.Y*10000 + int(d.M)*100 + d.D
}

func numDate(n int) model.Date {
	if n == 0 {
		return model.Date{}
	}
	return model.Date{Y: n / 10000, M: time.Month(n / 100 % 100), D: n % 100}
}
