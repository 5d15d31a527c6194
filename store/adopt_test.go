package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// TestRenameAuthorsAsDecoding: the byte-level rename of a list's authors
// leaves what decoding, renaming and encoding the list leaves, or declines.
func TestRenameAuthorsAsDecoding(t *testing.T) {
	for _, v := range []string{
		`[{"id":"r1","author":"root","text":"hi"},{"id":"r2","author":"bob","text":"x"}]`,
		`[{"id":"r1","by":"root"},{"by":"root","stage":"won"}]`,
		`[ {"id" : "r1", "author" : "root"} ]`,
		`[{"text":"\"author\":\"root\"","author":"bob"}]`,
		`[{"text":"a\\","author":"root"}]`,
		`[{"author":"r\u006fot"}]`,
		`[{"a\u0075thor":"root"}]`,
		`[{"author":"root","more":{"author":"root"}}]`,
		`[{"author":"root","revisions":[{"author":"root"}]}]`,
		`[{"set_by":"root","author":null,"n":1.5,"ok":true}]`,
		`[{"id":"r1","hlc":{"wall":1,"counter":0,"node":"n"},"author":"root","text":"a}]\\"{["}]`,
		`[{"id":"r1","hlc":{"wall":1},"author":"root"} , {"author":"root","tags":["root"]}]`,
		`[{"author":"root"},"root"]`, `[{"author":"root"},null]`, `{"author":"root"}`,
		`[]`, `null`, `"root"`, `[{"author":"root"}]x`, `[{"author":"root"`,
	} {
		slow := map[string]json.RawMessage{"revisions": json.RawMessage(v)}
		var list []map[string]json.RawMessage
		want := v
		if json.Unmarshal([]byte(v), &list) == nil {
			hit := false
			for _, e := range list {
				hit = adoptAuthors(e, "root", "ann") || hit
			}
			if hit {
				data, _ := json.Marshal(list)
				want = string(data)
			}
		}
		changed := adoptAuthors(slow, "root", "ann")
		if changed != (want != v) {
			t.Errorf("%s: changed %v, want %v", v, changed, want != v)
		}
		if !sameJSON(string(slow["revisions"]), want) {
			t.Errorf("%s:\n got %s\nwant %s", v, slow["revisions"], want)
		}
	}
}

func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestRenameFieldsAsDecoding: renaming a stored record's fields in their
// JSON leaves what decoding them into a map and renaming does, owner
// included, or declines.
func TestRenameFieldsAsDecoding(t *testing.T) {
	inputs := []string{
		`{"author":"root","id":"a1","notes":"root","revisions":[{"author":"root","hlc":{"wall":1},"id":"r1","text":"x"}]}`,
		`{"id":"l1","owner":"root","stage_log":[{"by":"root","to":"new"}],"tags":["root"]}`,
		`{"id":"l1","owner":"bob","set_by":"root"}`,
		`{ "author" : "root" , "x" : {"author":"root"} }`,
		`{"author":"r\u006fot"}`, `{"a\u0075thor":"root"}`, `{"owner":"root","revisions":"x"}`,
		`{}`, `[]`, `{"author":"root"`, `{"author":"root"}x`,
	}
	for i, v := range inputs {
		for _, owner := range []bool{false, true} {
			want, wantOwner := v, false
			var fields map[string]json.RawMessage
			if json.Unmarshal([]byte(v), &fields) == nil {
				wantOwner = owner && ownerIs(fields, "root")
				if wantOwner {
					fields["owner"], _ = json.Marshal("ann")
				}
				if adoptAuthors(fields, "root", "ann") || wantOwner {
					data, _ := json.Marshal(fields)
					want = string(data)
				}
			}
			got, gotOwner, ok := renameFields([]byte(v), "root", "ann", owner)
			if !ok {
				if i < 4 { // plain compact records must take the fast path
					t.Errorf("%s: declined", v)
				}
				continue // the caller decodes
			}
			if got == nil {
				got = []byte(v)
			}
			if gotOwner != wantOwner || !sameJSON(string(got), want) {
				t.Errorf("%s owner %v:\n got %s (owner %v)\nwant %s (owner %v)", v, owner, got, gotOwner, want, wantOwner)
			}
		}
	}
}

