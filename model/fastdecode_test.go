package model

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// byEncodingJSON sets no field itself: decodeFields with it is the
// strict decode by encoding/json alone, the reference.
func byEncodingJSON(string, any, []string, map[string]json.RawMessage) bool { return false }

// checkSetFieldsAgrees fails t when decodeFields answers fields of type
// typ otherwise than encoding/json alone: the same typed record, or an
// error with the same sentence.
func checkSetFieldsAgrees(t *testing.T, typ string, fields map[string]json.RawMessage) {
	t.Helper()
	got, gerr := decodeFields(typ, fields)
	want, werr := decodeFieldsBy(typ, fields, byEncodingJSON)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("%s %q: decodeFields says %v, encoding/json %v", typ, fields, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %q: decodeFields decodes %+v, encoding/json %+v", typ, fields, got, want)
	}
}

// fieldSeeds are records of each type as clients write them, and values
// that setFields must decline or take as encoding/json does.
var fieldSeeds = []struct {
	typ    string
	fields string // name, NUL, value, NUL, ...
}{
	{TypeLead, "id\x00\"0190f3a2-7c1e-7b3a-9c1d-2f6a1b2c3d4e\"\x00company\x00\"华北能源集团\"\x00stage\x00\"qualified\"\x00stage_entered_at\x00\"2026-03-01T08:00:00Z\"\x00created_at\x00\"2026-03-01T08:00:00.123456789+08:00\"\x00updated_at\x00\"2026-03-01T08:00:00Z\"\x00contacts\x00[{\"name\":\"王经理\",\"phone\":\"138\"}]\x00value\x00{\"amount\":1250000,\"currency\":\"CNY\"}\x00probability\x0040\x00expected_close\x00\"2026-06-30\"\x00tags\x00[\"a\",\"b\"]\x00screening\x00{\"budget\":true}\x00custom\x00{\"k\":\"v\"}\x00deleted\x00false\x00stage_log\x00[{\"id\":\"e\",\"hlc\":{\"wall_ms\":1,\"counter\":0,\"node\":\"n\"},\"stage\":\"new\"}]"},
	{TypeActivity, "id\x00\"a1\"\x00lead_id\x00\"l1\"\x00kind\x00\"visit\"\x00started_at\x00\"2026-03-01T09:00:00Z\"\x00ended_at\x00\"2026-03-01T10:00:00Z\"\x00author\x00\"ann\"\x00created_at\x00\"2026-03-01T09:00:00Z\"\x00next_due\x00\"2026-03-08\"\x00revisions\x00[{\"id\":\"r\",\"hlc\":{\"wall_ms\":1,\"counter\":0,\"node\":\"n\"},\"text\":\"第一行\\n第二行\"}]"},
	{TypeTask, "id\x00\"t\"\x00lead_id\x00\"l\"\x00due\x00\"2026-03-08\"\x00action\x00\"call\"\x00done\x00true\x00created_at\x00\"2026-03-01T09:00:00Z\""},
	{TypeTarget, "id\x00\"x\"\x00year\x002026\x00quarter\x00-0\x00won_count\x009223372036854775807\x00won_value\x00{\"amount\":5}"},
	{TypeApproval, "id\x00\"p\"\x00discount_pct\x0012\x00reasons\x00[\"r\"]\x00decisions\x00[]"},
	{TypeService, "id\x00\"s\"\x00contract\x00{\"number\":\"N1\",\"signed_on\":\"2026-01-02\",\"value\":{\"amount\":3}}"},
	{TypeComplaint, "id\x00\"c\"\x00severity\x00\"high\"\x00opened_at\x00\"2026-03-01T09:00:00Z\""},
	// Every short escape (unquoteShort), and \u escapes, a broken
	// surrogate among them, which encoding/json reads.
	{TypeActivity, "id\x00\"a\"\x00feedback\x00\"q\\\"b\\\\s\\/t\\tn\\nr\\rb\\bf\\f\"\x00outcome\x00\"u\\u00e9\\ud800x\"\x00next_step\x00\"\\\\\""},
	// Declined, or taken as encoding/json takes them.
	{TypeLead, "Company\x00\"a\"\x00company\x00\"b\""},
	{TypeLead, "COMPANY\x00\"a\""},
	{TypeLead, "company\x00\"a\\u0041\""},
	{TypeLead, "company\x00 \"a\" "},
	{TypeLead, "company\x00\"a\"x"},
	{TypeLead, "company\x001"},
	{TypeLead, "company\x00\"a\tb\""},
	{TypeLead, "bogus\x00\"a\""},
	{TypeLead, "deleted\x00True"},
	{TypeLead, "deleted\x00 null"},
	{TypeLead, "probability\x0001"},
	{TypeLead, "probability\x001e3"},
	{TypeLead, "probability\x001.0"},
	{TypeLead, "probability\x0099999999999999999999"},
	{TypeTarget, "year\x00-9223372036854775808\x00quarter\x00-"},
	{TypeTarget, "year\x0001"},
	{TypeTarget, "year\x001e3\x00quarter\x00 4"},
	{TypeTarget, "year\x0099999999999999999999"},
	{TypeTarget, "year\x00\"2026\""},
	{TypeTask, "done\x00\"true\""},
	{TypeLead, "created_at\x00\"2026-13-01T00:00:00Z\""},
	{TypeLead, "created_at\x00\"\""},
	{TypeLead, "expected_close\x00\"2026-02-30\""},
	{TypeLead, "expected_close\x0020260230"},
	{TypeLead, "value\x00{\"amount\":1,\"bogus\":2}"},
	{TypeLead, "value\x00{\"amount\":1} {}"},
	{TypeLead, "value\x00{\"Amount\":1}"},
	{TypeLead, "contacts\x00[{\"name\":\"a\",\"extra\":1}]"},
	{TypeLead, "contacts\x00[{\"name\":\"a\"}]]"},
	{TypeLead, "tags\x00[\"a\",1]"},
	{TypeLead, "company\x00"},
	{TypeLead, "company\x00\"\xff\""},
	{TypeLead, "id\x00\"x\"\x00id\x00\"y\""},
	// Inside lists and objects.
	{TypeActivity, "revisions\x00[{\"id\":\"r\",\"text\":\"a\\nb \\u4e2d \\ud800 \\/\"}]"},
	{TypeActivity, "revisions\x00[ {\"id\" : \"r\" , \"hlc\" : { \"wall_ms\" : 1 , \"counter\" : 2 } } , {\"id\":\"s\"} ]"},
	{TypeActivity, "revisions\x00[{\"id\":\"r\",\"bogus\":1}]"},
	{TypeActivity, "revisions\x00[{\"ID\":\"r\"}]"},
	{TypeActivity, "revisions\x00[{\"id\":\"r\",\"id\":\"s\"}]"},
	{TypeActivity, "revisions\x00[{\"hlc\":{\"wall_ms\":1},\"hlc\":{\"node\":\"n\"}}]"},
	{TypeActivity, "revisions\x00[{\"id\":null,\"text\":\"x\"}]"},
	{TypeActivity, "revisions\x00[null]"},
	{TypeActivity, "revisions\x00[{}, null]"},
	{TypeActivity, "revisions\x00[]"},
	{TypeActivity, "revisions\x00[ ]"},
	{TypeActivity, "revisions\x00[1]"},
	{TypeActivity, "revisions\x00[{\"hlc\":{\"counter\":-1}}]"},
	{TypeActivity, "revisions\x00[{\"hlc\":{\"counter\":-0}}]"},
	{TypeActivity, "revisions\x00[{\"hlc\":{\"counter\":4294967296}}]"},
	{TypeActivity, "revisions\x00[{\"hlc\":{\"wall_ms\":1.5}}]"},
	{TypeActivity, "revisions\x00[{\"at\":\"2026-03-01T09:00:00Z\",\"author\":\"ann\"}]"},
	{TypeActivity, "revisions\x00[{\"at\":\"2026-03-01\"}]"},
	{TypeActivity, "revisions\x00[{\"text\":\"a\"}]x"},
	{TypeActivity, "revisions\x00[{\"text\":\"a\"},]"},
	{TypeActivity, "revisions\x00{\"text\":\"a\"}"},
	{TypeLead, "tags\x00[]\x00products\x00[\"a\\u0041\", \"b\"]\x00assignees\x00[\"x\",null]"},
	{TypeLead, "contacts\x00[{\"name\":\"王\",\"notes\":\"l1\\r\\nl2\\t\"}]\x00value\x00{\"amount\":-5,\"currency\":\"CNY\"}"},
	{TypeLead, "contract\x00{\"number\":\"N\",\"signed_on\":\"2026-02-30\"}"},
	{TypeLead, "contract\x00{\"value\":{\"amount\":1e2}}"},
	{TypeLead, "stage_log\x00[{\"id\":\"e\",\"stage\":\"won\",\"by\":\"ann\",\"at\":\"2026-03-01T09:00:00+08:00\"}]"},
	{TypeLead, "company\x00\"a\\u00\""},
	{TypeLead, "company\x00\"a\\x41\""},
	{TypeService, "contract\x00{\"value\":{\"amount\":1},\"value\":{\"currency\":\"USD\"}}"},
}

