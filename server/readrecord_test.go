package server

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
)

// SampleRecords are an activity with every part of a merge state and
// fields with characters JSON escapes (a1), and an empty one (a2): the
// records the storage tests store and read back.
func SampleRecords() map[string]*model.Record {
	hlc := model.HLC{Wall: 1_700_000_000_000, Counter: 3, Node: "n1"}
	full := model.NewRecord(model.TypeActivity)
	full.Fields["id"] = json.RawMessage(`"a1"`)
	full.Fields["notes"] = json.RawMessage(`"<b>R&D</b> \u2028 说明"`)
	full.Fields["revisions"] = json.RawMessage(`[{"id":"r1","hlc":{"wall":1,"counter":0,"node":"n"},"text":"x"}]`)
	full.Base = model.Stamp{HLC: hlc, Actor: "ann"}
	full.Stamps["notes"] = model.Stamp{HLC: hlc, Actor: "bob"}
	full.History = []model.Overwritten{{Field: "notes", Value: json.RawMessage(`"old"`), HLC: hlc, Actor: "ann"}}
	return map[string]*model.Record{"a1": full, "a2": model.NewRecord(model.TypeActivity)}
}

// readRecord reads every record as json.Unmarshal into a boltRecord
// does, or leaves it to it: records encodeRecord writes (which it must
// read), and stored JSON it must decline or read the same, a second "f"
// in the merge state, spaces, escapes and repeated keys among them.
func TestReadRecordAgreesWithEncodingJSON(t *testing.T) {
	full := SampleRecords()["a1"]
	plain := model.NewRecord(model.TypeActivity) // its fields without escapes: read, not declined
	for k, v := range full.Fields {
		if k != "notes" {
			plain.Fields[k] = v
		}
	}
	plain.Base, plain.Stamps, plain.History = full.Base, full.Stamps, full.History
	fresh := model.NewRecord(model.TypeLead)
	fresh.Fields["company"] = json.RawMessage(`"华北能源"`)
	fresh.Base = full.Base
	var inputs [][]byte
	read := 0
	for _, rec := range []*model.Record{full, plain, fresh, model.NewRecord(model.TypeTask)} {
		packed, err := encodeRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, unpacked(t, packed))
	}
	inputs = append(inputs, [][]byte{
		[]byte(`{"f":{"a":1},"base":{"hlc":{"wall_ms":1,"counter":0,"node":"n"}},"f":{"b":2}}`),
		[]byte(`{"f":{"a":1},"F":{"b":2}}`),
		[]byte(`{"f":{"a":1} ,"base":{}}`),
		[]byte(`{"f": {"a":1}}`),
		[]byte(`{"f":{"a":1,"a":2}}`),
		[]byte(`{"f":{"\u0061":1}}`),
		[]byte(`{"f":{"a":"x\ty"}}`),
		[]byte(`{"f":{"a":1}}x`),
		[]byte(`{"f":{"a":1},}`),
		[]byte(`{"f":null}`),
		[]byte(`{"f":[1]}`),
		[]byte(`{"f":{}}`),
		[]byte(`{"f":{"a":[1,{"b":null}]},"stamps":{"a":{"hlc":{"wall_ms":2,"counter":0,"node":"m"}}}}`),
		[]byte(`{"base":{},"f":{"a":1}}`),
		[]byte(`{"f":{"a":1},"history":"x"}`),
	}...)
	for _, in := range inputs {
		if checkReadRecord(t, in) {
			read++
		}
	}
	if read < 4 {
		t.Fatalf("readRecord read only %d inputs: the comparison proves little", read)
	}
}

// checkReadRecord fails t unless readRecord declines in or reads it as
// json.Unmarshal into a boltRecord does; it reports whether it read it.
func checkReadRecord(t *testing.T, in []byte) bool {
	t.Helper()
	want, werr := unmarshalRecord(model.TypeLead, in)
	got := model.NewRecord(model.TypeLead)
	if !readRecord(bytes.Clone(in), got) {
		return false // declined: json.Unmarshal decides, as want did
	}
	if werr != nil {
		t.Fatalf("%q: read, but json.Unmarshal refuses it: %v", in, werr)
	}
	if !reflect.DeepEqual(normal(got), normal(want)) {
		t.Fatalf("%q: read as %+v, json.Unmarshal reads %+v", in, got, want)
	}
	return true
}

func FuzzReadRecord(f *testing.F) {
	f.Add([]byte(`{"f":{"a":1},"base":{"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":"ann"}}`))
	f.Add([]byte(`{"f":{"a":[1,{"b":null}]},"stamps":{"a":{"hlc":{"wall_ms":2,"counter":0,"node":"m"}}},"history":[{"field":"a","value":2,"hlc":{"wall_ms":1,"counter":0,"node":"n"}}]}`))
	f.Add([]byte(`{"f":{"a":1},"F":{"b":2}}`))
	f.Add([]byte(`{"f":{}}`))
	f.Fuzz(func(t *testing.T, in []byte) { checkReadRecord(t, in) })
}

func unpacked(t *testing.T, packed []byte) []byte {
	t.Helper()
	v, err := jsonpack.Unpack(nil, packed)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// normal is a record with its fields' values as plain byte slices, for
// reflect.DeepEqual.
func normal(r *model.Record) *model.Record {
	c := *r
	c.Fields = map[string]json.RawMessage{}
	for k, v := range r.Fields {
		c.Fields[k] = append(json.RawMessage{}, v...)
	}
	return &c
}
