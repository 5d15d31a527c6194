package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
)

// TestCreateListsParsedOnce checks that a create's append-only lists,
// parsed once by Validate and merged from that parse (Op.listOf), and
// taken as they are when already canonical (joinedAsIs), give the record
// the general path gives: the same bytes, whatever the order, repeats,
// spacing and escapes of the list.
func TestCreateListsParsedOnce(t *testing.T) {
	e := func(id string, wall int64, text string) string {
		return fmt.Sprintf(`{"id":%q,"hlc":{"wall_ms":%d,"counter":0,"node":"n"},"text":%q}`, id, wall, text)
	}
	var long []string
	for i := range 12 {
		long = append(long, e(fmt.Sprintf("r%02d", i), int64(i+1), "第"+fmt.Sprint(i)))
	}
	lists := map[string]string{
		"one":              "[" + e("r", 1, "第一行") + "]",
		"in order":         "[" + e("a", 1, "x") + "," + e("b", 2, "y") + "]",
		"same stamp by id": "[" + e("a", 1, "x") + "," + e("b", 1, "y") + "]",
		"out of order":     "[" + e("b", 2, "y") + "," + e("a", 1, "x") + "]",
		"one id twice":     "[" + e("a", 1, "x") + "," + e("a", 2, "y") + "]",
		"spaced":           "[ " + e("a", 1, "x") + " , " + e("b", 2, "y") + " ]",
		"escaped":          `[{"id":"a","hlc":{"wall_ms":1,"counter":0,"node":"n"},"text":"\u0041"}]`,
		"keys spaced":      `[{"id": "a","hlc":{"wall_ms":1,"counter":0,"node":"n"},"text":"x"}]`,
		"long":             "[" + join(long) + "]",
		"empty":            "[]",
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			raw := fmt.Sprintf(`{"op_id":"o1","entity":{"type":"activity","id":"a1"},"kind":"create","fields":{"id":"a1","revisions":%s},"hlc":{"wall_ms":5,"counter":0,"node":"n"},"actor":{"user":"ann"},"schema":1}`, list)
			op, err := ReadOp([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if op.listOf("revisions", op.Fields["revisions"]) == nil && name != "empty" {
				t.Fatal("the list Validate parsed is not kept")
			}
			got := NewRecord(TypeActivity)
			got.Apply(op)
			// The general path: the same op without what Validate parsed.
			plain := op
			plain.lists = nil
			plain.Fields = maps.Clone(op.Fields)
			plain.Fields["revisions"] = bytes.Clone(op.Fields["revisions"])
			want := NewRecord(TypeActivity)
			want.Apply(plain)
			// The list as merged before either shortcut: parsed, then
			// sorted and joined by addEntries.
			ref := NewRecord(TypeActivity)
			if add, ok := entriesOf(plain.Fields["revisions"], true); ok {
				ref.addEntries("revisions", add)
			}
			for _, r := range []*Record{got, want} {
				if g, w := r.Fields["revisions"], ref.Fields["revisions"]; !bytes.Equal(g, w) {
					t.Fatalf("revisions\n got %s\nwant %s", g, w)
				}
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if !bytes.Equal(gj, wj) || len(got.Fields) != len(want.Fields) {
				t.Fatalf("record\n got %s %q\nwant %s %q", gj, got.Fields, wj, want.Fields)
			}
		})
	}
}

// TestListOfOnlyTheValueParsed checks that a list value replaced after
// Validate (a hand-over renames authors) is parsed again, not taken from
// the parse of the value it replaced.
func TestListOfOnlyTheValueParsed(t *testing.T) {
	raw := `{"op_id":"o1","entity":{"type":"activity","id":"a1"},"kind":"create","fields":{"id":"a1","revisions":[{"id":"r","hlc":{"wall_ms":1,"counter":0,"node":"n"},"by":"old"}]},"hlc":{"wall_ms":5,"counter":0,"node":"n"},"actor":{"user":"old"},"schema":1}`
	op, err := ReadOp([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	renamed := json.RawMessage(`[{"id":"r","hlc":{"wall_ms":1,"counter":0,"node":"n"},"by":"new"}]`)
	op.Fields["revisions"] = renamed
	if op.listOf("revisions", renamed) != nil {
		t.Fatal("a replaced value is taken as parsed")
	}
	rec := NewRecord(TypeActivity)
	rec.Apply(op)
	if got := string(rec.Fields["revisions"]); got != string(renamed) {
		t.Fatalf("revisions are %s, want %s", got, renamed)
	}
}

func join(list []string) string {
	var b bytes.Buffer
	for i, s := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

// FuzzCreateListsParsedOnce: a create's list, whatever its bytes, merges
// into an empty record as addEntries merged it before Op.listOf and
// joinedAsIs, when the create is valid at all.
func FuzzCreateListsParsedOnce(f *testing.F) {
	e := func(id string, wall int64) string {
		return fmt.Sprintf(`{"id":%q,"hlc":{"wall_ms":%d,"counter":0,"node":"n"},"text":"x"}`, id, wall)
	}
	for _, s := range []string{
		"[" + e("a", 1) + "]",
		"[" + e("a", 1) + "," + e("b", 2) + "]",
		"[" + e("b", 2) + "," + e("a", 1) + "]",
		"[" + e("a", 1) + "," + e("a", 2) + "]",
		"[ " + e("a", 1) + " ]",
		`[{"id":"a","hlc":{"wall_ms":1,"counter":0,"node":"n"},"text":"<\u0041>"}]`,
		"[]", "null",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, list []byte) {
		op := Op{ID: "o1", Entity: EntityRef{Type: TypeActivity, ID: "a1"}, Kind: OpCreate,
			Fields: map[string]json.RawMessage{"id": json.RawMessage(`"a1"`), "revisions": list},
			HLC:    HLC{Wall: 5, Node: "n"}, Actor: Actor{User: "ann"}, Schema: 1}
		if op.Validate() != nil {
			return
		}
		got := NewRecord(TypeActivity)
		got.Apply(op)
		ref := NewRecord(TypeActivity)
		if !isNull(list) {
			if add, ok := entriesOf(list, true); ok {
				ref.addEntries("revisions", add)
			}
		}
		if g, w := got.Fields["revisions"], ref.Fields["revisions"]; !bytes.Equal(g, w) {
			t.Fatalf("%s: revisions\n got %s\nwant %s", list, g, w)
		}
	})
}
