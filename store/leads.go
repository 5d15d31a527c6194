package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// AddLead creates a lead. Missing id, stage, owner and times are filled in;
// the lead is validated first, so nothing invalid is ever written. A lead
// given at won is written as history, neither gated nor handed on: an
// import of accounts won in another system, the demo's past (the server
// takes a create at won so too; only moves are gated). What a user enters
// as new goes through CreateLead.
func (t *Tx) AddLead(l *model.Lead) error { return t.addLead(l, false) }

// CreateLead creates a lead a user enters now, as AddLead does; one
// entered at won is won now, as a move to won is: refused with a
// *model.ApprovalError when the deal needs an approval (a new lead has
// none to show), and otherwise handed on (handOff) in the same
// transaction.
func (t *Tx) CreateLead(l *model.Lead) error { return t.addLead(l, true) }

func (t *Tx) addLead(l *model.Lead, winNow bool) error {
	if l.ID == "" {
		l.ID = model.NewID()
	}
	if l.Stage == "" {
		l.Stage = t.s.rules.Pipeline.Stages[0].Key
	}
	if l.Owner == "" {
		l.Owner = t.s.user
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = t.now
	}
	if l.StageEnteredAt.IsZero() {
		l.StageEnteredAt = l.CreatedAt
	}
	l.UpdatedAt = t.now
	// The stage log travels in the create op itself: the first entry, or
	// the way the lead came through the stages when the caller brings it
	// (the demo book), ending in its stage; each entry is stamped now.
	if len(l.StageLog) == 0 {
		l.StageLog = []model.StageEntry{{Stage: l.Stage, At: l.StageEnteredAt}}
	}
	if last := l.StageLog[len(l.StageLog)-1]; last.Stage != l.Stage || !last.At.Equal(l.StageEnteredAt) {
		return &model.FieldError{Field: "stage_log", Problem: "must end with the lead's stage, when it entered it"}
	}
	for i := range l.StageLog {
		l.StageLog[i].ID, l.StageLog[i].HLC, l.StageLog[i].By = model.NewID(), t.stamp(), t.s.user
	}
	if err := l.Validate(t.s.rules.Pipeline); err != nil {
		return err
	}
	won := winNow && l.Stage == model.StageWon
	if won {
		reasons, err := t.WonBlock(l)
		if err != nil {
			return err
		}
		if reasons != nil {
			return &model.ApprovalError{Company: l.Company, Reasons: reasons}
		}
	}
	if err := t.put(model.TypeLead, l.ID, l, true); err != nil || !won {
		return err
	}
	return t.handOff(l)
}

func (t *Tx) logStage(id, stage string) error {
	return t.appendTo(model.TypeLead, id, "stage_log", func(opID string, h model.HLC) any {
		return model.StageEntry{ID: opID, HLC: h, Stage: stage, At: t.now, By: t.s.user}
	})
}

// leadExists reports whether a live (not deleted) lead has id: exactly the
// leads that have a card.
func (t *Tx) leadExists(id string) bool { return t.bucket(bucketCards).Get([]byte(id)) != nil }

// Lead returns the lead with id.
func (t *Tx) Lead(id string) (model.Lead, error) {
	var l model.Lead
	if err := t.get(model.TypeLead, id, &l); err != nil {
		return l, err
	}
	if l.Deleted {
		return l, fmt.Errorf("lead %s: %w (deleted)", id, ErrNotFound)
	}
	return l, nil
}

// UpdateLead saves an edited lead: only the fields that differ from the
// stored lead become an op. A stage change restarts the stage clock and is
// logged. Becoming won is refused with a *model.ApprovalError while the
// deal needs an approval none of its requests gives (WonBlock), and
// otherwise hands the account on (handOff) in the same transaction.
func (t *Tx) UpdateLead(l *model.Lead) error { return t.updateLead(l, true, true) }

// UpdateImportedLead saves a lead an import row changed as UpdateLead
// does, approval gate included (the server checks every move to won), but
// a move to won hands nothing on: an import records deals won elsewhere,
// and its summary says how many came in without a hand-off.
func (t *Tx) UpdateImportedLead(l *model.Lead) error { return t.updateLead(l, true, false) }

