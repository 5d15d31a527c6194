package wire

import (
	"encoding/json"
	"net/url"
	"testing"
)

// The decoders face the network: whatever the bytes, they return a value
// or an error, never panic, and what they accept is well-formed.

func FuzzDecodePushRequest(f *testing.F) {
	f.Add([]byte(`{"ops":[]}`))
	f.Add([]byte(`{"ops":[{"op_id":"a","entity":{"type":"lead","id":"l"},"kind":"set","fields":{"city":"苏州"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":null}`))
	f.Add([]byte(`{"ops":[],"x":1}`))
	f.Add([]byte(`[]`))
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanAgrees(t, data)
		req, err := DecodePushRequest(data)
		if err != nil {
			return
		}
		if req.Ops == nil || len(req.Ops) > MaxBatchOps {
			t.Fatalf("accepted %d ops (nil: %v)", len(req.Ops), req.Ops == nil)
		}
		for _, op := range req.Ops {
			if !json.Valid(op) {
				t.Fatalf("accepted an op that is not JSON: %q", op)
			}
		}
	})
}

func FuzzDecodePullResponse(f *testing.F) {
	f.Add([]byte(`{"changes":[],"cursor":0,"epoch":"e","more":false}`))
	f.Add([]byte(`{"changes":[{"seq":1,"op":{"op_id":"a","entity":{"type":"lead","id":"l"},"kind":"delete","hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}}],"cursor":1,"epoch":"e","more":true}`))
	f.Add([]byte(`{"changes":[{"seq":2,"remove":{"type":"activity","id":"x"}}],"cursor":2,"epoch":"e","more":false}`))
	f.Add([]byte(`{"changes":[{"seq":3,"state":{"entity":{"type":"lead","id":"l"},"fields":{"owner":"ann"},"base":{"hlc":{"wall_ms":1,"counter":0,"node":"n"}}}}],"cursor":3,"epoch":"e","more":false}`))
	f.Add([]byte(`{"changes":[{"seq":1}],"cursor":1,"epoch":"e","more":false}`))
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanAgrees(t, data)
		resp, err := DecodePullResponse(data)
		if err != nil {
			return
		}
		for i, c := range resp.Changes {
			n := 0
			if c.Op != nil {
				n++
				if err := c.Op.Validate(); err != nil {
					t.Fatalf("change %d: accepted an invalid op: %v", i, err)
				}
			}
			if c.State != nil {
				n++
				_ = c.State.Record() // must not panic
			}
			if c.Remove != nil {
				n++
			}
			if n != 1 {
				t.Fatalf("change %d holds %d parts", i, n)
			}
		}
	})
}

func FuzzParsePullQuery(f *testing.F) {
	f.Add("cursor=0&limit=100")
	f.Add("cursor=18446744073709551615")
	f.Add("limit=0")
	f.Add("cursor=1&cursor=2")
	f.Add("since=4")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := ParsePullQuery(q)
		if err != nil {
			return
		}
		if p.Limit < 1 || p.Limit > MaxPullLimit {
			t.Fatalf("accepted limit %d", p.Limit)
		}
	})
}
