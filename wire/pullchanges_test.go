package wire

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const goodOp = `{"op_id":"%s","entity":{"type":"lead","id":"%s"},"kind":"set","fields":{"city":"苏州"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`

func op(id, lead string) string { return fmt.Sprintf(goodOp, id, lead) }

// One unreadable change of any kind leaves the answer readable: the good
// changes come back in order, each bad one with its place, what could be
// read of it, and why.
func TestDecodePullChangesSetsBadChangesApart(t *testing.T) {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	for _, tc := range []struct {
		name, bad string
		seq       uint64
		kind, ref string
		opID      string
		reason    string
	}{
		{"an op without a clock", `{"seq":2,"op":{"op_id":"o2","entity":{"type":"lead","id":"L2"},"kind":"set","fields":{"city":"x"},"actor":{},"schema":1}}`, 2, "op", "L2", "o2", "hlc"},
		{"a seq of the wrong type", `{"seq":"two","op":` + op("o2", "L2") + `}`, 0, "op", "L2", "o2", "seq"},
		{"an unknown member", `{"seq":2,"op":` + op("o2", "L2") + `,"extra":1}`, 2, "op", "L2", "o2", "extra"},
		{"a field nested deeper than encoding/json takes", `{"seq":2,"op":{"op_id":"o2","entity":{"type":"lead","id":"L2"},"kind":"set","fields":{"zzz":` + deep + `},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}}`, 2, "op", "L2", "o2", "depth"},
		{"a state naming a bad entity", `{"seq":2,"state":{"entity":{"type":"planet","id":"P"},"fields":{}}}`, 2, "state", "P", "", "planet"},
		{"two parts", `{"seq":2,"op":` + op("o2", "L2") + `,"remove":{"type":"lead","id":"L2"}}`, 2, "", "L2", "o2", "exactly one"},
		{"not an object", `"hello"`, 0, "", "", "", "not valid"},
	} {
		page := `{"changes":[{"seq":1,"op":` + op("o1", "L1") + `},` + tc.bad + `,{"seq":3,"remove":{"type":"lead","id":"L3"}}],"cursor":3,"epoch":"e","more":true}`
		resp, bad, err := DecodePullChanges([]byte(page))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if resp.Cursor != 3 || resp.Epoch != "e" || !resp.More || len(resp.Changes) != 2 ||
			resp.Changes[0].Op == nil || resp.Changes[0].Op.ID != "o1" || resp.Changes[1].Remove == nil || resp.Changes[1].Remove.ID != "L3" {
			t.Errorf("%s: answer %+v", tc.name, resp)
		}
		if len(bad) != 1 {
			t.Errorf("%s: %d bad changes", tc.name, len(bad))
			continue
		}
		b := bad[0]
		if b.Before != 1 || b.Seq != tc.seq || b.Kind != tc.kind || b.Entity.ID != tc.ref || b.OpID != tc.opID || len(b.Raw) == 0 {
			t.Errorf("%s: bad change %+v", tc.name, b)
		}
		if !strings.Contains(b.Reason, tc.reason) {
			t.Errorf("%s: reason %q does not say %q", tc.name, b.Reason, tc.reason)
		}
	}
}

// An answer that reads whole gives what DecodePullResponse gives.
func TestDecodePullChangesAgreesOnGoodAnswers(t *testing.T) {
	page := `{"changes":[{"seq":1,"op":` + op("o1", "L1") + `},{"seq":2,"state":{"entity":{"type":"lead","id":"L"},"fields":{"owner":"ann"},"base":{"hlc":{"wall_ms":1,"counter":0,"node":"n"}}}}],"cursor":2,"epoch":"e","more":false}`
	want, err := DecodePullResponse([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	got, bad, err := DecodePullChanges([]byte(page))
	if err != nil || len(bad) != 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %+v, %v; want %+v", got, bad, err, want)
	}
}

// A broken frame is still an error: the cursor must not move past
// changes nobody could read.
func TestDecodePullChangesRefusesABrokenFrame(t *testing.T) {
	for _, page := range []string{
		``,
		`[]`,
		`{"changes":[{"seq":1}`,
		`{"changes":[{"seq":1,"op":{"a":[}}],"cursor":1,"epoch":"e","more":false}`,
		`{"changes":[{"seq":1,"x":"unterminated}],"cursor":1,"epoch":"e","more":false}`,
		`{"changes":[{"seq":"x"}],"cursor":"1","epoch":"e","more":false}`,
		`{"changes":[{"seq":"x"}],"cursor":1,"epoch":"e","more":false,"extra":1}`,
		`{"changes":[{"seq":"x"}],"changes":[],"cursor":1,"epoch":"e","more":false}`,
		`{"changes":[{"seq":"x"}],"cursor":1,"epoch":"e","more":false} {}`,
		`{"changes":[{"seq":"x"}] "cursor":1}`,
		`{"changes":[{"seq":"x"},],"cursor":1}`,
	} {
		if resp, bad, err := DecodePullChanges([]byte(page)); err == nil {
			t.Errorf("%s: accepted: %+v, bad %+v", page, resp, bad)
		}
	}
}

func FuzzDecodePullChanges(f *testing.F) {
	f.Add([]byte(`{"changes":[],"cursor":0,"epoch":"e","more":false}`))
	f.Add([]byte(`{"changes":[{"seq":1,"op":` + op("o1", "L1") + `},{"seq":"2"},[[["x"]]]],"cursor":2,"epoch":"e","more":true}`))
	f.Add([]byte(`{"changes":[{"seq":3,"state":{"entity":{"type":"lead","id":"l"},"fields":{"owner":"ann"},"base":{"hlc":{"wall_ms":1,"counter":0,"node":"n"}}}},{"seq":4,"remove":{"type":"x","id":"y"}}],"cursor":4,"epoch":"e","more":false}`))
	f.Add([]byte(`{"changes":[{"seq":1,"op":{"fields":{"a":"\"]}"}}}],"cursor":1,"epoch":"e","more":false}`))
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanAgrees(t, data)
		resp, bad, err := DecodePullChanges(data)
		if err != nil {
			if resp.Changes != nil || bad != nil {
				t.Fatal("an error with changes")
			}
			return
		}
		for i, c := range resp.Changes {
			if err := checkChange(c); err != nil {
				t.Fatalf("change %d: accepted a bad change: %v", i, err)
			}
			if c.Op != nil {
				if err := c.Op.Validate(); err != nil { // with its values checked again
					t.Fatalf("change %d: accepted a bad op: %v", i, err)
				}
			}
		}
		for _, b := range bad {
			if b.Before < 0 || b.Before > len(resp.Changes) || b.Reason == "" {
				t.Fatalf("bad change %+v", b)
			}
		}
		if strict, err := DecodePullResponse(data); err == nil {
			if len(bad) != 0 || len(strict.Changes) != len(resp.Changes) {
				t.Fatalf("DecodePullResponse reads %d changes, DecodePullChanges %d and %d bad", len(strict.Changes), len(resp.Changes), len(bad))
			}
		}
	})
}
