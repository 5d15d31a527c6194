package model

import (
	"encoding/json"
	"reflect"
	"testing"
)

// checkReadOpAgrees fails t when ReadOp answers data otherwise than
// DecodeOp: the same op, or an error with the same sentence.
func checkReadOpAgrees(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := ReadOp(data)
	want, werr := DecodeOp(data)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("%q: ReadOp says %v, DecodeOp %v", data, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: ReadOp reads %+v, DecodeOp %+v", data, got, want)
	}
	if shared, serr := ReadOpShared(data); !reflect.DeepEqual(shared, got) || (serr == nil) != (gerr == nil) || serr != nil && serr.Error() != gerr.Error() {
		t.Fatalf("%q: ReadOpShared reads %+v, %v; ReadOp %+v, %v", data, shared, serr, got, gerr)
	}
	if gerr == nil {
		// ValidateDecoded left out checking the values as JSON: they were.
		if err := got.Validate(); err != nil {
			t.Fatalf("%q: read, but Validate says %v", data, err)
		}
	}
}

var opSeeds = []string{
	`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"set","fields":{"company":"华北能源"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{"user":"ann"},"schema":1}`,
	`{"op_id":"o2","entity":{"type":"activity","id":"A1"},"kind":"append","field":"revisions","entry":{"id":"o2","hlc":{"wall_ms":2,"counter":1,"node":"n"},"text":"x"},"hlc":{"wall_ms":2,"counter":1,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o3","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":3,"counter":0,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o4","entity":{"type":"lead","id":"L1"},"kind":"create","fields":{"stage_log":[{"id":"e","hlc":{"wall_ms":1,"counter":0,"node":"n"}}],"x":null,"y":{"a":[1,2.5e3,true]}},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{"user":"ann","device":"d"},"schema":1}`,
	` {"op_id":"o5","entity":{"type":"lead","id":"L1"},"kind":"set","fields":{"a":1},"hlc":{"wall_ms":1,"node":"n"},"actor":{},"schema":1} `,
	// Declined, then decided by encoding/json.
	`{"OP_ID":"o1","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o1","op_id":"o2","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o\u0031","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o1","entity":{"type":"lead","id":"L1","x":1},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n","x":2},"actor":{},"schema":1}`,
	`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"set","fields":{"a":1,"a":2},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`,
	`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":1.5,"counter":0,"node":"n"},"actor":{},"schema":1e0}`,
	`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"set","fields":null,"entry":null,"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":null,"schema":1}`,
	`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":99999999999999999999}`,
	`{"op_id":"o1"} {}`,
	`{"op_id":"o1",}`,
	`[1,2,3]`,
	``,
	`null`,
}

func TestReadOpAgreesWithDecodeOp(t *testing.T) {
	for _, s := range opSeeds {
		checkReadOpAgrees(t, []byte(s))
	}
}

// An op as clients write it (json.Marshal) takes the fast path; were it
// declined, ReadOp would still be right, only slow.
func TestReadOpScansWhatClientsWrite(t *testing.T) {
	ops := []Op{
		{ID: "o1", Entity: EntityRef{TypeActivity, "A1"}, Kind: OpCreate, Fields: map[string]json.RawMessage{
			"lead_id":   json.RawMessage(`"L1"`),
			"revisions": json.RawMessage(`[{"id":"o1","hlc":{"wall_ms":5,"counter":2,"node":"n1"},"text":"拜访 <b> & \"quoted\"\n"}]`),
		}, HLC: HLC{5, 2, "n1"}, Actor: Actor{User: "ann", Device: "laptop"}, Schema: CurrentSchema},
		{ID: "o2", Entity: EntityRef{TypeLead, "L1"}, Kind: OpAppend, Field: "stage_log",
			Entry: json.RawMessage(`{"id":"o2","hlc":{"wall_ms":6,"counter":0,"node":"n1"},"stage":"won"}`),
			HLC:   HLC{6, 0, "n1"}, Schema: CurrentSchema},
	}
	for _, op := range ops {
		data, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := scanOp(data); !ok {
			t.Errorf("%s: declined", data)
		}
		checkReadOpAgrees(t, data)
	}
}