// TestAdoptOpJSONAsDecoding: handing an op over in its JSON leaves what
// decoding it, adoptOp and encoding it leave, or declines.
func TestAdoptOpJSONAsDecoding(t *testing.T) {
	hlc := model.HLC{Wall: 1700000000000, Counter: 2, Node: "n1"}
	rev, _ := json.Marshal([]map[string]any{{"id": "r1", "hlc": hlc, "author": "root", "text": "root <&> \"x\""}})
	ops := []model.Op{
		{ID: "o1", Entity: model.EntityRef{Type: model.TypeLead, ID: "l1"}, Kind: model.OpCreate, HLC: hlc,
			Actor: model.Actor{User: "root", Device: "d"}, Schema: 1,
			Fields: map[string]json.RawMessage{"owner": json.RawMessage(`"root"`), "company": json.RawMessage(`"root"`)}},
		{ID: "o2", Entity: model.EntityRef{Type: model.TypeLead, ID: "l1"}, Kind: model.OpSet, HLC: hlc,
			Actor: model.Actor{User: "root"}, Schema: 1, Fields: map[string]json.RawMessage{"owner": json.RawMessage(`"root"`)}},
		{ID: "o3", Entity: model.EntityRef{Type: model.TypeActivity, ID: "a1"}, Kind: model.OpCreate, HLC: hlc,
			Actor: model.Actor{User: "root"}, Schema: 1,
			Fields: map[string]json.RawMessage{"author": json.RawMessage(`"root"`), "revisions": rev}},
		{ID: "o4", Entity: model.EntityRef{Type: model.TypeActivity, ID: "a1"}, Kind: model.OpAppend, HLC: hlc,
			Actor: model.Actor{User: "root"}, Schema: 1, Field: "revisions",
			Entry: json.RawMessage(`{"id":"o4","hlc":{"wall":1},"author":"root","text":"t"}`)},
		{ID: "o5", Entity: model.EntityRef{Type: model.TypeTask, ID: "t1"}, Kind: model.OpDelete, HLC: hlc,
			Actor: model.Actor{User: "bob"}, Schema: 1},
	}
	adopted := map[string]string{"root": "ann"}
	for _, op := range ops {
		raw, _ := json.Marshal(op)
		want := op
		want.Fields = maps.Clone(op.Fields)
		if to, ok := adopted[op.Actor.User]; ok {
			adoptOp(&want, op.Actor.User, to)
		}
		wantRaw, _ := json.Marshal(want)
		got, fields, from, ok := adoptOpJSON(raw, adopted)
		if !ok {
			t.Errorf("%s: declined", raw)
			continue
		}
		if !sameJSON(string(got), string(wantRaw)) {
			t.Errorf("%s:\n got %s\nwant %s", raw, got, wantRaw)
		}
		// The fields it hands back are those of the op it made.
		wantFields := pushedFields(got)
		if _, handed := adopted[op.Actor.User]; !handed {
			wantFields = nil
		}
		if !bytes.Equal(fields, wantFields) || (wantFields == nil) != (fields == nil) || fields != nil && &got[from] != &fields[0] {
			t.Errorf("%s: fields %s, want %s", raw, fields, wantFields)
		}
	}
	if _, _, _, ok := adoptOpJSON([]byte(`{"actor":{"user":"r\u006fot"}}`), adopted); ok {
		t.Error("an escaped actor was taken as sure")
	}
}

func TestStringEnd(t *testing.T) {
	for v, want := range map[string]int{
		`"ab"x`: 4, `"a\"b"x`: 6, `"a\\"x`: 5, `"a\\\"b"x`: 8, `""`: 2, `"ab`: -1, `"a\"`: -1, `"\\\\"`: 6,
	} {
		if got := stringEnd([]byte(v), 0); got != want {
			t.Errorf("stringEnd(%s) = %d, want %d", v, got, want)
		}
	}
}

