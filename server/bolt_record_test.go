package server_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// TestBoltRecordRoundTrip: a record stored on bbolt reads back as it was
// put, fields (with characters JSON escapes) and merge state, and an
// empty one too.
func TestBoltRecordRoundTrip(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hlc := model.HLC{Wall: 1_700_000_000_000, Counter: 3, Node: "n1"}
	full := model.NewRecord(model.TypeActivity)
	full.Fields["id"] = json.RawMessage(`"a1"`)
	full.Fields["notes"] = json.RawMessage(`"<b>R&D</b> \u2028 说明"`)
	full.Fields["revisions"] = json.RawMessage(`[{"id":"r1","hlc":{"wall":1,"counter":0,"node":"n"},"text":"x"}]`)
	full.Base = model.Stamp{HLC: hlc, Actor: "ann"}
	full.Stamps["notes"] = model.Stamp{HLC: hlc, Actor: "bob"}
	full.History = []model.Overwritten{{Field: "notes", Value: json.RawMessage(`"old"`), HLC: hlc, Actor: "ann"}}
	empty := model.NewRecord(model.TypeActivity)
	ctx := context.Background()
	for id, rec := range map[string]*model.Record{"a1": full, "a2": empty} {
		ref := model.EntityRef{Type: model.TypeActivity, ID: id}
		if err := st.Update(ctx, func(tx server.Tx) error { return tx.PutRecord(ref, rec) }); err != nil {
			t.Fatal(err)
		}
		var got *model.Record
		if err := st.View(ctx, func(tx server.Tx) error {
			var ok bool
			got, ok, err = tx.Record(ref)
			if err == nil && !ok {
				t.Fatalf("%s not found", id)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for f, v := range rec.Fields {
			if !sameJSONValue(got.Fields[f], v) {
				t.Errorf("%s.%s = %s, want %s", id, f, got.Fields[f], v)
			}
		}
		if len(got.Fields) != len(rec.Fields) || got.Base != rec.Base || !reflect.DeepEqual(got.Stamps, rec.Stamps) ||
			len(got.History) != len(rec.History) {
			t.Errorf("%s read back as %+v, want %+v", id, got, rec)
		}
	}
}

func sameJSONValue(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
