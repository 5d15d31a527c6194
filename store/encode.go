package store

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/fieldcrm/fieldcrm/model"
)

// createEncoder encodes what a create writes: the record and its merge
// state, into one allocation. The op is not written out: the outbox
// refers to the record (outbox.go).
type createEncoder struct {
	scratch bytes.Buffer
	enc     *json.Encoder
}

// createParts are the two values a create puts.
type createParts struct {
	fields []byte // the record's JSON, as json.Marshal would give it
	stamps []byte // the record's merge state: model.Record{Base: ...}
}

// encode encodes v, the new record of op.
func (e *createEncoder) encode(op *rawOp, v any) (createParts, error) {
	if e.enc == nil {
		e.enc = json.NewEncoder(&e.scratch)
	}
	e.scratch.Reset()
	// Encode gives what json.Marshal gives, plus a newline.
	if err := e.enc.Encode(v); err != nil {
		return createParts{}, err
	}
	fields := bytes.TrimSuffix(e.scratch.Bytes(), []byte("\n"))
	out := make([]byte, 0, len(fields)+128)
	out = append(out, fields...)
	out = appendBaseStamps(out, model.Stamp{HLC: op.HLC, Actor: op.Actor.User})
	return createParts{fields: out[:len(fields):len(fields)], stamps: out[len(fields):]}, nil
}

// appendHead writes the op's JSON up to its fields.
func (op *rawOp) appendHead(b []byte) []byte {
	b = append(b, `{"op_id":`...)
	b = appendJSONString(b, op.ID)
	b = append(b, `,"entity":{"type":`...)
	b = appendJSONString(b, op.Entity.Type)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, op.Entity.ID)
	b = append(b, `},"kind":`...)
	b = appendJSONString(b, op.Kind)
	return append(b, `,"fields":`...)
}

// appendTail writes the op's JSON after its fields.
func (op *rawOp) appendTail(b []byte) []byte {
	b = append(b, `,"hlc":`...)
	b = appendHLC(b, op.HLC)
	b = append(b, `,"actor":{`...)
	if op.Actor.User != "" {
		b = append(b, `"user":`...)
		b = appendJSONString(b, op.Actor.User)
		if op.Actor.Device != "" {
			b = append(b, ',')
		}
	}
	if op.Actor.Device != "" {
		b = append(b, `"device":`...)
		b = appendJSONString(b, op.Actor.Device)
	}
	b = append(b, `},"schema":`...)
	b = strconv.AppendInt(b, int64(op.Schema), 10)
	return append(b, '}')
}

func appendHLC(b []byte, h model.HLC) []byte {
	b = append(b, `{"wall_ms":`...)
	b = strconv.AppendInt(b, h.Wall, 10)
	b = append(b, `,"counter":`...)
	b = strconv.AppendUint(b, uint64(h.Counter), 10)
	b = append(b, `,"node":`...)
	b = appendJSONString(b, h.Node)
	return append(b, '}')
}

// appendBaseStamps writes model.Record{Base: s} as json.Marshal does.
func appendBaseStamps(b []byte, s model.Stamp) []byte {
	if s == (model.Stamp{}) {
		return append(b, "{}"...)
	}
	b = append(b, `{"base":{"hlc":`...)
	b = appendHLC(b, s.HLC)
	if s.Actor != "" {
		b = append(b, `,"actor":`...)
		b = appendJSONString(b, s.Actor)
	}
	return append(b, "}}"...)
}

// appendJSONString writes s as a JSON string, as json.Marshal does.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		// Anything else json.Marshal escapes or checks (control bytes,
		// quotes, backslashes, <, >, &, non-ASCII): let it.
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
