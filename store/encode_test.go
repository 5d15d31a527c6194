package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"pgregory.net/rapid"
)

// The create path's one-pass encoding gives what json.Marshal gives.
func TestCreateEncodingMatchesJSONMarshal(t *testing.T) {
	odd := []string{"plain", "华北 \"能源\"", "<b>&amp;</b>", "line\nbreak\ttab", "\u2028\u2029", "bad \xff utf8", "back\\slash", ""}
	var e createEncoder
	for i, s := range odd {
		v := &model.Activity{ID: "a" + s, LeadID: s, Kind: model.KindCall, Contact: s, Outcome: s,
			Revisions: []model.Revision{{ID: "r", HLC: model.HLC{Wall: 1, Counter: 2, Node: s}, Text: s, Author: s}}}
		op := rawOp{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeActivity, ID: v.ID}, Kind: model.OpCreate,
			HLC: model.HLC{Wall: 1764230400000, Counter: 41, Node: "n" + s}, Actor: model.Actor{User: s, Device: "d" + s}, Schema: 1}
		seq := uint64(1) << (9 * i) // one to ten bytes as a uvarint
		got, err := e.encode(&op, v, seq)
		if err != nil {
			t.Fatal(err)
		}
		if at, ok := waitingSeq(got.stamps); !ok || at != seq {
			t.Errorf("the merge state of %q says its create waits at %d (%v), want %d", s, at, ok, seq)
		}
		fields, _ := json.Marshal(v)
		if !bytes.Equal(got.fields, fields) {
			t.Errorf("fields of %q:\n%s\nwant\n%s", s, got.fields, fields)
		}
		var rec model.Record
		if err := decodeStamps(got.stamps, &rec, "n"); err != nil || rec.Base != (model.Stamp{HLC: op.HLC, Actor: op.Actor.User}) ||
			len(rec.Stamps) != 0 || len(rec.History) != 0 {
			t.Errorf("stamps of %q: %+v, %v", s, rec, err)
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

// The binary merge state reads back as written, reads the JSON of older
// books, and refuses what is cut short.
func TestStampsEncoding(t *testing.T) {
	mine := "node-mine"
	rec := &model.Record{
		Base: model.Stamp{HLC: model.HLC{Wall: 1764230400000, Counter: 3, Node: mine}, Actor: "王伟"},
		Stamps: map[string]model.Stamp{
			"city":  {HLC: model.HLC{Wall: 1764230400500, Node: "other"}, Actor: "li"},
			"stage": {HLC: model.HLC{Wall: 1764230400600, Counter: 1 << 31, Node: mine}},
		},
		History: []model.Overwritten{{Field: "city", Value: json.RawMessage(`"杭州"`), HLC: model.HLC{Wall: 1764230400000, Node: mine}, Actor: "王伟"}},
	}
	data, err := encodeStamps(rec, mine)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(rec)
	if len(data) >= len(js)/2 {
		t.Errorf("binary merge state %d bytes, JSON %d", len(data), len(js))
	}
	for _, in := range [][]byte{data, js} {
		var got model.Record
		if err := decodeStamps(in, &got, mine); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got.Base != rec.Base || len(got.Stamps) != 2 || got.Stamps["city"] != rec.Stamps["city"] || got.Stamps["stage"] != rec.Stamps["stage"] ||
			len(got.History) != 1 || string(got.History[0].Value) != `"杭州"` || got.History[0].HLC != rec.History[0].HLC {
			t.Errorf("%q read back as %+v", in, got)
		}
	}
	for i := 1; i < len(data); i++ {
		var got model.Record
		if decodeStamps(data[:i], &got, mine) == nil {
			t.Errorf("the first %d of %d bytes decode", i, len(data))
		}
	}
	bad := &model.Record{History: []model.Overwritten{{Field: "x", Value: json.RawMessage(`{`)}}}
	if _, err := encodeStamps(bad, mine); err == nil {
		t.Error("a history value that is not JSON encoded")
	}
}

// decodeStamps refuses damage with an error, never a panic, and a binary
// merge state it reads writes back to the same state, the seq of a
// waiting create included.
func FuzzDecodeStamps(f *testing.F) {
	mine := "node-mine"
	rec := &model.Record{
		Base:    model.Stamp{HLC: model.HLC{Wall: 1764230400000, Counter: 3, Node: mine}, Actor: "王伟"},
		Stamps:  map[string]model.Stamp{"city": {HLC: model.HLC{Wall: 1764230400500, Node: "other"}, Actor: "li"}},
		History: []model.Overwritten{{Field: "city", Value: json.RawMessage(`"杭州"`), HLC: model.HLC{Wall: 1764230400400, Node: "other"}, Actor: "li"}},
	}
	data, err := encodeStamps(rec, mine)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(markWaiting(data, 118538))
	f.Add([]byte{stampsWaitingTag, 0x80})
	f.Add([]byte(`{"base":{"hlc":{"wall_ms":1}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var got model.Record
		if decodeStamps(in, &got, mine) != nil || in[0] != stampsTag && in[0] != stampsWaitingTag {
			return
		}
		enc, err := encodeStamps(&got, mine)
		if err != nil {
			return // a history value that is not JSON, which no write stores
		}
		seq, waiting := waitingSeq(in)
		if waiting {
			enc = markWaiting(enc, seq)
		}
		var again model.Record
		if err := decodeStamps(enc, &again, mine); err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%q read as %+v, written as %q, read back as %+v (%v)", in, got, enc, again, err)
		}
		if at, ok := waitingSeq(enc); ok != waiting || at != seq {
			t.Fatalf("%q waits at %d (%v), written back at %d (%v)", in, seq, waiting, at, ok)
		}
	})
}

// jsonText draws strings that json.Marshal writes in every way it has:
// any runes, any bytes (not UTF-8 included), and the characters it
// escapes, side by side.
func jsonText() *rapid.Generator[string] {
	odd := []string{"<", ">", "&", `"`, `\`, "\u2028", "\u2029", "\x00", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
		"华", "能源", "\xff", "\xe2\x80", "\xed\xa0\x80", "a", " ", "é", "😀"}
	return rapid.OneOf(
		rapid.String(),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 24), func(b []byte) string { return string(b) }),
		rapid.Map(rapid.SliceOfN(rapid.SampledFrom(odd), 0, 12), func(p []string) string { return strings.Join(p, "") }),
	)
}

// TestAppendJSONStringAgrees: appendJSONString writes what json.Marshal
// writes for any string.
func TestAppendJSONStringAgrees(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := jsonText().Draw(rt, "s")
		want, err := json.Marshal(s)
		if err != nil {
			rt.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			rt.Fatalf("%q: got %s, json.Marshal %s", s, got[1:], want)
		}
	})
}

