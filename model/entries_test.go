package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// slowEntries is how encoding/json reads a list of entries: what
// parseEntries must equal whenever it does not decline.
func slowEntries(data []byte) ([]keyedEntry, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	var out []keyedEntry
	for _, e := range list {
		var k entryKey
		if err := json.Unmarshal(e, &k); err != nil {
			return nil, err
		}
		out = append(out, keyedEntry{key: k, data: e})
	}
	return out, nil
}

// checkEntriesAgree fails t when parseEntries or canonicalJSON read data
// otherwise than encoding/json.
func checkEntriesAgree(t *testing.T, data []byte) {
	t.Helper()
	list, canon, ok := parseEntries(data)
	if ok {
		want, err := slowEntries(data)
		if err != nil {
			t.Fatalf("parseEntries took %q, which encoding/json refuses: %v", data, err)
		}
		if len(list) != len(want) {
			t.Fatalf("%q: %d entries, encoding/json reads %d", data, len(list), len(want))
		}
		for i := range list {
			if list[i].key != want[i].key || !bytes.Equal(list[i].data, want[i].data) {
				t.Fatalf("%q: entry %d is %+v %q, encoding/json reads %+v %q", data, i, list[i].key, list[i].data, want[i].key, want[i].data)
			}
		}
		if canon {
			raws := make([]json.RawMessage, len(list))
			for i, e := range list {
				raws[i] = e.data
			}
			if len(raws) > 0 {
				marshalled, err := json.Marshal(raws)
				if err != nil || !bytes.Equal(marshalled, data) {
					t.Fatalf("%q is said canonical, but json.Marshal writes %q (%v)", data, marshalled, err)
				}
			}
		}
	}
	if canonicalJSON(data) {
		marshalled, err := json.Marshal(json.RawMessage(data))
		if err != nil || !bytes.Equal(marshalled, data) {
			t.Fatalf("%q is said canonical, but json.Marshal writes %q (%v)", data, marshalled, err)
		}
	} else if s := (jsonScan{b: data}); s.value(0) && s.i == len(data) && !json.Valid(data) {
		t.Fatalf("the scanner took %q, which encoding/json refuses", data)
	}
}

var entrySamples = []string{
	`[]`,
	`[{"id":"a","hlc":{"wall_ms":1,"counter":0,"node":"n"},"notes":"hi"}]`,
	`[{"id":"a","hlc":{"wall_ms":1,"counter":0,"node":"n"}},{"id":"b","hlc":{"wall_ms":2,"counter":1,"node":"n"},"at":"2026-01-02T03:04:05Z"}]`,
	` [ {"id" : "a", "hlc":{"wall_ms":1,"node":"n"}} ] `,
	`[{"id":"a","hlc":{"wall_ms":1,"node":"n"},"notes":"a < b & c"}]`,
	`[{"id":"a","hlc":{"wall_ms":1,"node":"n"},"notes":"line\u2028two"}]`,
	"[{\"id\":\"a\",\"hlc\":{\"wall_ms\":1,\"node\":\"n\"},\"notes\":\"line\u2028two\"}]",
	`[{"id":"a","hlc":{"wall_ms":1,"node":"n"},"notes":"\u4e2d\u6587 \"q\" \\ \/"}]`,
	`[{"id":"a","hlc":{"wall_ms":1,"node":"n"},"n":[1,-2.5e3,0.1,true,false,null,{"x":[]}]}]`,
	`[{"ID":"a","hlc":{"wall_ms":1,"node":"n"}}]`,
	`[{"i\u0064":"a","hlc":{"wall_ms":1,"node":"n"}}]`,
	`[{"id":"a","id":"b"}]`,
	`[{"id":"\u0061"}]`,
	`[{"id":"a","hlc":{"wall_ms":"x"}}]`,
	`[{"id":"a","hlc":null}]`,
	`[{"id":1}]`,
	`[{"id":"a","hlc":{"wall_ms":1,"Counter":2,"node":"n"}}]`,
	`[{"id":"a","hlc":{"wall_ms":1.5,"node":"n"}}]`,
	`[{"id":"a","hlc":{"wall_ms":1e3,"node":"n"}}]`,
	`[{"id":"a","hlc":{"wall_ms":-0,"counter":-1}}]`,
	`[{"id":"a","hlc":{"counter":4294967296}}]`,
	`[{"id":"a","hlc":{"counter":4294967295,"wall_ms":9223372036854775807}}]`,
	`[{"id":"a","hlc":{"wall_ms":9223372036854775808}}]`,
	`[{"id":"a","hlc":{"node":"\u0041"}}]`,
	`[{"id":"a","hlc":{"wall_ms":1,"wall_ms":2}}]`,
	`[{"id":"a","hlc":{"x":[1,{"y":2}],"wall_ms":3,"node":""}}]`,
	`[{"id":"a","hlc":{"node":1}}]`,
	`[{"id":"a","hlc":[]}]`,
	`[1]`,
	`[{"id":"a"},]`,
	`[{"id":"a"}`,
	`[{"id":"a"} x]`,
	`[{"id":"a","n":01}]`,
	`[{"id":"a","n":1.}]`,
	`[{"id":"a","n":-}]`,
	`[{"id":"a","n":tru}]`,
	"[{\"id\":\"a\",\"n\":\"tab\there\"}]",
	`[{"id":"a","n":"\x"}]`,
	`[{"id":"a","n":"\u12"}]`,
	"[{\"id\":\"a\",\"n\":\"\xff\xfe\"}]",
	`{"id":"a"}`,
	`"text"`,
	`null`,
}

func TestParseEntriesAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range entrySamples {
		checkEntriesAgree(t, []byte(s))
	}
	// The fast path must take what fieldcrm itself writes.
	rev, _ := json.Marshal([]Revision{{ID: "r1", HLC: HLC{Wall: 5, Node: "n"}, Text: "客户 <VIP> & co\n下周再访"}})
	list, canon, ok := parseEntries(rev)
	if !ok || !canon || len(list) != 1 || list[0].key.ID != "r1" {
		t.Fatalf("parseEntries(%s) = %+v, canon %v, ok %v", rev, list, canon, ok)
	}
	if deep := strings.Repeat("[", 600) + strings.Repeat("]", 600); canonicalJSON([]byte(deep)) {
		t.Fatal("a list nested 600 deep was taken; it should be declined")
	}
}

func FuzzParseEntries(f *testing.F) {
	for _, s := range entrySamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkEntriesAgree(t, data) })
}

// TestAddEntriesJoinsAsMarshalWould: merging lists written by json.Marshal
// and lists written otherwise ends in the bytes the encoding/json path
// wrote, whatever mix arrives.
func TestAddEntriesJoinsAsMarshalWould(t *testing.T) {
	a := `{"id":"a","hlc":{"wall_ms":1,"counter":0,"node":"n"},"notes":"x"}`
	b := `{"id":"b","hlc":{"wall_ms":2,"counter":0,"node":"n"},"notes":"y < z"}`
	c := `{"id":"c", "hlc":{"wall_ms":3,"counter":0,"node":"n"},"notes":"z"}`
	want := `[` + a + `,{"id":"b","hlc":{"wall_ms":2,"counter":0,"node":"n"},"notes":"y \u003c z"},{"id":"c","hlc":{"wall_ms":3,"counter":0,"node":"n"},"notes":"z"}]`
	for _, order := range [][]string{{a, b, c}, {c, b, a}, {b, a, c}} {
		r := NewRecord(TypeActivity)
		for _, e := range order {
			r.mergeEntries("revisions", json.RawMessage("["+e+"]"))
		}
		if got := string(r.Fields["revisions"]); got != want {
			t.Fatalf("order %v: %s, want %s", order, got, want)
		}
	}
	r := NewRecord(TypeActivity)
	r.mergeEntries("revisions", json.RawMessage("["+a+"]"))
	if !r.appendEntry("revisions", "c", HLC{Wall: 3, Node: "n"}, json.RawMessage(c)) {
		t.Fatal("appendEntry added nothing")
	}
	if r.appendEntry("revisions", "c", HLC{Wall: 3, Node: "n"}, json.RawMessage(c)) {
		t.Fatal("appendEntry added an entry it holds")
	}
	if got, want := string(r.Fields["revisions"]), `[`+a+`,{"id":"c","hlc":{"wall_ms":3,"counter":0,"node":"n"},"notes":"z"}]`; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

// TestCreateFreshIsTheGeneralCreate: a create applied to a record holding
// nothing gives, by its shortcut, exactly the state and answer of the
// general path, including the stamps it drops and the bytes of its lists.
func TestCreateFreshIsTheGeneralCreate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		for _, op := range genOps(t, "c", map[HLC]bool{}) {
			if op.Kind != OpCreate {
				continue
			}
			if rapid.Bool().Draw(t, "null_field") {
				op.Fields["city"] = json.RawMessage("null")
			}
			fast, slow := NewRecord(TypeLead), NewRecord(TypeLead)
			fastChanged := fast.Apply(op)
			slowChanged := slow.applyCreate(op, Stamp{HLC: op.HLC, Actor: op.Actor.User})
			if fastChanged != slowChanged || !fast.Equal(slow) || len(fast.Stamps) != len(slow.Stamps) ||
				!bytes.Equal(EncodeFields(fast.Fields), EncodeFields(slow.Fields)) {
				t.Fatalf("create %s: shortcut %v %s, general %v %s", op.Fields, fastChanged, dump(fast), slowChanged, dump(slow))
			}
		}
	})
}
