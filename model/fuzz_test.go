package model

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzDecodeOp: any bytes either decode to an op that passes Validate and
// applies without panicking, or give an error; never a panic.
func FuzzDecodeOp(f *testing.F) {
	f.Add([]byte(`{"op_id":"o1","entity":{"type":"lead","id":"L1"},"kind":"set","fields":{"company":"华北能源"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{"user":"ann"},"schema":1}`))
	f.Add([]byte(`{"op_id":"o2","entity":{"type":"activity","id":"A1"},"kind":"append","field":"revisions","entry":{"id":"o2","hlc":{"wall_ms":2,"counter":1,"node":"n"},"text":"x"},"hlc":{"wall_ms":2,"counter":1,"node":"n"},"actor":{},"schema":1}`))
	f.Add([]byte(`{"op_id":"o3","entity":{"type":"lead","id":"L1"},"kind":"delete","hlc":{"wall_ms":3,"counter":0,"node":"n"},"actor":{},"schema":1}`))
	f.Add([]byte(`{"op_id":"o4","entity":{"type":"lead","id":"L1"},"kind":"create","fields":{"stage_log":[{"id":"e","hlc":{"wall_ms":1,"counter":0,"node":"n"}}]},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}`))
	f.Add([]byte(`{"op_id":"","kind":"nope"}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		op, err := DecodeOp(data)
		if err != nil {
			return
		}
		if err := op.Validate(); err != nil {
			t.Fatalf("decoded op does not validate: %v", err)
		}
		r := NewRecord(op.Entity.Type)
		r.Apply(op)
		again := NewRecord(op.Entity.Type)
		again.Apply(op)
		again.Apply(op)
		if !r.Equal(again) {
			t.Fatalf("applying twice differs from once")
		}
		if _, err := json.Marshal(r.Fields); err != nil {
			t.Fatalf("state does not encode: %v", err)
		}
	})
}

// FuzzParseDate: any text gives a real calendar day or an error.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-27", "11/27", "today", "明天", "+3d", "-2w", "fri", "周五", "2026年11月27日", "2026-02-30", "", "+99999999999d"} {
		f.Add(s)
	}
	today := Date{2026, time.November, 27}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s, today)
		if err != nil {
			return
		}
		back := DateOf(d.In(time.UTC))
		if back != d || d.M < 1 || d.M > 12 || d.D < 1 || d.D > 31 {
			t.Fatalf("ParseDate(%q) = %v, not a calendar day", s, d)
		}
	})
}
