package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// The trash is not a bucket: a lead in the trash is a lead whose deleted
// field is true, with deleted_at saying when. Moving a lead to the trash
// is a set of both, restoring it a set of deleted=false, so both sync as
// ordinary changes. Its activities, tasks, complaints, approval requests
// and service orders stay as they are, hidden with it (they belong to no
// card) and back with it on restore.

// TrashDays is how long a lead stays in the trash before `trash empty`
// purges it.
const TrashDays = 30

// Trashed is a lead in the trash.
type Trashed struct {
	Lead       model.Lead `json:"lead"`
	DeletedAt  time.Time  `json:"deleted_at"`
	PurgeAfter time.Time  `json:"purge_after"` // trash empty removes it after this
	Activities int        `json:"activities"`
	Tasks      int        `json:"tasks"`
	Complaints int        `json:"complaints"`
}

// inTrash reports whether the book holds lead id deleted (in the trash or
// for good): a lead record without a card. An activity whose lead is not
// in the book at all is not hidden.
func (t *Tx) inTrash(id string) bool {
	return !t.leadExists(id) && t.bucket(bucketLeads).Get([]byte(id)) != nil
}

// TrashLead moves a live lead to the trash.
func (t *Tx) TrashLead(id string) error {
	if _, err := t.Lead(id); err != nil {
		return err
	}
	at, _ := json.Marshal(t.now.UTC())
	return t.setLead(id, map[string]json.RawMessage{"deleted": json.RawMessage("true"), "deleted_at": at})
}

// UntrashLead brings a lead back from the trash, with everything it had.
func (t *Tx) UntrashLead(id string) error {
	var l model.Lead
	if err := t.get(model.TypeLead, id, &l); err != nil {
		return err
	}
	if !l.Deleted {
		return fmt.Errorf("lead %s (%s) is not in the trash", ShortID(id), l.Company)
	}
	return t.setLead(id, map[string]json.RawMessage{"deleted": json.RawMessage("false"), "deleted_at": json.RawMessage("null")})
}

func (t *Tx) setLead(id string, fields map[string]json.RawMessage) error {
	rec, _, err := t.loadRecord(model.TypeLead, id)
	if err != nil {
		return err
	}
	return t.applyLocal(rec, model.Op{Entity: model.EntityRef{Type: model.TypeLead, ID: id}, Kind: model.OpSet, Fields: fields})
}

// Trash lists the leads in the trash, the most recently deleted first.
func (t *Tx) Trash() ([]Trashed, error) {
	var out []Trashed
	err := t.bucket(bucketLeads).ForEach(func(k, v []byte) error {
		var l model.Lead
		data, err := t.view.of(v)
		if err != nil {
			return fmt.Errorf("lead %s: %w", k, err)
		}
		if err := json.Unmarshal(data, &l); err != nil {
			return fmt.Errorf("lead %s is %w: %w", k, errCorrupt, err)
		}
		// A lead deleted without a time was deleted for good: merged into
		// another by dedupe, or deleted before there was a trash.
		if !l.Deleted || l.DeletedAt.IsZero() {
			return nil
		}
		l.ID = string(k)
		out = append(out, Trashed{Lead: l, DeletedAt: l.DeletedAt, PurgeAfter: l.DeletedAt.Add(TrashDays * 24 * time.Hour)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		kids, err := t.children(out[i].Lead.ID)
		if err != nil {
			return nil, err
		}
		out[i].Activities, out[i].Tasks, out[i].Complaints = len(kids[model.TypeActivity]), len(kids[model.TypeTask]), len(kids[model.TypeComplaint])
	}
	slices.SortStableFunc(out, func(a, b Trashed) int { return b.DeletedAt.Compare(a.DeletedAt) })
	return out, nil
}

// childTypes are the types of the records that belong to a lead.
var childTypes = []string{model.TypeActivity, model.TypeTask, model.TypeComplaint, model.TypeApproval, model.TypeService}

// children returns the ids of the live records of a lead (childTypes),
// by type.
func (t *Tx) children(lead string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, typ := range childTypes {
		err := t.bucket(entityBucket[typ]).ForEach(func(k, v []byte) error {
			var c struct {
				LeadID  string `json:"lead_id"`
				Deleted bool   `json:"deleted"`
			}
			data, err := t.view.of(v)
			if err != nil {
				return fmt.Errorf("%s %s: %w", typ, k, err)
			}
			if json.Unmarshal(data, &c) == nil && c.LeadID == lead && !c.Deleted {
				out[typ] = append(out[typ], string(k))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ResolveTrashed finds a lead in the trash from what a user typed: its id,
// the end of its id, its company name (ignoring case), or a part of the
// name that only one lead in the trash has.
func (t *Tx) ResolveTrashed(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	list, err := t.Trash()
	if err != nil {
		return "", err
	}
	if ref == "" {
		return "", fmt.Errorf("no lead given")
	}
	low := strings.ToLower(ref)
	var exact, part []Trashed
	for _, tr := range list {
		id := tr.Lead.ID
		switch {
		case id == ref || (len(ref) >= 4 && strings.HasSuffix(strings.ToLower(id), low)) || strings.EqualFold(tr.Lead.Company, ref):
			exact = append(exact, tr)
		case strings.Contains(strings.ToLower(tr.Lead.Company), low):
			part = append(part, tr)
		}
	}
	for _, found := range [][]Trashed{exact, part} {
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0].Lead.ID, nil
		}
		names := make([]string, len(found))
		for i, tr := range found {
			names[i] = ShortID(tr.Lead.ID) + " " + tr.Lead.Company
		}
		return "", fmt.Errorf("%q %w in the trash: %s; give more of the name or the id", ref, ErrAmbiguous, strings.Join(names, ", "))
	}
	if _, err := t.ResolveLead(ref); err == nil {
		return "", fmt.Errorf("%q is not in the trash: the lead is live", ref)
	}
	return "", fmt.Errorf("no lead in the trash matches %q ('fieldcrm trash list' shows them): %w", ref, ErrNotFound)
}

// PurgeTrash removes from this book, for good, the leads that have been in
// the trash longer than TrashDays at now (all of them with all), with
// the records that belong to them (childTypes). A lead with changes still
// waiting to sync is kept until they are pushed. It returns how many
// leads were purged and how many were kept for that reason.
func (t *Tx) PurgeTrash(all bool) (purged, waiting int, err error) {
	list, err := t.Trash()
	if err != nil {
		return 0, 0, err
	}
	pending := map[string]bool{}
	err = t.outboxEntities(func(e model.EntityRef) { pending[e.ID] = true })
	if err != nil {
		return 0, 0, err
	}
	for _, tr := range list {
		if !all && t.now.Before(tr.PurgeAfter) {
			continue
		}
		kids, err := t.children(tr.Lead.ID)
		if err != nil {
			return 0, 0, err
		}
		ids := []string{tr.Lead.ID}
		for _, typ := range childTypes {
			ids = append(ids, kids[typ]...)
		}
		if slices.ContainsFunc(ids, func(id string) bool { return pending[id] }) {
			waiting++
			continue
		}
		for typ, list := range kids {
			for _, id := range list {
				if err := t.RemoveLocal(typ, id); err != nil {
					return 0, 0, err
				}
			}
		}
		if err := t.RemoveLocal(model.TypeLead, tr.Lead.ID); err != nil {
			return 0, 0, err
		}
		purged++
	}
	return purged, waiting, nil
}