// TestDropPushedAsDropOutbox: answering the ops of a handed-over book
// with the JSON they were pushed as (DropPushed) leaves exactly the book
// that reading and handing over each record again leaves (DropOutbox):
// records, merge state, cards and indexes, for creates still waiting as
// references and for records changed after their create.
func TestDropPushedAsDropOutbox(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	s, err := Open(Options{Path: path, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var changed model.Lead
	if err := s.Update(func(tx *Tx) error {
		for i := range 12 {
			l := model.Lead{Company: fmt.Sprintf("Acme %d (root)", i), City: "厦门", Tags: []string{"root"}}
			if i%4 == 1 {
				l.Owner = "bob" // handed to a colleague before the login
			}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			if i == 3 {
				changed = l
			}
			for j := range 3 {
				a := model.Activity{LeadID: l.ID, Kind: model.KindCall, Contact: "root"}
				if err := tx.AddActivity(&a, fmt.Sprintf("拜访 %d: root said \"yes\"\n- next", j)); err != nil {
					return err
				}
			}
			tk := model.Task{LeadID: l.ID, Action: "call root back", Due: model.DateOf(time.Now())}
			if err := tx.AddTask(&tk); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	changed.City = "Xiamen" // settles its create: no longer a reference
	if err := s.Update(func(tx *Tx) error { return tx.UpdateLead(&changed) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { _, err := tx.AdoptUnsynced("root", "ann"); return err }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "b.db")
	if err := os.WriteFile(other, data, 0o600); err != nil {
		t.Fatal(err)
	}
	third := filepath.Join(dir, "c.db")
	if err := os.WriteFile(third, data, 0o600); err != nil {
		t.Fatal(err)
	}
	answer := func(path string, pushed bool, edit func([]OutboxEntry)) map[string]string {
		s, err := Open(Options{Path: path, User: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var entries []OutboxEntry
		if err := s.View(func(tx *Tx) error { entries, err = tx.OutboxJSONAfter(0, 0); return err }); err != nil {
			t.Fatal(err)
		}
		if len(entries) < 12*5 {
			t.Fatalf("%d ops wait", len(entries))
		}
		if edit != nil {
			edit(entries)
		}
		if err := s.Update(func(tx *Tx) error {
			for _, e := range entries {
				drop := func() error { return tx.DropOutbox(e.Seq) }
				if pushed {
					drop = func() error { return tx.DropPushed(e) }
				}
				if err := drop(); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		s.View(func(tx *Tx) error {
			var walk func(name string, b *bolt.Bucket)
			walk = func(name string, b *bolt.Bucket) {
				b.ForEach(func(k, v []byte) error {
					if v == nil {
						walk(name+"/"+string(k), b.Bucket(k))
						return nil
					}
					if jsonpack.Packed(v) {
						v, _ = jsonpack.Unpack(nil, v)
					}
					out[name+"/"+string(k)] = string(v)
					return nil
				})
			}
			return tx.tx.ForEach(func(name []byte, b *bolt.Bucket) error { walk(string(name), b); return nil })
		})
		return out
	}
	read, pushed := answer(path, false, nil), answer(other, true, nil)
	if len(read) != len(pushed) {
		t.Errorf("%d keys after DropOutbox, %d after DropPushed", len(read), len(pushed))
	}
	names := 0
	for k, v := range read {
		if strings.Contains(v, `"ann"`) {
			names++
		}
		if pushed[k] != v && !sameJSON(pushed[k], v) {
			t.Errorf("%s:\nDropOutbox %q\nDropPushed %q", k, v, pushed[k])
		}
	}
	if names < 12+12*3 { // every lead's stage log, every activity's author
		t.Errorf("only %d values name ann after the answers", names)
	}
	// The records of waiting creates come from what was pushed, not from
	// a second reading: an edit of the pushed JSON shows.
	var first string
	edited := answer(third, true, func(entries []OutboxEntry) {
		for i, e := range entries {
			var op model.Op
			if json.Unmarshal(e.Raw, &op) != nil || op.Kind != model.OpCreate || string(op.Fields["company"]) != `"Acme 0 (root)"` {
				continue
			}
			entries[i].Raw = bytes.Replace(e.Raw, []byte(`"Acme 0 (root)"`), []byte(`"Acme 0 as pushed"`), 1)
			first = "leads/" + op.Entity.ID
			return
		}
	})
	if !strings.Contains(edited[first], "Acme 0 as pushed") {
		t.Errorf("the waiting create's record %s is %q, not the fields it was pushed with", first, edited[first])
	}
}

// quoteName agrees with encoding/json on every name, plain or not, and
// model.JSONText, which reads the names back, returns each name.
func TestQuoteName(t *testing.T) {
	for _, name := range []string{"ann", "", "root", "a b", "王", "a\"b", `a\b`, "<x>", "a&b", "tab\there", "\u2028", "~!@#$%^*()"} {
		want, _ := json.Marshal(name)
		if got := quoteName(name); string(got) != string(want) {
			t.Errorf("quoteName(%q) = %s; encoding/json writes %s", name, got, want)
		}
		if got, err := model.JSONText(want); err != nil || got != name {
			t.Errorf("model.JSONText(%s) = %q, %v; want %q", want, got, err, name)
		}
	}
}

// validJSON answers as json.Valid does.
func TestValidJSON(t *testing.T) {
	for _, v := range []string{`[]`, ` [ {"a":1} ] `, `[{"a":1e5,"b":[true,null,"x\n"]}]`, `[`, `[1,]`, `{"a":01}`, `"\x"`, `[` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `]`, `[1] x`, ``, `"\ud800"`} {
		if got, want := validJSON([]byte(v)), json.Valid([]byte(v)); got != want {
			t.Errorf("validJSON(%.40q) = %v; json.Valid says %v", v, got, want)
		}
	}
}

// TestHandedFactsSettleLater: the answers to a first push after a login
// rename each activity's record at once, and its entry in act_facts once
// the push ends, or when the book is next opened to write after a push
// killed midway; writes to those activities in between are kept, and
// doctor takes the book as sound all along.
func TestHandedFactsSettleLater(t *testing.T) {
	for _, how := range []string{"the push ends", "the book is opened again"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			s, err := Open(Options{Path: path, User: "root"})
			if err != nil {
				t.Fatal(err)
			}
			starts := make([]time.Time, 4)
			for i := range starts {
				starts[i] = time.Date(2026, 11, 2+i, 9, 0, 0, 0, time.UTC)
			}
			acts := handedBook(t, s, model.KindCall, starts)
			answer(t, s, 4) // the lead and three of the calls; the fourth still waits
			// Meanwhile one answered call is edited, and another moved.
			acts[1].Kind = model.KindVisit
			acts[2].StartedAt = acts[2].StartedAt.Add(48 * time.Hour)
			if err := s.Update(func(tx *Tx) error {
				for _, i := range []int{1, 2} {
					a, err := tx.Activity(acts[i].ID)
					if err != nil {
						return err
					}
					a.Kind, a.StartedAt = acts[i].Kind, acts[i].StartedAt
					if err := tx.UpdateActivity(&a); err != nil {
						return err
					}
				}
				if !tx.HandOverWaiting() {
					t.Error("no activity handed over waits to be settled")
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if r, err := Doctor(path); err != nil || !r.OK() {
				t.Fatalf("doctor before the activities are settled: %+v, %v", r, err)
			}
			if how == "the push ends" {
				if err := s.SettleHandOver(); err != nil {
					t.Fatal(err)
				}
				s.Close()
			} else {
				s, err = Open(Options{Path: path, User: "root"})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
			}
			got := map[string]string{}
			if err := s.View(func(tx *Tx) error {
				if tx.HandOverWaiting() {
					t.Error("the activities handed over are not settled")
				}
				return tx.ActivityFacts(time.Time{}, time.Time{}, func(f *ActivityFact) error {
					got[string(f.ID())] = fmt.Sprintf("%s %s %s", f.At.Format("01-02"), f.Kind, f.Author)
					return nil
				})
			}); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				acts[0].ID: "11-02 call wang",
				acts[1].ID: "11-03 visit wang",
				acts[2].ID: "11-06 call wang",
				acts[3].ID: "11-05 call root", // not answered yet
			}
			if !maps.Equal(got, want) {
				t.Errorf("act_facts after settling:\n got %v\nwant %v", got, want)
			}
			s.Close()
			if r, err := Doctor(path); err != nil || !r.OK() {
				t.Fatalf("doctor after the activities are settled: %+v, %v", r, err)
			}
		})
	}
}

// TestAdoptRefJSONAsComposed: the outbox hands over a create waiting as a
// reference to its record in one pass (adoptRefJSON), byte for byte as
// writing the op out (outboxJSON) and then handing it over (adoptOpJSON)
// did, for leads of the old account and of another, activities with
// revisions, a name that JSON escapes, and work of an account not handed
// over.
func TestAdoptRefJSONAsComposed(t *testing.T) {
	for _, from := range []string{"root", "王 <x>"} {
		t.Run(from, func(t *testing.T) {
			s, err := Open(Options{Path: filepath.Join(t.TempDir(), "a.db"), User: from})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Update(func(tx *Tx) error {
				for i, owner := range []string{"", "li", from} {
					l := model.Lead{Company: fmt.Sprintf("Lead %d of %s", i, from), Owner: owner, City: "厦门"}
					if err := tx.AddLead(&l); err != nil {
						return err
					}
					a := model.Activity{LeadID: l.ID, Kind: model.KindVisit}
					if err := tx.AddActivity(&a, from+` wrote "this" <&>`); err != nil {
						return err
					}
				}
				_, err := tx.AdoptUnsynced(from, "ann")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			for _, adopted := range []map[string]string{{from: "ann"}, {"nobody": "ann"}} {
				_ = s.View(func(tx *Tx) error {
					refs := 0
					c := tx.bucket(bucketOutbox).Cursor()
					for k, v := c.First(); k != nil; k, v = c.Next() {
						if v[0] != refTag {
							continue
						}
						refs++
						raw, fields, at, ok, err := tx.adoptRefJSON(k, v, adopted)
						composed, err2 := tx.outboxJSON(k, v)
						if err != nil || err2 != nil {
							t.Fatalf("%x: %v, %v", k, err, err2)
						}
						want, wantFields, wantAt, wantOK := adoptOpJSON(composed, adopted)
						if !wantOK {
							// adoptOpJSON declines an actor JSON escapes, handed
							// over or not: the op as written, decoded by the
							// caller, unless no hand-over is due.
							var op model.Op
							if err := json.Unmarshal(composed, &op); err != nil {
								t.Fatal(err)
							}
							_, due := adopted[op.Actor.User]
							if !bytes.Equal(raw, composed) || fields != nil || ok && due {
								t.Errorf("%x handed over %v, declined by adoptOpJSON:\n got %s (%v)\nwant %s", k, adopted, raw, ok, composed)
							}
							continue
						}
						if !bytes.Equal(raw, want) || !bytes.Equal(fields, wantFields) || at != wantAt || !ok {
							t.Errorf("%x handed over %v:\n got %s (fields at %d, %v)\nwant %s (fields at %d)", k, adopted, raw, at, ok, want, wantAt)
						}
						if fields != nil && &raw[at] != &fields[0] {
							t.Errorf("%x: its fields are not where it says", k)
						}
					}
					if refs == 0 {
						t.Fatal("no create waits as a reference")
					}
					return nil
				})
			}
		})
	}
}

// TestHandedFactsSettleOnEveryCore: enough activities handed over that
// settling derives their entries on more than one goroutine (run under
// -race in CI): every entry names the new author, and doctor agrees.
func TestHandedFactsSettleOnEveryCore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(Options{Path: path, User: "root", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2100 // two goroutines' worth (settleHandedFacts)
	starts := make([]time.Time, n)
	for i := range starts {
		starts[i] = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	}
	handedBook(t, s, model.KindVisit, starts)
	answer(t, s, 0)
	authors := map[string]int{}
	_ = s.View(func(tx *Tx) error {
		if tx.HandOverWaiting() {
			t.Error("the outbox is empty and activities still wait to be settled")
		}
		return tx.ActivityFacts(time.Time{}, time.Time{}, func(f *ActivityFact) error {
			authors[string(f.Author)]++
			return nil
		})
	})
	if !maps.Equal(authors, map[string]int{"wang": n}) {
		t.Errorf("act_facts names %v, want wang %d times", authors, n)
	}
	s.Close()
	if r, err := Doctor(path); err != nil || !r.OK() {
		t.Fatalf("doctor: %+v, %v", r, err)
	}
}

// handedBook writes into s, as root, a lead with an activity of kind
// started at each of starts, and hands the unsynced work to wang
// (AdoptUnsynced); it returns the activities.
func handedBook(t *testing.T, s *Store, kind string, starts []time.Time) []model.Activity {
	t.Helper()
	acts := make([]model.Activity, len(starts))
	if err := s.Update(func(tx *Tx) error {
		l := model.Lead{Company: "Acme"}
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		for i, at := range starts {
			acts[i] = model.Activity{LeadID: l.ID, Kind: kind, StartedAt: at}
			if err := tx.AddActivity(&acts[i], fmt.Sprintf("%s %d", kind, i)); err != nil {
				return err
			}
		}
		_, err := tx.AdoptUnsynced("root", "wang")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return acts
}

// answer stores the server's answer to the first n ops waiting in s's
// outbox (all when n <= 0), as a push does (DropPushed).
func answer(t *testing.T, s *Store, n int) {
	t.Helper()
	if err := s.Update(func(tx *Tx) error {
		es, err := tx.OutboxJSONAfter(0, n)
		if err != nil || n > 0 && len(es) != n {
			return fmt.Errorf("outbox %d, %v", len(es), err)
		}
		for _, e := range es {
			if err := tx.DropPushed(e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestHandOverKeptUntilTheOutboxEmpties drops a handed-over book's outbox
// entries in several orders, one transaction at a time and several to a
// transaction, and checks that the record of the hand-over stays while
// any entry waits and goes, its notes on act_facts settled, with the last.
// dropEntry's cursor says an entry is left when its Next finds one after
// the entry deleted; bbolt's Next can step over the entry that followed,
// and the check must not take that for an empty outbox.
func TestHandOverKeptUntilTheOutboxEmpties(t *testing.T) {
	orders := map[string][][]int{ // batches of outbox positions, 0 the oldest
		"one by one, oldest first":     {{0}, {1}, {2}, {3}, {4}, {5}},
		"one by one, newest first":     {{5}, {4}, {3}, {2}, {1}, {0}},
		"the last two together":        {{0}, {1}, {2}, {3}, {4, 5}},
		"all but the middle, then it":  {{0, 1, 3, 4, 5}, {2}},
		"every other, then the others": {{0, 2, 4}, {1, 3, 5}},
	}
	for name, batches := range orders {
		t.Run(name, func(t *testing.T) {
			s, err := Open(Options{Path: filepath.Join(t.TempDir(), "a.db"), User: "root"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			starts := make([]time.Time, 5)
			for i := range starts {
				starts[i] = time.Date(2026, 11, 2+i, 9, 0, 0, 0, time.UTC)
			}
			handedBook(t, s, model.KindCall, starts) // a lead and five calls: six entries
			var all []OutboxEntry
			if err := s.View(func(tx *Tx) error {
				all, err = tx.OutboxJSONAfter(0, 100)
				return err
			}); err != nil || len(all) != 6 {
				t.Fatalf("outbox %d, %v", len(all), err)
			}
			left := len(all)
			for bi, batch := range batches {
				if err := s.Update(func(tx *Tx) error {
					for _, i := range batch {
						if err := tx.DropPushed(all[i]); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				left -= len(batch)
				var handed, noted bool
				_ = s.View(func(tx *Tx) error {
					handed = tx.adopted() != nil
					noted = tx.bucket(bucketSync).Bucket(bucketHandedFacts) != nil
					return nil
				})
				if handed != (left > 0) || left == 0 && noted {
					t.Fatalf("after batch %d, %d entries left: hand-over kept %v, notes on act_facts kept %v", bi, left, handed, noted)
				}
			}
		})
	}
}

// TestHandOverOfAnUnknownTypeIsDamage: an outbox entry on disk whose op
// names a type the book has no bucket for, written by the account handed
// over, is answered with an error that says the book is damaged and names
// that record, not with a panic taken for a bad page, and leaves the
// outbox as it was.
func TestHandOverOfAnUnknownTypeIsDamage(t *testing.T) {
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "a.db"), User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	handedBook(t, s, model.KindCall, []time.Time{time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)})
	const seq = 1 << 40
	bad := `{"op_id":"o1","entity":{"type":"bogus","id":"x1"},"kind":"set","fields":{"a":"b"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{"user":"root"},"schema":1}`
	if err := s.Update(func(tx *Tx) error { return tx.bucket(bucketOutbox).Put(u64(seq), []byte(bad)) }); err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error { return tx.DropOutbox(seq) })
	// Named for what it is: a panic on the missing bucket was taken for a
	// page that does not hold together.
	if !errors.Is(err, ErrDamaged) || !strings.Contains(fmt.Sprint(err), "bogus x1") {
		t.Fatalf("dropping the entry: %v, want an error that says the book is damaged and names the entry's record", err)
	}
	if err := s.View(func(tx *Tx) error {
		if v := tx.bucket(bucketOutbox).Get(u64(seq)); string(v) != bad {
			t.Errorf("the entry after the failed drop: %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
