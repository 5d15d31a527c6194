package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
)

var embedSeeds = [][]json.RawMessage{
	{},
	{json.RawMessage(`{"op_id":"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e0f","entity":{"type":"lead","id":"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e10"},"kind":"create","fields":{"company":"苏州","owner":"ann","created_at":"2026-03-01T08:00:00.123Z"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{"user":"ann"},"schema":1}`)},
	{json.RawMessage(`{"a":1}`), json.RawMessage(`[]`), json.RawMessage(`"x"`), json.RawMessage(`{"kind":"set","fields":{"notes":"line\nline"}}`)},
}

// joined is the JSON a push of ops stands for.
func joined(ops []json.RawMessage) []byte {
	b := []byte(`{"ops":[`)
	for i, op := range ops {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, op...)
	}
	return append(b, "]}"...)
}

// TestEmbeddedPushRoundTrip: a push built by AppendEmbeddedPush reads
// back as its ops, the same as the JSON it stands for reads by
// DecodePushRequest; one with an op Pack cannot pack is not built.
func TestEmbeddedPushRoundTrip(t *testing.T) {
	for _, ops := range embedSeeds {
		body, err := AppendEmbeddedPush(nil, ops)
		if err != nil {
			t.Fatal(err)
		}
		req, packed, ok, err := DecodeEmbeddedPush(body)
		if !ok || err != nil || len(req.Ops) != len(ops) || len(packed) != len(ops) || req.Ops == nil {
			t.Fatalf("%d ops read back as %d, %v, %v", len(ops), len(req.Ops), ok, err)
		}
		plain, err := DecodePushRequest(joined(ops))
		if err != nil {
			t.Fatal(err)
		}
		for i := range ops {
			back, err := jsonpack.Unpack(nil, packed[i])
			if !bytes.Equal(req.Ops[i], plain.Ops[i]) || err != nil || !bytes.Equal(back, ops[i]) {
				t.Fatalf("op %d reads back as %s, packed %x", i, req.Ops[i], packed[i])
			}
		}
		if whole, err := jsonpack.Unpack(nil, body); err != nil || !bytes.Equal(whole, joined(ops)) {
			t.Fatalf("the body unpacked whole is %s, %v", whole, err)
		}
	}
	dst := []byte("dst")
	if got, err := AppendEmbeddedPush(dst, []json.RawMessage{json.RawMessage(`{"a":1}`), json.RawMessage(`{ "a": 1 }`)}); !errors.Is(err, jsonpack.ErrNotCompact) || string(got) != "dst" {
		t.Fatalf("a push with a spaced op: %q, %v", got, err)
	}
	if _, _, ok, _ := DecodeEmbeddedPush(jsonpack.Pack(nil, joined(embedSeeds[2]))); ok {
		t.Fatal("a push packed whole was read as embedded")
	}
	many := make([]json.RawMessage, MaxBatchOps+1)
	for i := range many {
		many[i] = json.RawMessage(`{}`)
	}
	body, _ := AppendEmbeddedPush(nil, many)
	if _, _, ok, err := DecodeEmbeddedPush(body); !ok || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%d ops: %v, %v", len(many), ok, err)
	}
	big := json.RawMessage(`"` + strings.Repeat("苏州 ", MaxBatchBytes/14) + `"`)
	body, _ = AppendEmbeddedPush(nil, []json.RawMessage{big, big})
	if _, _, ok, err := DecodeEmbeddedPush(body); !ok || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "batch") {
		t.Fatalf("two ops over a batch's bytes: %v, %v", ok, err)
	}
	if _, _, ok, err := DecodeEmbeddedPush(body[:len(body)/2]); ok || err != nil {
		t.Fatalf("a cut body: %v, %v", ok, err)
	}
}

// FuzzDecodeEmbeddedPush: whatever the bytes, DecodeEmbeddedPush does not
// panic, and what it reads is what the body unpacked whole stands for.
func FuzzDecodeEmbeddedPush(f *testing.F) {
	for _, ops := range embedSeeds {
		body, _ := AppendEmbeddedPush(nil, ops)
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, packed, ok, err := DecodeEmbeddedPush(body)
		if !ok || err != nil {
			return
		}
		if len(req.Ops) > MaxBatchOps || len(packed) != len(req.Ops) {
			t.Fatalf("read %d ops, %d packed", len(req.Ops), len(packed))
		}
		for _, op := range req.Ops {
			if !json.Valid(op) {
				t.Fatalf("read an op that is not JSON: %q", op)
			}
		}
		if whole, err := jsonpack.Unpack(nil, body); err != nil || !bytes.Equal(whole, joined(req.Ops)) {
			t.Fatalf("unpacked whole: %q, %v; read %q", whole, err, joined(req.Ops))
		}
	})
}