// seedFields reads a seed's fields: names and values between NULs.
func seedFields(s string) map[string]json.RawMessage {
	parts := strings.Split(s, "\x00")
	fields := map[string]json.RawMessage{}
	for i := 0; i+1 < len(parts); i += 2 {
		fields[parts[i]] = json.RawMessage(parts[i+1])
	}
	return fields
}

func TestSetFieldsAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range fieldSeeds {
		checkSetFieldsAgrees(t, s.typ, seedFields(s.fields))
	}
}

// The records clients write take the short way: the test above would
// pass if setFields declined everything. Only maps and pointers go to
// encoding/json.
func TestSetFieldsTakesTheRecordsClientsWrite(t *testing.T) {
	for _, s := range fieldSeeds[:7] {
		fields := seedFields(s.fields)
		v, _ := newOf(s.typ)
		rec := reflect.ValueOf(v).Elem()
		for name, raw := range fields {
			way := fieldWays[s.typ][name]
			kind := rec.FieldByIndex(way.index).Kind()
			if way.how == setDecoded {
				if kind != reflect.Map && kind != reflect.Pointer {
					t.Errorf("%s.%s (%s) goes to encoding/json", s.typ, name, kind)
				}
				continue
			}
			if !setValue(rec.FieldByIndex(way.index), way, raw, 0) {
				t.Errorf("%s.%s: %s not set", s.typ, name, raw)
			}
		}
	}
	for _, typ := range EntityTypes {
		if fieldWays[typ] == nil {
			t.Errorf("%s: no table of its fields", typ)
		}
	}
}

