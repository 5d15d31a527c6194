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
	ctx := context.Background()
	for id, rec := range server.SampleRecords() {
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
