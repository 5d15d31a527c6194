package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
)

// authorKeys are the fields that name who wrote a record or an entry of
// its append-only lists; the server takes them only when they name the
// pushing user.
var authorKeys = []string{"author", "set_by", "by"}

// adoptAuthors rewrites, in fields, every author field and every author
// of a list entry that names oldUser to name newUser. It reports whether
// anything changed.
func adoptAuthors(fields map[string]json.RawMessage, oldUser, newUser string) bool {
	changed := false
	name, _ := json.Marshal(oldUser)
	for f, v := range fields {
		if model.IsAppendField(model.TypeLead, f) || model.IsAppendField(model.TypeActivity, f) {
			if out, ok := renameAuthors(v, name, newUser); ok {
				if out != nil {
					fields[f], changed = out, true
				}
				continue
			}
			var list []map[string]json.RawMessage
			if json.Unmarshal(v, &list) != nil {
				continue
			}
			hit := false
			for _, e := range list {
				hit = adoptAuthors(e, oldUser, newUser) || hit
			}
			if hit {
				if data, err := json.Marshal(list); err == nil {
					fields[f], changed = data, true
				}
			}
			continue
		}
		for _, k := range authorKeys {
			var name string
			if f == k && json.Unmarshal(v, &name) == nil && name == oldUser {
				fields[f], _ = json.Marshal(newUser)
				changed = true
			}
		}
	}
	return changed
}

// renameAuthors is adoptAuthors for a list of entries in JSON, without
// decoding it: a first push after a login hands over a hundred thousand
// notes' revisions. It rewrites the value of each entry's author key that
// is exactly the JSON string name (compact JSON names it so) and returns
// nil when there is none. ok is false when it cannot be sure: anything
// but a list of flat objects, or an escape in a key or an author's value,
// which the caller decodes instead.
func renameAuthors(v, name []byte, newUser string) (out []byte, ok bool) {
	isAuthor := func(key []byte) bool {
		for _, k := range authorKeys {
			if len(key) == len(k)+2 && string(key[1:len(key)-1]) == k {
				return true
			}
		}
		return false
	}
	var to []byte
	last, depth, key := 0, 0, []byte(nil)
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '[', '{':
			key = nil
			if depth++; depth > 2 || (depth == 1) != (c == '[') {
				return nil, false
			}
		case ']', '}':
			depth--
		case ':':
			if depth != 2 || key == nil {
				return nil, false
			}
		case ',':
			key = nil
		case '"':
			end := stringEnd(v, i)
			if end < 0 || depth != 2 {
				return nil, false
			}
			s := v[i:end]
			if key == nil { // a key: the next string is its value
				key = s
				if bytes.IndexByte(s, '\\') >= 0 && len(s) > 2 {
					return nil, false
				}
			} else if isAuthor(key) {
				if bytes.IndexByte(s, '\\') >= 0 {
					return nil, false
				}
				if bytes.Equal(s, name) {
					if to == nil {
						to, _ = json.Marshal(newUser)
					}
					out = append(append(out, v[last:i]...), to...)
					last = end
				}
			}
			i = end - 1
		}
	}
	if depth != 0 || (out != nil && !json.Valid(v)) {
		return nil, false
	}
	if out != nil {
		out = append(out, v[last:]...)
	}
	return out, true
}

