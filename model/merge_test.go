package model

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// genOps draws ops on one lead with stamps not in seen, from a few nodes, over
// a small set of fields and values so that conflicts are common.
func genOps(t *rapid.T, label string, seen map[HLC]bool) []Op {
	n := rapid.IntRange(1, 12).Draw(t, label+"_n")
	var ops []Op
	for i := range n {
		h := HLC{
			Wall:    rapid.Int64Range(1, 6).Draw(t, "wall"),
			Counter: uint32(rapid.IntRange(0, 2).Draw(t, "counter")),
			Node:    rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "node"),
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		op := Op{ID: fmt.Sprintf("%s-%d-%s", label, i, h), Entity: EntityRef{TypeLead, "L1"}, HLC: h,
			Actor: Actor{User: h.Node}, Schema: 1}
		switch rapid.IntRange(0, 4).Draw(t, "kind") {
		case 0:
			op.Kind = OpCreate
			op.Fields = genFields(t)
			if rapid.Bool().Draw(t, "with_entry") {
				e, _ := json.Marshal(StageEntry{ID: op.ID + "-first", HLC: h, Stage: "prospect"})
				op.Fields["stage_log"] = json.RawMessage("[" + string(e) + "]")
			}
		case 1, 2:
			op.Kind = OpSet
			op.Fields = genFields(t)
			if len(op.Fields) == 0 {
				op.Fields = map[string]json.RawMessage{"company": json.RawMessage(`"x"`)}
			}
		case 3:
			op.Kind = OpDelete
		case 4:
			op.Kind = OpAppend
			op.Field = "stage_log"
			op.Entry, _ = json.Marshal(StageEntry{ID: op.ID, HLC: h, Stage: "won"})
		}
		ops = append(ops, op)
	}
	return ops
}

func genFields(t *rapid.T) map[string]json.RawMessage {
	fields := map[string]json.RawMessage{}
	for _, f := range []string{"company", "stage", "value", "deleted"} {
		if rapid.Bool().Draw(t, "has_"+f) {
			fields[f] = json.RawMessage(rapid.SampledFrom([]string{`"x"`, `"y"`, `1`, `null`, `true`}).Draw(t, "v_"+f))
		}
	}
	return fields
}

func applyAll(ops []Op) *Record {
	r := NewRecord(TypeLead)
	for _, op := range ops {
		r.Apply(op)
	}
	return r
}

func TestMergeCommutativeAndIdempotent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := genOps(t, "o", map[HLC]bool{})
		want := applyAll(ops)
		// Any order, any number of deliveries: the same state.
		shuffled := rapid.Permutation(ops).Draw(t, "order")
		var delivered []Op
		for _, op := range shuffled {
			for range rapid.IntRange(1, 3).Draw(t, "copies") {
				delivered = append(delivered, op)
			}
		}
		got := applyAll(delivered)
		if !got.Equal(want) {
			t.Fatalf("order changed the result:\nwant %s\ngot  %s", dump(want), dump(got))
		}
	})
}

func TestMergeAssociative(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seen := map[HLC]bool{}
		a, b, c := applyAll(genOps(t, "a", seen)), applyAll(genOps(t, "b", seen)), applyAll(genOps(t, "c", seen))
		left := clone(a)
		left.Merge(b)
		left.Merge(c)
		bc := clone(b)
		bc.Merge(c)
		right := clone(a)
		right.Merge(bc)
		if !left.Equal(right) {
			t.Fatalf("(a+b)+c != a+(b+c):\n%s\n%s", dump(left), dump(right))
		}
		ab, ba := clone(a), clone(b)
		ab.Merge(b)
		ba.Merge(a)
		if !ab.Equal(ba) {
			t.Fatalf("a+b != b+a:\n%s\n%s", dump(ab), dump(ba))
		}
		aa := clone(a)
		aa.Merge(a)
		if !aa.Equal(a) {
			t.Fatalf("a+a != a")
		}
	})
}

// TestMergeStateMatchesOps checks that merging replicas equals applying the
// union of their ops: the state form and the op form agree.
func TestMergeStateMatchesOps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seen := map[HLC]bool{}
		x, y := genOps(t, "x", seen), genOps(t, "y", seen)
		merged := applyAll(x)
		merged.Merge(applyAll(y))
		all := applyAll(append(append([]Op{}, x...), y...))
		if !merged.Equal(all) {
			t.Fatalf("state merge != op union:\n%s\n%s", dump(merged), dump(all))
		}
	})
}

func TestLosingValueKeptInHistory(t *testing.T) {
	r := NewRecord(TypeLead)
	r.Apply(Op{Kind: OpSet, Fields: map[string]json.RawMessage{"company": json.RawMessage(`"Mine"`)}, HLC: HLC{Wall: 10, Node: "a"}, Actor: Actor{User: "ann"}})
	r.Apply(Op{Kind: OpSet, Fields: map[string]json.RawMessage{"company": json.RawMessage(`"Theirs"`)}, HLC: HLC{Wall: 9, Node: "b"}, Actor: Actor{User: "bob"}})
	if got := string(r.Fields["company"]); got != `"Mine"` {
		t.Fatalf("winner = %s, want the newer stamp's value", got)
	}
	if len(r.History) != 1 || string(r.History[0].Value) != `"Theirs"` || r.History[0].Actor != "bob" {
		t.Fatalf("history = %+v, want bob's losing value", r.History)
	}
}

func clone(r *Record) *Record {
	c := NewRecord(r.Type)
	c.Merge(r)
	return c
}

func dump(r *Record) string {
	b, _ := json.Marshal(struct {
		F map[string]json.RawMessage
		R *Record
	}{r.Fields, r})
	return string(b)
}

func TestClockNeverGoesBackwards(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		wall := time.UnixMilli(1_000_000)
		c := NewClock("n1", func() time.Time { return wall })
		var last HLC
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			switch rapid.IntRange(0, 3).Draw(t, "step") {
			case 0: // the wall clock jumps, forwards or back
				wall = wall.Add(time.Duration(rapid.Int64Range(-5000, 5000).Draw(t, "jump")) * time.Millisecond)
			case 1: // a stamp from elsewhere
				c.Observe(HLC{Wall: rapid.Int64Range(990_000, 1_010_000).Draw(t, "rw"), Counter: uint32(rapid.IntRange(0, 5).Draw(t, "rc")), Node: "x"})
			case 2: // a restart restores the last stamp
				saved := c.Last()
				c = NewClock("n1", func() time.Time { return wall })
				c.Observe(saved)
			}
			before := c.Last()
			h := c.Now()
			if h.Compare(last) <= 0 || h.Compare(before) <= 0 {
				t.Fatalf("clock went backwards: %v after %v (last seen %v)", h, last, before)
			}
			last = h
		}
	})
}
