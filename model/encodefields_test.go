package model

import (
	"bytes"
	"encoding/json"
	"testing"
)

// BenchmarkEncodeFields writes a lead's and an activity's fields as every
// stored record is written: by the server for each record a push makes,
// by a laptop for each one a pull brings.
func BenchmarkEncodeFields(b *testing.B) {
	for _, s := range fieldSeeds[:2] {
		fields := seedFields(s.fields)
		b.Run(s.typ, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				EncodeFields(fields)
			}
		})
	}
}

// EncodeFields writes what json.Marshal writes, keys sorted, for every
// seed whose values are compact JSON (it writes values as they are) and
// for keys that need quoting.
func TestEncodeFieldsIsJSONMarshal(t *testing.T) {
	cases := []map[string]json.RawMessage{{}, {"a": nil}, {"b\"c": json.RawMessage(`1`), "a<b": json.RawMessage(`"x"`), "é": json.RawMessage(`[]`)}}
	for _, s := range fieldSeeds {
		cases = append(cases, seedFields(s.fields))
	}
	tested := 0
	for _, f := range cases {
		want, err := json.Marshal(f)
		if err != nil || !compactValues(f) {
			continue // not JSON, or written as it is where Marshal compacts it
		}
		tested++
		if got := EncodeFields(f); !bytes.Equal(got, want) {
			t.Fatalf("EncodeFields wrote %s, json.Marshal %s", got, want)
		}
	}
	if tested < 8 {
		t.Fatalf("only %d cases compared", tested)
	}
}

func compactValues(f map[string]json.RawMessage) bool {
	for _, v := range f {
		var b bytes.Buffer
		if v != nil && (json.Compact(&b, v) != nil || !bytes.Equal(b.Bytes(), v)) {
			return false
		}
	}
	return true
}
