package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// TestReadAtOnceAsInTurn: a push read on every core, each create merged
// into an empty record, checked and encoded and each op packed ahead of
// its turn (server/sync.go, readOps), answers and stores, in its records
// and its log, exactly what the same push read and checked op by op in
// its turn does, on bbolt and on PostgreSQL. The pushes are a demo book's
// first push as ann, with ops spoiled in the ways a gatekeeper refuses
// and ops that meet a record made before them, in the batch or in the
// store.
func TestReadAtOnceAsInTurn(t *testing.T) {
	dir := t.TempDir()
	book := demoBook(t, dir, 60)
	var ops []json.RawMessage
	for _, batch := range capturePush(t, dir, book, 60) {
		ops = append(ops, batch...)
	}
	mixed, refs := spoilOps(t, ops)
	forBackends(t, func(t *testing.T, b backend) { readAtOnceAsInTurn(t, b, mixed, refs, len(ops)) })
}

func readAtOnceAsInTurn(t *testing.T, b backend, mixed []json.RawMessage, refs []model.EntityRef, captured int) {
	ctx := context.Background()
	now := time.Now()
	ann := server.User{Name: "ann", Role: server.RoleRep}
	var answers [2][]wire.PushResponse
	var svcs [2]*server.Service
	for k := range svcs {
		st := b.open(t, filepath.Join(t.TempDir(), fmt.Sprint("server", k)))
		defer st.Close()
		svc := &server.Service{Store: st, Now: func() time.Time { return now }}
		if k == 1 {
			server.ReadInTurn(svc)
		}
		for _, u := range []string{"ann", "bob"} {
			if _, err := svc.AddUser(ctx, u, server.RoleRep); err != nil {
				t.Fatal(err)
			}
		}
		for batch := range slices.Chunk(mixed, 300) {
			resp, err := svc.Push(ctx, ann, batch)
			if err != nil {
				t.Fatal(err)
			}
			answers[k] = append(answers[k], resp)
		}
		svcs[k] = svc
	}
	count := map[string]int{}
	for b := range answers[0] {
		for i, got := range answers[0][b].Results {
			want := answers[1][b].Results[i]
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("batch %d op %d: read at once %+v, in turn %+v", b, i, got, want)
			}
			count[got.Status]++
		}
		if !reflect.DeepEqual(answers[0][b], answers[1][b]) {
			t.Fatalf("batch %d: the answers differ: %+v and %+v", b, answers[0][b], answers[1][b])
		}
	}
	t.Logf("answers %v for %d ops", count, len(mixed))
	// Every way through the checks was taken.
	if count[wire.StatusApplied] < captured || count[wire.StatusRejected] < 20 || count[wire.StatusDuplicate] < 5 {
		t.Fatalf("answers %v for %d ops; the spoiling did not reach every check", count, len(mixed))
	}
	// The logs hold the same entries, the ops as they are stored.
	var logs [2][]server.LogEntry
	for k, svc := range svcs {
		if err := svc.Store.View(ctx, func(tx server.Tx) error {
			return tx.Scan(0, func(e server.LogEntry) (bool, error) {
				e.Op, e.OwnRaw = nil, false
				logs[k] = append(logs[k], e)
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(logs[0]) < count[wire.StatusApplied] || len(logs[0]) != len(logs[1]) {
		t.Fatalf("the logs hold %d and %d entries, for %d ops applied", len(logs[0]), len(logs[1]), count[wire.StatusApplied])
	}
	for i := range logs[0] {
		if !reflect.DeepEqual(logs[0][i], logs[1][i]) {
			t.Fatalf("log entry %d: read at once %+v, in turn %+v", i, logs[0][i], logs[1][i])
		}
	}
	for _, ref := range refs {
		var recs [2]*model.Record
		var found [2]bool
		for k, svc := range svcs {
			if err := svc.Store.View(ctx, func(tx server.Tx) error {
				var err error
				recs[k], found[k], err = tx.Record(ref)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if found[0] != found[1] || !reflect.DeepEqual(recs[0], recs[1]) {
			t.Fatalf("%s %s: read at once %v %+v, in turn %v %+v", ref.Type, ref.ID, found[0], recs[0], found[1], recs[1])
		}
	}
}

// spoilOps returns ops with spoiled copies of some of them put after
// them, and the entities all of them name: verbatim resends, creates of a
// record the batch or the store has made already, creates refused for a
// bad stage, a value of the wrong type, another owner, a time too far
// ahead or a stamp ahead of the server's clock, and creates by another
// actor, which the server takes as ann's.
func spoilOps(t *testing.T, ops []json.RawMessage) ([]json.RawMessage, []model.EntityRef) {
	t.Helper()
	rng := rand.New(rand.NewPCG(15, 2))
	var out []json.RawMessage
	var refs []model.EntityRef
	var made []model.Op // creates already pushed
	add := func(op model.Op) {
		data, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
		refs = append(refs, op.Entity)
	}
	fresh := func(op model.Op) model.Op { // a copy, as a new op of a new record
		op.Fields = maps.Clone(op.Fields)
		op.ID, op.Entity.ID = model.NewID(), model.NewID()
		op.Fields["id"], _ = json.Marshal(op.Entity.ID)
		return op
	}
	for _, data := range ops {
		var op model.Op
		if err := json.Unmarshal(data, &op); err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
		refs = append(refs, op.Entity)
		if op.Kind != model.OpCreate {
			continue
		}
		lead := op.Entity.Type == model.TypeLead
		switch rng.IntN(12) {
		case 0:
			out = append(out, data) // a resend
		case 1: // the same record made again in the batch, by a later op
			again := op
			again.ID, again.Fields = model.NewID(), maps.Clone(op.Fields)
			again.HLC.Counter++
			if lead {
				again.Fields["company"], _ = json.Marshal("Made again")
			}
			add(again)
		case 2:
			if len(made) > 0 { // a record the store holds, made again
				again := made[rng.IntN(len(made))]
				again.ID = model.NewID()
				again.HLC.Wall++
				add(again)
			}
		case 3:
			bad := fresh(op)
			if lead {
				bad.Fields["stage"] = json.RawMessage(`"nonsense"`)
			} else {
				bad.Fields["lead_id"] = json.RawMessage(`42`)
			}
			add(bad)
		case 4:
			bad := fresh(op)
			if lead {
				bad.Fields["owner"] = json.RawMessage(`"bob"`)
			} else {
				bad.Fields["author"] = json.RawMessage(`"bob"`)
			}
			add(bad)
		case 5:
			bad := fresh(op)
			bad.Fields["created_at"] = json.RawMessage(`"2099-01-01T00:00:00Z"`)
			add(bad)
		case 6:
			bad := fresh(op)
			bad.HLC.Wall = time.Now().Add(48 * time.Hour).UnixMilli()
			add(bad)
		case 7:
			other := fresh(op)
			other.Actor.User = "someone-else"
			add(other)
		case 8:
			bad := fresh(op)
			bad.Fields["id"] = json.RawMessage(`"not-its-id"`)
			add(bad)
		}
		made = append(made, op)
	}
	return out, refs
}