// FuzzReadOp: ReadOp answers any bytes as DecodeOp does.
func FuzzReadOp(f *testing.F) {
	for _, s := range opSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkReadOpAgrees(t, data) })
}

// checkEntryValuesAgree fails t when EntryValues reads data otherwise
// than encoding/json does into []map[string]json.RawMessage.
func checkEntryValuesAgree(t *testing.T, data []byte, key string) {
	t.Helper()
	got, ok := EntryValues(data, key)
	if !ok {
		return
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatalf("%q: EntryValues took what encoding/json refuses: %v", data, err)
	}
	if len(got) != len(entries) {
		t.Fatalf("%q: %d entries, encoding/json reads %d", data, len(got), len(entries))
	}
	for i, e := range entries {
		if string(got[i]) != string(e[key]) || (got[i] == nil) != (e[key] == nil) {
			t.Fatalf("%q: entry %d's %s is %q, encoding/json reads %q", data, i, key, got[i], e[key])
		}
	}
}

func TestEntryValues(t *testing.T) {
	for _, c := range []struct {
		data string
		want []string // nil: declined
	}{
		{`[{"id":"a","author":"ann"},{"author":null},{"id":"c"}]`, []string{`"ann"`, `null`, ``}},
		{` [ {"author" : "bob" } ] `, []string{`"bob"`}},
		{`[]`, []string{}},
		{`[{"author":"ann","author":"bob"}]`, nil},
		{`[{"Author":"bob"}]`, []string{``}},
		{`[{"auth\u006fr":"bob"}]`, nil},
		{`[null]`, nil},
		{`{"author":"ann"}`, nil},
		{`[{"author":"ann"}] x`, nil},
	} {
		got, ok := EntryValues([]byte(c.data), "author")
		if ok != (c.want != nil) || len(got) != len(c.want) {
			t.Errorf("%s: %q %v, want %q", c.data, got, ok, c.want)
			continue
		}
		for i := range got {
			if string(got[i]) != c.want[i] {
				t.Errorf("%s: entry %d %q, want %q", c.data, i, got[i], c.want[i])
			}
		}
		checkEntryValuesAgree(t, []byte(c.data), "author")
	}
}

// FuzzEntryValues: EntryValues reads any list as encoding/json does, or
// declines.
func FuzzEntryValues(f *testing.F) {
	f.Add([]byte(`[{"id":"a","author":"ann"},{"author":null},{"id":"c"}]`))
	f.Add([]byte(`[{"by":{"x":[1,2]},"by":"z"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEntryValuesAgree(t, data, "author")
		checkEntryValuesAgree(t, data, "by")
	})
}

// seededCreates returns the create of a lead and of an activity as
// clients write them, by type, in fieldSeeds' order.
func seededCreates(b *testing.B) (types []string, ops [][]byte) {
	for _, s := range fieldSeeds[:2] {
		op := Op{ID: "0190f3a2-7c1e-7b3a-9c1d-2f6a1b2c3d4f", Entity: EntityRef{Type: s.typ, ID: "0190f3a2-7c1e-7b3a-9c1d-2f6a1b2c3d4e"},
			Kind: OpCreate, Fields: seedFields(s.fields), HLC: HLC{Wall: 1, Node: "n"}, Actor: Actor{User: "ann"}, Schema: 1}
		data, err := json.Marshal(op)
		if err != nil {
			b.Fatal(err)
		}
		types, ops = append(types, s.typ), append(ops, data)
	}
	return types, ops
}

// BenchmarkReadOp reads the create of a lead and of an activity as
// clients write them, as the server reads every op pushed.
func BenchmarkReadOp(b *testing.B) {
	types, ops := seededCreates(b)
	for i, data := range ops {
		b.Run(types[i], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ReadOp(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadAndApplyCreate reads the create of a lead and of an
// activity as clients write them and applies it to an empty record: what
// the server does with each create pushed, and a laptop with each create
// pulled, before checking it.
func BenchmarkReadAndApplyCreate(b *testing.B) {
	types, ops := seededCreates(b)
	for i, data := range ops {
		b.Run(types[i], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				op, err := ReadOp(data)
				if err != nil {
					b.Fatal(err)
				}
				NewRecord(op.Entity.Type).Apply(op)
			}
		})
	}
}