// updateLead is UpdateLead; gate false skips the approval a move to won
// needs, for a merge whose won twin was won already; handOff false skips
// the hand-off, for an import.
func (t *Tx) updateLead(l *model.Lead, gate, handOff bool) error {
	old, err := t.Lead(l.ID)
	if err != nil {
		return err
	}
	if err := l.Validate(t.s.rules.Pipeline); err != nil {
		return err
	}
	l.StageLog = old.StageLog
	moved := l.Stage != old.Stage
	won := moved && l.Stage == model.StageWon
	if won && gate {
		reasons, err := t.WonBlock(l)
		if err != nil {
			return err
		}
		if reasons != nil {
			return &model.ApprovalError{Company: l.Company, Reasons: reasons}
		}
	}
	if moved {
		l.StageEnteredAt = t.now
	}
	l.UpdatedAt = t.now
	if err := t.put(model.TypeLead, l.ID, l, false); err != nil {
		return err
	}
	if !moved {
		return nil
	}
	if err := t.logStage(l.ID, l.Stage); err != nil {
		return err
	}
	if won && handOff {
		return t.handOff(l)
	}
	return nil
}

// Move says how a lead moves to another stage: lost needs a reason, won
// takes the contract's value and date.
type Move struct {
	Stage         string
	LostReason    string
	ContractValue *model.Money
	SignedOn      model.Date
}

// MoveLead moves a lead to another stage and returns it as saved.
func (t *Tx) MoveLead(id string, m Move) (model.Lead, error) {
	l, err := t.Lead(id)
	if err != nil {
		return l, err
	}
	if err := t.s.rules.Pipeline.CheckStage(m.Stage); err != nil {
		return l, err
	}
	l.Stage = m.Stage
	if m.Stage == model.StageLost {
		if m.LostReason != "" {
			l.LostReason = m.LostReason
		}
	} else {
		l.LostReason = ""
	}
	if m.Stage == model.StageWon {
		if m.ContractValue != nil {
			l.Contract.Value = *m.ContractValue
		} else if l.Contract.Value.IsZero() {
			l.Contract.Value = l.Value
		}
		if !m.SignedOn.IsZero() {
			l.Contract.SignedOn = m.SignedOn
		} else if l.Contract.SignedOn.IsZero() {
			l.Contract.SignedOn = model.Today(t.now, t.s.rules.Location)
		}
	}
	return l, t.UpdateLead(&l)
}

// DeleteLead marks a lead deleted (a delete op, which syncs; the record
// stays so that a concurrent edit elsewhere cannot resurrect it silently).
func (t *Tx) DeleteLead(id string) error {
	if _, err := t.Lead(id); err != nil {
		return err
	}
	rec, _, err := t.loadRecord(model.TypeLead, id)
	if err != nil {
		return err
	}
	return t.applyLocal(rec, model.Op{Entity: model.EntityRef{Type: model.TypeLead, ID: id}, Kind: model.OpDelete})
}

// ResolveLead finds a lead from what a user typed: its id, a unique prefix
// or suffix of the id (4 characters or more), or its company name (exact,
// ignoring case), or a part of the name that only one company has.
func (t *Tx) ResolveLead(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", fmt.Errorf("no lead given")
	}
	leads := t.bucket(bucketCards)
	if leads.Get([]byte(ref)) != nil {
		return ref, nil
	}
	// The short id a list shows: one seek in its index.
	if len(ref) == len(ShortID(model.NewID())) {
		prefix := []byte(strings.ToLower(ref) + "\x00")
		var found []string
		c := t.idx(idxLeadShort).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if id, rest, ok := cutID(k[len(prefix):]); ok && len(rest) == 0 {
				found = append(found, id)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
	}
	var byID, byName, byPart []string
	names := map[string]string{}
	lower := strings.ToLower(ref)
	c := leads.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(ref) >= 4 && (bytes.HasPrefix(k, []byte(lower)) || bytes.HasSuffix(k, []byte(lower))) {
			byID = append(byID, string(k))
			continue
		}
		var card Card
		if card.unmarshalHead(v) != nil {
			continue
		}
		names[string(k)] = card.Company
		if strings.EqualFold(card.Company, ref) {
			byName = append(byName, string(k))
		} else if strings.Contains(strings.ToLower(card.Company), lower) {
			byPart = append(byPart, string(k))
		}
	}
	for _, found := range [][]string{byID, byName, byPart} {
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			var list []string
			for i, id := range found {
				if i == 3 {
					list = append(list, fmt.Sprintf("and %d more", len(found)-3))
					break
				}
				list = append(list, strings.TrimSpace(ShortID(id)+" "+names[id]))
			}
			return "", fmt.Errorf("%q %w: %s; give more of the name or the id", ref, ErrAmbiguous, strings.Join(list, ", "))
		}
	}
	return "", fmt.Errorf("no lead matches %q (give its id, the end of its id, or its company name): %w", ref, ErrNotFound)
}

