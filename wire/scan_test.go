package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// checkScanAgrees fails t when scanPush or scanPull accepts data and
// reads it otherwise than encoding/json (decodeStrict) does, the path it
// declines to and the reference it must equal.
func checkScanAgrees(t *testing.T, data []byte) {
	t.Helper()
	if got, ok := scanPush(data); ok {
		var want PushRequest
		if err := decodeStrict(data, &want); err != nil {
			t.Fatalf("%q: scanPush took a push encoding/json refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanPush reads %q, encoding/json %q", data, got.Ops, want.Ops)
		}
	}
	if got, ok := scanPull(data); ok {
		var want PullResponse
		if err := decodeStrict(data, &want); err != nil {
			t.Fatalf("%q: scanPull took an answer encoding/json refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanPull reads %+v, encoding/json %+v", data, got, want)
		}
	}
}

const seedOp = `{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"set","fields":{"city":"苏州","n":[1,2.5e3,{"a":null}]},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{"user":"ann"},"schema":1}`

// scanSeeds are frames the scanners read and frames they must decline,
// each a case where encoding/json reads something else or refuses.
var scanSeeds = []string{
	`{"ops":[]}`,
	`{"ops":[` + seedOp + `,` + seedOp + `]}`,
	" \t\n{ \"ops\" : [ " + seedOp + " , {\"x\" : [ 1 , true ] } , null , \"s\" , 1.5 ] } \r\n",
	`{}`,
	`{"ops":null}`,
	`{"ops":[],"ops":[1]}`,
	`{"Ops":[1]}`,
	`{"op\u0073":[1]}`,
	`{"ops":[1],"x":1}`,
	`{"ops":[1,]}`,
	`{"ops":[1]} x`,
	`{"ops":[1]}{}`,
	`{"ops":[{"a":"\u00"}]}`,
	`{"ops":[` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `]}`,
	`{"changes":[],"cursor":0,"epoch":"e","more":false}`,
	`{"changes":[{"seq":1,"op":` + seedOp + `},{"seq":2,"state":{"entity":{"type":"lead","id":"l"},"fields":{"owner":"ann"},"base":{"hlc":{"wall_ms":1,"counter":0,"node":"n"}}}},{"seq":3,"remove":{"type":"lead","id":"x"}}],"cursor":3,"epoch":"e","more":true}`,
	` { "more" : true , "epoch" : "e 1" , "cursor" : 18446744073709551615 , "changes" : [ { "op" : ` + seedOp + ` , "seq" : 0 } , { } ] } `,
	`{"cursor":1}`,
	`{"changes":null,"cursor":1}`,
	`{"changes":[{"seq":1,"op":null}]}`,
	`{"changes":[{"seq":1,"state":null}]}`,
	`{"changes":[{"seq":1,"remove":{"type":"lead","id":"x","z":1}}]}`,
	`{"changes":[{"seq":1,"remove":{"Type":"lead","id":"x"}}]}`,
	`{"changes":[{"seq":1,"op":{"OP_ID":"o"}}]}`,
	`{"changes":[{"seq":1,"seq":2}]}`,
	`{"changes":[{"Seq":1}]}`,
	`{"changes":[{"seq":01}]}`,
	`{"changes":[{"seq":1.0}]}`,
	`{"changes":[{"seq":1e1}]}`,
	`{"changes":[{"seq":-1}]}`,
	`{"changes":[{"seq":"1"}]}`,
	`{"cursor":18446744073709551616}`,
	`{"epoch":"\u0065"}`,
	`{"epoch":"纪元"}`,
	`{"epoch":1}`,
	`{"more":null}`,
	`{"more":tru}`,
	`{"more":truex}`,
	`{"more":false,"more":true}`,
	`{"changes":[],"cursor":0,"epoch":"e","more":false,"x":1}`,
	`{"changes":[{"seq":1,"op":` + seedOp + `,"remove":{"type":"lead","id":"L1"}}],"cursor":1}`,
	`{"changes":[{"seq":1,"state":{"entity":{"type":"lead","id":"l"},"fields":{"a":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}}}]}`,
	`[]`,
	``,
}

func TestScanAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range scanSeeds {
		checkScanAgrees(t, []byte(s))
	}
}

// Frames as json.Marshal writes them, with ops as clients write them,
// take the one-pass path; were they declined, the answers would still be
// right, only slow.
func TestScanReadsWhatClientsAndServersWrite(t *testing.T) {
	var op model.Op
	if err := json.Unmarshal([]byte(seedOp), &op); err != nil {
		t.Fatal(err)
	}
	rec := model.NewRecord(model.TypeLead)
	rec.Fields["owner"] = json.RawMessage(`"ann"`)
	ref := model.EntityRef{Type: model.TypeLead, ID: "L2"}
	page, err := json.Marshal(PullResponse{Changes: []Change{
		{Seq: 1, Op: &op}, {Seq: 2, State: ptr(StateOf(ref, rec))}, {Seq: 3, Remove: &ref},
	}, Cursor: 3, Epoch: "2026-12-05T02:00:00Z", More: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := scanPull(page)
	if !ok || len(resp.Changes) != 3 || resp.Changes[0].Op.ID != "o1" || resp.Changes[1].State == nil || resp.Changes[2].Remove.ID != "L2" {
		t.Errorf("%s: read %+v, %v", page, resp, ok)
	}
	checkScanAgrees(t, page)
	push, err := json.Marshal(struct {
		Ops []model.Op `json:"ops"`
	}{[]model.Op{op, op}})
	if err != nil {
		t.Fatal(err)
	}
	if req, ok := scanPush(push); !ok || len(req.Ops) != 2 {
		t.Errorf("%s: read %q, %v", push, req.Ops, ok)
	}
	checkScanAgrees(t, push)
}

func ptr[T any](v T) *T { return &v }
