package wire_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/wire"
)

// The decoders of a first sync's pages. FIELDCRM_WIRE_PAGES names a
// folder holding pull.json (a pull answer) and push.json (a push body)
// captured from a real sync (BENCHMARKS.md, issue 15); without it the
// pages are made here, 2,000 creates of activities with a note each.

func BenchmarkDecodePullChanges(b *testing.B) {
	page := benchPage(b, "pull.json", func(ops []model.Op) any {
		changes := make([]wire.Change, len(ops))
		for i := range ops {
			changes[i] = wire.Change{Seq: uint64(i + 1), Op: &ops[i]}
		}
		return wire.PullResponse{Changes: changes, Cursor: uint64(len(ops)), Epoch: "e", More: true}
	})
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		resp, bad, err := wire.DecodePullChanges(page)
		if err != nil || len(bad) > 0 || len(resp.Changes) == 0 {
			b.Fatalf("%d changes, %d bad, %v", len(resp.Changes), len(bad), err)
		}
	}
}

func BenchmarkDecodePushRequest(b *testing.B) {
	body := benchPage(b, "push.json", func(ops []model.Op) any {
		return struct {
			Ops []model.Op `json:"ops"`
		}{ops}
	})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := wire.DecodePushRequest(body)
		if err != nil || len(req.Ops) == 0 {
			b.Fatalf("%d ops, %v", len(req.Ops), err)
		}
	}
}

// benchPage reads name from FIELDCRM_WIRE_PAGES, or encodes frame of
// made-up ops.
func benchPage(b *testing.B, name string, frame func([]model.Op) any) []byte {
	if dir := os.Getenv("FIELDCRM_WIRE_PAGES"); dir != "" {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	ops := make([]model.Op, 2000)
	for i := range ops {
		id := fmt.Sprintf("01a243f1-7f07-7cee-adcf-%012d", i)
		hlc := model.HLC{Wall: 1796436229895, Counter: uint32(i), Node: "01a243f1-7f07-708f-b2cc-49e14e844e69"}
		rev, err := json.Marshal([]map[string]any{{"id": id, "hlc": hlc, "at": "2026-02-10T09:00:00Z", "by": "ann",
			"text": strings.Repeat("拜访客户, discussed the supply plan and pricing. ", 6)}})
		if err != nil {
			b.Fatal(err)
		}
		ops[i] = model.Op{ID: id, Entity: model.EntityRef{Type: model.TypeActivity, ID: id}, Kind: model.OpCreate,
			Fields: map[string]json.RawMessage{
				"lead_id":    json.RawMessage(`"01a243f1-7f07-7cea-b97d-2317a530f765"`),
				"kind":       json.RawMessage(`"visit"`),
				"started_at": json.RawMessage(`"2026-02-10T09:00:00Z"`),
				"revisions":  rev,
			},
			HLC: hlc, Actor: model.Actor{User: "ann", Device: "laptop"}, Schema: model.CurrentSchema}
	}
	data, err := json.Marshal(frame(ops))
	if err != nil {
		b.Fatal(err)
	}
	return data
}
