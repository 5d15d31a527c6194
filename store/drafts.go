package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Draft is text being typed, saved while typing so that a crash, a killed
// terminal or a closed lid loses at most the last second. Drafts are local:
// they never sync.
type Draft struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"` // what the text is for: note, visit, edit...
	LeadID     string `json:"lead_id,omitempty"`
	ActivityID string `json:"activity_id,omitempty"`
	Company    string `json:"company,omitempty"` // a new prospect's name, before the lead exists
	Text       string `json:"text"`
	// Form names the form a form's draft belongs to; Args are what the
	// form was opened with (a follow-up's id, a contact's name) and Fields
	// what was typed into each of its fields, so the form can be shown
	// again as it was left. Text then holds the typed words, for the offer.
	Form      string            `json:"form,omitempty"`
	Args      map[string]string `json:"args,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// SaveDraft writes a draft (creating its id when empty).
func (t *Tx) SaveDraft(d *Draft) error {
	if d.ID == "" {
		d.ID = model.NewID()
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t.now
	}
	d.UpdatedAt = t.now
	if n := d.size(); n > model.MaxNotesLen {
		return fmt.Errorf("draft is %d bytes; at most %d", n, model.MaxNotesLen)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return t.bucket(bucketDrafts).Put([]byte(d.ID), data)
}

// Drafts returns every saved draft, newest first.
func (t *Tx) Drafts() ([]Draft, error) {
	var out []Draft
	err := t.bucket(bucketDrafts).ForEach(func(k, v []byte) error {
		var d Draft
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("draft %s is %w: %w", k, errCorrupt, err)
		}
		out = append(out, d)
		return nil
	})
	slices.SortFunc(out, func(a, b Draft) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	return out, err
}

// Draft returns one draft.
func (t *Tx) Draft(id string) (Draft, error) {
	var d Draft
	data := t.bucket(bucketDrafts).Get([]byte(id))
	if data == nil {
		return d, fmt.Errorf("draft %s: %w", id, ErrNotFound)
	}
	return d, json.Unmarshal(data, &d)
}

// DeleteDraft removes a draft once its text is saved for good.
func (t *Tx) DeleteDraft(id string) error { return t.bucket(bucketDrafts).Delete([]byte(id)) }

// size is the bytes of text a draft holds.
func (d *Draft) size() int {
	n := len(d.Text)
	for _, v := range d.Fields {
		n += len(v)
	}
	return n
}