// ShortID is the end of an id, the part that differs between ids made in
// the same second.
func ShortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[len(id)-8:]
}

func shortIDs(ids []string, max int) []string {
	out := []string{}
	for i, id := range ids {
		if i == max {
			out = append(out, "...")
			break
		}
		out = append(out, ShortID(id))
	}
	return out
}

// Card returns one lead's card.
func (t *Tx) Card(id string) (Card, error) {
	var c Card
	if err := t.flushCards(); err != nil {
		return c, err
	}
	data := t.bucket(bucketCards).Get([]byte(id))
	if data == nil {
		return c, fmt.Errorf("lead %s: %w", id, ErrNotFound)
	}
	return c, c.unmarshal(data)
}

// Cards returns every live lead's card, in id (creation) order.
func (t *Tx) Cards() ([]Card, error) {
	if err := t.flushCards(); err != nil {
		return nil, err
	}
	b := t.bucket(bucketCards)
	// Sized up front: growing a slice of 10,000 cards copies megabytes.
	out := make([]Card, 0, b.Stats().KeyN)
	err := b.ForEach(func(k, v []byte) error {
		var c Card
		if err := c.unmarshal(v); err != nil {
			return fmt.Errorf("card %s: %w", k, err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// LeadIDsInStage lists the leads in a stage, from the stage index.
func (t *Tx) LeadIDsInStage(stage string) []string {
	var ids []string
	prefix := []byte(stage + "\x00")
	c := t.idx(idxLeadStage).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if id, rest, ok := cutID(k[len(prefix):]); ok && len(rest) == 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// LeadFilter selects leads for a list.
type LeadFilter struct {
	Stage string
	Owner string
	Text  string // in company, contact, city or tags, ignoring case
}

// Match reports whether a card passes the filter.
func (f LeadFilter) Match(c *Card) bool {
	if f.Stage != "" && c.Stage != f.Stage {
		return false
	}
	if f.Owner != "" && c.Owner != f.Owner {
		return false
	}
	if f.Text != "" {
		q := strings.ToLower(f.Text)
		hay := strings.ToLower(c.Company + "\x00" + c.Contact + "\x00" + c.City + "\x00" + strings.Join(c.Tags, "\x00"))
		if !strings.Contains(hay, q) {
			return false
		}
	}
	return true
}

// Leads returns the full leads whose cards pass the filter, in pipeline
// order and then by company.
func (t *Tx) Leads(f LeadFilter) ([]model.Lead, error) {
	cards, err := t.Cards()
	if err != nil {
		return nil, err
	}
	cards = slices.DeleteFunc(cards, func(c Card) bool { return !f.Match(&c) })
	SortCards(cards, t.s.rules.Pipeline)
	out := make([]model.Lead, 0, len(cards))
	for _, c := range cards {
		l, err := t.Lead(c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// SortCards orders cards by pipeline stage, then company.
func SortCards(cards []Card, p model.Pipeline) {
	slices.SortStableFunc(cards, func(a, b Card) int {
		if c := p.Index(a.Stage) - p.Index(b.Stage); c != 0 {
			return c
		}
		return strings.Compare(a.Company, b.Company)
	})
}

// History returns the values of a lead's fields that lost to other edits
// (concurrent or later), newest first: "changed by X while you were offline".
func (t *Tx) History(typ, id string) ([]model.Overwritten, error) {
	rec, ok, err := t.loadRecord(typ, id)
	if err != nil || !ok {
		return nil, err
	}
	h := slices.Clone(rec.History)
	slices.SortFunc(h, func(a, b model.Overwritten) int { return b.HLC.Compare(a.HLC) })
	return h, nil
}
