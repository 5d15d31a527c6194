package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// ikey is one index entry: bucket, key and value.
type ikey struct {
	bucket string
	key    string
	value  string
}

func join(parts ...string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.String()
}

// indexKeys returns the index entries an entity's stored JSON implies, and
// the leads whose cards depend on it.
func indexKeys(typ string, data []byte) (keys []ikey, leads []string, err error) {
	if len(data) == 0 || string(data) == "{}" || string(data) == "null" {
		return nil, nil, nil
	}
	switch typ {
	case model.TypeLead:
		var l model.Lead
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, nil, err
		}
		if !l.Deleted && l.ID != "" {
			keys = append(keys, ikey{string(idxLeadStage), join(l.Stage, l.ID), ""})
		}
		return keys, []string{l.ID}, nil
	case model.TypeActivity:
		var a model.Activity
		if err := json.Unmarshal(data, &a); err != nil {
			return nil, nil, err
		}
		if !a.Deleted && a.LeadID != "" {
			at := string(millis(a.StartedAt)) + a.ID
			keys = append(keys, ikey{string(idxActLead), join(a.LeadID, at), ""}, ikey{string(idxActTime), at, a.LeadID})
		}
		return keys, []string{a.LeadID}, nil
	case model.TypeTask:
		var tk model.Task
		if err := json.Unmarshal(data, &tk); err != nil {
			return nil, nil, err
		}
		if !tk.Deleted && tk.LeadID != "" {
			keys = append(keys, ikey{string(idxTaskLead), join(tk.LeadID, tk.ID), ""})
			if tk.IsOpen() {
				keys = append(keys, ikey{string(idxTaskDue), join(tk.EffectiveDue().String(), tk.ID), tk.LeadID})
			}
		}
		return keys, []string{tk.LeadID}, nil
	case model.TypeComplaint:
		var c model.Complaint
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, nil, err
		}
		if !c.Deleted && c.LeadID != "" && c.Status != model.ComplaintResolved {
			keys = append(keys, ikey{string(idxComplaintOpen), join(c.LeadID, c.ID), ""})
		}
		return keys, nil, nil
	}
	return nil, nil, fmt.Errorf("unknown entity type %q", typ)
}

// reindex replaces the index entries of before with those of after and
// refreshes the cards of the leads involved.
func (t *Tx) reindex(typ, id string, before, after []byte) error {
	oldKeys, oldLeads, err := indexKeys(typ, before)
	if err != nil {
		oldKeys, oldLeads = nil, nil // a corrupt old version has nothing to remove
	}
	newKeys, newLeads, err := indexKeys(typ, after)
	if err != nil {
		return fmt.Errorf("%s %s: %w", typ, id, err)
	}
	keep := map[ikey]bool{}
	for _, k := range newKeys {
		keep[k] = true
	}
	for _, k := range oldKeys {
		if !keep[k] {
			if err := t.idx([]byte(k.bucket)).Delete([]byte(k.key)); err != nil {
				return err
			}
		}
	}
	for _, k := range newKeys {
		if err := t.idx([]byte(k.bucket)).Put([]byte(k.key), []byte(k.value)); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, lead := range append(oldLeads, newLeads...) {
		if lead == "" || seen[lead] {
			continue
		}
		seen[lead] = true
		var err error
		switch typ {
		case model.TypeLead:
			err = t.refreshCard(lead)
		case model.TypeActivity:
			err = t.updateCard(lead, t.setTouch)
		case model.TypeTask:
			err = t.updateCard(lead, t.setNext)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// refreshCard rebuilds a lead's card from the lead, its activities and its
// tasks; a missing or deleted lead has no card.
func (t *Tx) refreshCard(leadID string) error {
	cards := t.bucket(bucketCards)
	var l model.Lead
	data := t.bucket(bucketLeads).Get([]byte(leadID))
	if data == nil || json.Unmarshal(data, &l) != nil || l.Deleted {
		return cards.Delete([]byte(leadID))
	}
	c := cardFromLead(&l)
	c.ID = leadID
	if err := t.setTouch(&c); err != nil {
		return err
	}
	if err := t.setNext(&c); err != nil {
		return err
	}
	return cards.Put([]byte(leadID), c.marshal())
}

// updateCard changes one part of an existing card.
func (t *Tx) updateCard(leadID string, change func(*Card) error) error {
	cards := t.bucket(bucketCards)
	data := cards.Get([]byte(leadID))
	if data == nil {
		return nil // the lead is not here (yet): its card is built when it arrives
	}
	var c Card
	if err := c.unmarshal(data); err != nil {
		return t.refreshCard(leadID)
	}
	if err := change(&c); err != nil {
		return err
	}
	return cards.Put([]byte(leadID), c.marshal())
}

// setTouch sets the card's last activity from the newest indexed activity.
func (t *Tx) setTouch(c *Card) error {
	prefix := []byte(c.ID + "\x00")
	cur := t.idx(idxActLead).Cursor()
	// Seek past the lead's entries, then step back to its newest.
	k, _ := cur.Seek(append(append([]byte(nil), prefix[:len(prefix)-1]...), 1))
	if k == nil {
		k, _ = cur.Last()
	} else {
		k, _ = cur.Prev()
	}
	c.LastActivity = timeZero
	if k != nil && bytes.HasPrefix(k, prefix) && len(k) >= len(prefix)+8 {
		c.LastActivity = fromMilli(int64(beUint64(k[len(prefix):])))
	}
	return nil
}

// setNext sets the card's next follow-up: its open task due first.
func (t *Tx) setNext(c *Card) error {
	c.NextDue, c.NextAction, c.NextTaskID = model.Date{}, "", ""
	prefix := []byte(c.ID + "\x00")
	cur := t.idx(idxTaskLead).Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		var tk model.Task
		if err := t.get(model.TypeTask, string(k[len(prefix):]), &tk); err != nil || !tk.IsOpen() {
			continue
		}
		if due := tk.EffectiveDue(); c.NextDue.IsZero() || due.Before(c.NextDue) {
			c.NextDue, c.NextAction, c.NextTaskID = due, tk.Action, tk.ID
		}
	}
	return nil
}

// rebuildCards is migration 2 and the repair path: it derives every card
// again.
func rebuildCards(btx *bolt.Tx) error {
	t := &Tx{tx: btx}
	if err := btx.DeleteBucket(bucketCards); err != nil {
		return err
	}
	if _, err := btx.CreateBucket(bucketCards); err != nil {
		return err
	}
	var ids []string
	err := btx.Bucket(bucketLeads).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := t.refreshCard(id); err != nil {
			return err
		}
	}
	return nil
}