func FuzzSetFields(f *testing.F) {
	for _, s := range fieldSeeds {
		f.Add(uint8(slices.Index(EntityTypes, s.typ)), s.fields)
	}
	f.Fuzz(func(t *testing.T, typ uint8, fields string) {
		checkSetFieldsAgrees(t, EntityTypes[int(typ)%len(EntityTypes)], seedFields(fields))
	})
}

// BenchmarkDecodeFields decodes a lead and an activity as clients write
// them, by setFields and by encoding/json alone.
func BenchmarkDecodeFields(b *testing.B) {
	for _, s := range fieldSeeds[:2] {
		fields := seedFields(s.fields)
		for _, by := range []struct {
			name string
			set  func(string, any, []string, map[string]json.RawMessage) bool
		}{{"setFields", setFields}, {"encoding-json", byEncodingJSON}} {
			b.Run(s.typ+"/"+by.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := decodeFieldsBy(s.typ, fields, by.set); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecodeRecord decodes and checks a lead and an activity as the
// server checks every record a push makes and a laptop every record a
// pull brings.
func BenchmarkDecodeRecord(b *testing.B) {
	latest := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range fieldSeeds[:2] {
		fields := seedFields(s.fields)
		b.Run(s.typ, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeRecord(s.typ, fields, DefaultPipeline(), latest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
