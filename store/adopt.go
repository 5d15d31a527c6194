package store

import (
	"encoding/json"

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
	for f, v := range fields {
		if model.IsAppendField(model.TypeLead, f) || model.IsAppendField(model.TypeActivity, f) {
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
