package wire

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fieldcrm/fieldcrm/jsonpack"
)

// A push whose ops are packed each on its own and embedded whole in the
// packed body (jsonpack.EmbeddedList), sent by a client to a server that
// names PackEmbed in AcceptHeader. The server keeps each op as it came
// for its log, and unpacks only the ops, not the body: it no longer
// unpacks the body whole, splits its JSON into ops and packs each op
// again (BENCHMARKS.md, "Ops embedded whole in a push").

// AppendEmbeddedPush appends to dst the packed body of a push of ops,
// each compact JSON, embedded whole; it fails, leaving dst as it was,
// when an op is not JSON Pack can pack (jsonpack.ErrNotCompact), and the
// caller then sends the push packed whole.
func AppendEmbeddedPush(dst []byte, ops []json.RawMessage) ([]byte, error) {
	start := len(dst)
	b := jsonpack.AppendArray(jsonpack.AppendKey(jsonpack.AppendObject(jsonpack.AppendTag(dst)), "ops"))
	for _, op := range ops {
		var err error
		if b, err = jsonpack.AppendEmbedded(b, op); err != nil {
			return b[:start], err
		}
	}
	return jsonpack.AppendEnd(jsonpack.AppendArrayEnd(b)), nil
}

// DecodeEmbeddedPush reads a packed push body that AppendEmbeddedPush
// wrote: ok is false when body is not of that shape, and the caller then
// unpacks it whole and reads it with DecodePushRequest. Each op is
// unpacked alone, into one buffer; jsonpack checks every token, so each
// is valid JSON. req.Ops are their JSON and packed[i] is op i as it came.
// The frame is held to DecodePushRequest's limits, on the JSON the body
// stands for: over one, the error Is ErrTooLarge; an op that does not
// unpack gives an error wrapping jsonpack.ErrDamaged.
func DecodeEmbeddedPush(body []byte) (req PushRequest, packed [][]byte, ok bool, err error) {
	packed, ok = jsonpack.EmbeddedList(body, "ops")
	if !ok {
		return PushRequest{}, nil, false, nil
	}
	if len(packed) > MaxBatchOps {
		return PushRequest{}, nil, true, tooLarge(fmt.Sprintf("the request carries %d ops; at most %d", len(packed), MaxBatchOps))
	}
	// The JSON it stands for: {"ops":[ and ]}, the ops and their commas.
	size := len(`{"ops":[]}`) + max(len(packed)-1, 0)
	buf := make([]byte, 0, min(4*len(body)+1024, MaxBodyBytes))
	ends := make([]int, len(packed))
	for i, op := range packed {
		if buf, err = jsonpack.UnpackMax(buf, op, MaxBodyBytes-size-len(buf)); err != nil {
			if errors.Is(err, jsonpack.ErrTooLarge) {
				return PushRequest{}, nil, true, tooLarge(fmt.Sprintf("the request unpacks to more than %d bytes", MaxBodyBytes))
			}
			return PushRequest{}, nil, true, fmt.Errorf("op %d of the request: %w", i, err)
		}
		ends[i] = len(buf)
	}
	if size += len(buf); len(packed) > 1 && size > MaxBatchBytes {
		return PushRequest{}, nil, true, tooLarge(fmt.Sprintf("the request is %d bytes; a batch may be at most %d (send a long op alone)", size, MaxBatchBytes))
	}
	req.Ops = make([]json.RawMessage, len(packed))
	from := 0
	for i, end := range ends {
		req.Ops[i] = buf[from:end:end]
		from = end
	}
	return req, packed, true, nil
}
