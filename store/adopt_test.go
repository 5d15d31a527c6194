package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestRenameAuthorsAsDecoding: the byte-level rename of a list's authors
// leaves what decoding, renaming and encoding the list leaves, or declines.
func TestRenameAuthorsAsDecoding(t *testing.T) {
	for _, v := range []string{
		`[{"id":"r1","author":"root","text":"hi"},{"id":"r2","author":"bob","text":"x"}]`,
		`[{"id":"r1","by":"root"},{"by":"root","stage":"won"}]`,
		`[ {"id" : "r1", "author" : "root"} ]`,
		`[{"text":"\"author\":\"root\"","author":"bob"}]`,
		`[{"text":"a\\","author":"root"}]`,
		`[{"author":"r\u006fot"}]`,
		`[{"a\u0075thor":"root"}]`,
		`[{"author":"root","more":{"author":"root"}}]`,
		`[{"author":"root","revisions":[{"author":"root"}]}]`,
		`[{"set_by":"root","author":null,"n":1.5,"ok":true}]`,
		`[]`, `null`, `"root"`, `[{"author":"root"}]x`, `[{"author":"root"`,
	} {
		slow := map[string]json.RawMessage{"revisions": json.RawMessage(v)}
		var list []map[string]json.RawMessage
		want := v
		if json.Unmarshal([]byte(v), &list) == nil {
			hit := false
			for _, e := range list {
				hit = adoptAuthors(e, "root", "ann") || hit
			}
			if hit {
				data, _ := json.Marshal(list)
				want = string(data)
			}
		}
		changed := adoptAuthors(slow, "root", "ann")
		if changed != (want != v) {
			t.Errorf("%s: changed %v, want %v", v, changed, want != v)
		}
		if !sameJSON(string(slow["revisions"]), want) {
			t.Errorf("%s:\n got %s\nwant %s", v, slow["revisions"], want)
		}
	}
}

func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