// stringEnd returns the index just past the JSON string that starts at
// v[i], or -1 if it does not end.
func stringEnd(v []byte, i int) int {
	for j := i + 1; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// adoptEntry is adoptAuthors for an append op's entry.
func adoptEntry(entry json.RawMessage, oldUser, newUser string) json.RawMessage {
	var e map[string]json.RawMessage
	if json.Unmarshal(entry, &e) != nil || !adoptAuthors(e, oldUser, newUser) {
		return entry
	}
	data, err := json.Marshal(e)
	if err != nil {
		return entry
	}
	return data
}

// Unsynced work handed to another account (AdoptUnsynced) is recorded
// once, not rewritten:
//
//	sync/
//	  adopted   JSON {old user: new user}: ops in the outbox written as
//	            an old user are pushed as the new one (Outbox), and their
//	            records name the new one once the server has answered
//	            them (DropOutbox); removed when the outbox is empty
var keyAdopted = []byte("adopted")

// adopted returns the accounts unsynced work was handed from and to.
func (t *Tx) adopted() map[string]string {
	v := t.bucket(bucketSync).Get(keyAdopted)
	if v == nil {
		return nil
	}
	var m map[string]string
	if json.Unmarshal(v, &m) != nil {
		return nil
	}
	return m
}

// opHead is what DropOutbox reads of an op: which record it wrote, when,
// and as whom.
type opHead struct {
	Entity model.EntityRef `json:"entity"`
	Kind   string          `json:"kind"`
	HLC    model.HLC       `json:"hlc"`
	Actor  model.Actor     `json:"actor"`
}

// adoptOp rewrites op, written as oldUser, as the server stores it when
// newUser pushes it: the actor, the authors it names and, for a new lead
// of oldUser's, the owner.
func adoptOp(op *model.Op, oldUser, newUser string) {
	op.Actor.User = newUser
	if op.Fields != nil {
		adoptAuthors(op.Fields, oldUser, newUser)
		if op.Entity.Type == model.TypeLead && op.Kind == model.OpCreate && ownerIs(op.Fields, oldUser) {
			op.Fields["owner"], _ = json.Marshal(newUser)
		}
	}
	if op.Entry != nil {
		op.Entry = adoptEntry(op.Entry, oldUser, newUser)
	}
}

func ownerIs(fields map[string]json.RawMessage, user string) bool {
	var owner string
	return json.Unmarshal(fields["owner"], &owner) == nil && owner == user
}

// adoptRecord makes the record an answered op wrote name newUser where
// the op named its old author: the stamps the op left, the owner of a new
// lead, and the authors in its fields.
//
// Names are in no index but a lead's card (its owner) and an activity's
// entry in act_facts (its author), so those two are brought in step here
// instead of reindexing the whole record: a first push answers about a
// hundred thousand ops, and a full reindex of each would cost seconds.
func (t *Tx) adoptRecord(op opHead, newUser string) error {
	oldUser := op.Actor.User
	typ, id := op.Entity.Type, op.Entity.ID
	rec, ok, err := t.loadRecord(typ, id)
	if err != nil || !ok {
		return err
	}
	if rec.Base.HLC == op.HLC && rec.Base.Actor == oldUser {
		rec.Base.Actor = newUser
	}
	for f, st := range rec.Stamps {
		if st.HLC == op.HLC && st.Actor == oldUser {
			st.Actor = newUser
			rec.Stamps[f] = st
		}
	}
	for i, h := range rec.History {
		if h.HLC == op.HLC && h.Actor == oldUser {
			rec.History[i].Actor = newUser
		}
	}
	owner := typ == model.TypeLead && op.Kind == model.OpCreate && ownerIs(rec.Fields, oldUser) && rec.StampOf("owner").HLC == op.HLC
	if owner {
		rec.Fields["owner"], _ = json.Marshal(newUser)
	}
	adoptAuthors(rec.Fields, oldUser, newUser)
	if err := t.saveRecord(typ, id, rec); err != nil {
		return err
	}
	switch {
	case owner:
		return t.updateCard(id, func(c *Card) error { c.Owner = newUser; return nil })
	case typ == model.TypeActivity:
		// What act_facts needs, not the notes and their revisions.
		var a model.Activity
		for f, dst := range map[string]any{"id": &a.ID, "lead_id": &a.LeadID, "kind": &a.Kind,
			"started_at": &a.StartedAt, "author": &a.Author, "deleted": &a.Deleted} {
			if v, ok := rec.Fields[f]; ok {
				if err := json.Unmarshal(v, dst); err != nil {
					return fmt.Errorf("activity %s: %s: %w", id, f, err)
				}
			}
		}
		for _, k := range indexKeys(&a) {
			if k.bucket == string(idxActFacts) {
				return t.idx(idxActFacts).Put([]byte(k.key), []byte(k.value))
			}
		}
	}
	return nil
}