// TestActivityJSONAgrees: appendActivityJSON writes what json.Marshal
// writes for any activity, and fails where it fails (a time whose year
// or zone RFC 3339 cannot write).
func TestActivityJSONAgrees(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		when := func(label string) time.Time {
			if rapid.IntRange(0, 5).Draw(rt, label+" zero") == 0 {
				return time.Time{}
			}
			// Mostly this century; now and then a year RFC 3339 cannot
			// write, or a zone more than a day from UTC.
			sec := rapid.Int64Range(946684800, 4102444800).Draw(rt, label)
			if rapid.IntRange(0, 20).Draw(rt, label+" far") == 0 {
				sec = rapid.Int64Range(-70000000000, 300000000000).Draw(rt, label+" far sec")
			}
			zone := time.FixedZone("Z", rapid.IntRange(-26*3600, 26*3600).Draw(rt, label+" zone"))
			return time.Unix(sec, rapid.Int64Range(0, 999999999).Draw(rt, label+" ns")).In(zone)
		}
		text := func(label string) string {
			if rapid.Bool().Draw(rt, label+" empty") {
				return ""
			}
			return jsonText().Draw(rt, label)
		}
		a := &model.Activity{ID: text("id"), LeadID: text("lead"), Kind: text("kind"), StartedAt: when("started"),
			EndedAt: when("ended"), Contact: text("contact"), Feedback: text("feedback"), Outcome: text("outcome"),
			NextStep: text("next step"), Author: text("author"), CreatedAt: when("created"), Deleted: rapid.Bool().Draw(rt, "deleted")}
		if rapid.Bool().Draw(rt, "due") {
			a.NextDue = model.Date{Y: rapid.IntRange(-20, 12000).Draw(rt, "y"), M: time.Month(rapid.IntRange(0, 13).Draw(rt, "m")), D: rapid.IntRange(0, 32).Draw(rt, "d")}
		}
		for i := range rapid.IntRange(0, 3).Draw(rt, "revisions") {
			l := fmt.Sprint("revision ", i)
			a.Revisions = append(a.Revisions, model.Revision{ID: text(l + " id"), Text: text(l + " text"), Author: text(l + " author"), At: when(l + " at"),
				HLC: model.HLC{Wall: rapid.Int64().Draw(rt, l+" wall"), Counter: rapid.Uint32().Draw(rt, l+" counter"), Node: text(l + " node")}})
		}
		want, werr := json.Marshal(a)
		got, gerr := appendActivityJSON([]byte("x")[:0], a)
		switch {
		case (werr == nil) != (gerr == nil):
			rt.Fatalf("json.Marshal: %v; appendActivityJSON: %v", werr, gerr)
		case werr == nil && !bytes.Equal(got, want):
			rt.Fatalf("got\n %s\njson.Marshal\n %s", got, want)
		}
	})
}

// TestActivityJSONFields fails when Activity, Revision or HLC changes a
// field: appendActivityJSON writes them field by field, and must be
// changed with them (then change this list).
func TestActivityJSONFields(t *testing.T) {
	want := map[reflect.Type]string{
		reflect.TypeFor[model.Activity](): "ID string id; LeadID string lead_id; Kind string kind; StartedAt time.Time started_at; " +
			"EndedAt time.Time ended_at,omitzero; Contact string contact,omitempty; Feedback string feedback,omitempty; " +
			"Outcome string outcome,omitempty; NextStep string next_step,omitempty; NextDue model.Date next_due,omitzero; " +
			"Author string author,omitempty; Revisions []model.Revision revisions,omitempty; CreatedAt time.Time created_at; " +
			"Deleted bool deleted,omitempty",
		reflect.TypeFor[model.Revision](): "ID string id; HLC model.HLC hlc; Text string text; Author string author,omitempty; At time.Time at",
		reflect.TypeFor[model.HLC]():      "Wall int64 wall_ms; Counter uint32 counter; Node string node",
	}
	for typ, w := range want {
		var fields []string
		for f := range typ.Fields() {
			fields = append(fields, fmt.Sprintf("%s %s %s", f.Name, f.Type, f.Tag.Get("json")))
		}
		if got := strings.Join(fields, "; "); got != w {
			t.Errorf("%s has changed; bring appendActivityJSON in step, then this list:\n got  %s\n want %s", typ, got, w)
		}
	}
}
