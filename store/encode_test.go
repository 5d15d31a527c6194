package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// The create path's one-pass encoding gives what json.Marshal gives.
func TestCreateEncodingMatchesJSONMarshal(t *testing.T) {
	odd := []string{"plain", "华北 \"能源\"", "<b>&amp;</b>", "line\nbreak\ttab", "\u2028\u2029", "bad \xff utf8", "back\\slash", ""}
	var e createEncoder
	for _, s := range odd {
		v := &model.Activity{ID: "a" + s, LeadID: s, Kind: model.KindCall, Contact: s, Outcome: s,
			Revisions: []model.Revision{{ID: "r", HLC: model.HLC{Wall: 1, Counter: 2, Node: s}, Text: s, Author: s}}}
		op := rawOp{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeActivity, ID: v.ID}, Kind: model.OpCreate,
			HLC: model.HLC{Wall: 1764230400000, Counter: 41, Node: "n" + s}, Actor: model.Actor{User: s, Device: "d" + s}, Schema: 1}
		got, err := e.encode(&op, v)
		if err != nil {
			t.Fatal(err)
		}
		fields, _ := json.Marshal(v)
		if !bytes.Equal(got.fields, fields) {
			t.Errorf("fields of %q:\n%s\nwant\n%s", s, got.fields, fields)
		}
		stamps, _ := json.Marshal(model.Record{Base: model.Stamp{HLC: op.HLC, Actor: op.Actor.User}})
		if !bytes.Equal(got.stamps, stamps) {
			t.Errorf("stamps of %q:\n%s\nwant\n%s", s, got.stamps, stamps)
		}
		want, _ := json.Marshal(struct {
			ID     string          `json:"op_id"`
			Entity model.EntityRef `json:"entity"`
			Kind   string          `json:"kind"`
			Fields json.RawMessage `json:"fields"`
			HLC    model.HLC       `json:"hlc"`
			Actor  model.Actor     `json:"actor"`
			Schema int             `json:"schema"`
		}{op.ID, op.Entity, op.Kind, fields, op.HLC, op.Actor, op.Schema})
		if data := op.encodeWith(got.fields); !bytes.Equal(data, want) {
			t.Errorf("op of %q:\n%s\nwant\n%s", s, data, want)
		}
		ref, err := decodeRef(op.appendRef(nil, "n"+s), "n"+s)
		if err != nil || ref != op {
			t.Errorf("reference of %q: %+v, %v; want %+v", s, ref, err, op)
		}
	}
}
