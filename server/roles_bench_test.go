package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// BenchmarkSettingsSetOnABook: an operator stores a settings version on
// a server of 10,000 leads (two activities each), alternating two
// versions, so that every set stores one and reads every lead for the
// orphans. In "moved" the versions swap the solution stage and the leads'
// stage, so support's sight is worked out again for every lead
// (roles.go); in "same-order" they differ by a comment only.
//
//	go test ./server -run '^$' -bench SettingsSetOnABook -benchtime 10x -benchmem
func BenchmarkSettingsSetOnABook(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "srv")
	seedBook(b, dir, "ann", 10000, 2) // bench_test.go: leads at qualified
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st, ParseSettings: parseSettings}
	doc := companyDoc("prospect", "qualified", "solution")
	for _, c := range []struct {
		name string
		docs []string
	}{
		{"moved", []string{doc, companyDoc("prospect", "solution", "qualified")}},
		{"same-order", []string{doc, doc + "# another version\n"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				if res, err := svc.SetSettings(ctx, c.docs[i%2]); err != nil || !res.OK() || res.Unchanged {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}

// BenchmarkPushOnAccounts: ann pushes a batch of 100 changes to 100 of
// her 1,000 leads, each with seven visits, two service orders in the
// after-sales queue and a task in the support queue: a city ("city"), or
// a stage move there and back ("stage"). Leads at "won" have their sight
// through work worked out at a stage move (roles.go: their children are
// read once per batch); at "qualified" no helper can see a lead and
// none are read: the reference. A city changes no one's sight, so it is
// not worked out at either.
//
//	go test ./server -run '^$' -bench PushOnAccounts -benchtime 20x -benchmem
func BenchmarkPushOnAccounts(b *testing.B) {
	pushOnAccounts(b, func(b *testing.B) server.Storage {
		st, err := server.OpenBolt(filepath.Join(b.TempDir(), "srv"), true)
		if err != nil {
			b.Fatal(err)
		}
		return st
	})
}

// BenchmarkPGPushOnAccounts is BenchmarkPushOnAccounts on PostgreSQL,
// where every record read is a round trip.
func BenchmarkPGPushOnAccounts(b *testing.B) {
	pushOnAccounts(b, func(b *testing.B) server.Storage { return openPG(b, freshDatabase(b)) })
}

func pushOnAccounts(b *testing.B, open func(*testing.B) server.Storage) {
	for _, stages := range [][2]string{{"qualified", "contacted"}, {model.StageWon, "negotiation"}} {
		b.Run(stages[0], func(b *testing.B) {
			st := open(b)
			defer st.Close()
			svc := &server.Service{Store: st}
			ann := server.User{Name: "ann", Role: server.RoleRep}
			ctx := context.Background()
			if _, err := svc.AddUser(ctx, "ann", server.RoleRep); err != nil {
				b.Fatal(err)
			}
			wall := time.Now().Add(-time.Hour).UnixMilli()
			op := func(kind, typ, id string, fields map[string]any) json.RawMessage {
				wall++
				o := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: typ, ID: id}, Kind: kind,
					Fields: map[string]json.RawMessage{}, HLC: model.HLC{Wall: wall, Node: "ann-laptop"}, Actor: model.Actor{User: "ann"}, Schema: model.CurrentSchema}
				for k, v := range fields {
					o.Fields[k], _ = json.Marshal(v)
				}
				data, _ := json.Marshal(o)
				return data
			}
			push := func(batch []json.RawMessage) {
				resp, err := svc.Push(ctx, ann, batch)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range resp.Results {
					if r.Status != wire.StatusApplied {
						b.Fatalf("%s: %s", r.Status, r.Reason)
					}
				}
			}
			now := time.Now().UTC()
			var leads []string
			var batch []json.RawMessage
			for i := range 1000 {
				lead := model.NewID()
				leads = append(leads, lead)
				batch = append(batch, op(model.OpCreate, model.TypeLead, lead, map[string]any{"id": lead, "company": fmt.Sprintf("华东机械 %d 有限公司", i),
					"stage": stages[0], "owner": "ann", "city": "Hangzhou", "stage_entered_at": now, "created_at": now, "updated_at": now}))
				for j := range 7 {
					id := model.NewID()
					batch = append(batch, op(model.OpCreate, model.TypeActivity, id, map[string]any{"id": id, "lead_id": lead, "kind": "visit",
						"started_at": now.Add(-time.Duration(j) * time.Hour), "author": "ann", "created_at": now}))
				}
				for _, kind := range []string{model.ServiceInstall, model.ServiceCommissioning} {
					id := model.NewID()
					batch = append(batch, op(model.OpCreate, model.TypeService, id, map[string]any{"id": id, "lead_id": lead, "kind": kind,
						"status": model.ServiceOpen, "created_by": "ann", "created_at": now}))
				}
				id := model.NewID()
				batch = append(batch, op(model.OpCreate, model.TypeTask, id, map[string]any{"id": id, "lead_id": lead, "action": "hand-off",
					"due": "2026-12-24", "queue": model.QueueSupport, "created_at": now}))
				if len(batch) >= wire.MaxPushOps-20 {
					push(batch)
					batch = nil
				}
			}
			push(batch)
			for _, change := range []string{"city", "stage"} {
				b.Run(change, func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						batch = batch[:0]
						for _, lead := range leads[i%10*100 : i%10*100+100] {
							f := map[string]any{"city": fmt.Sprintf("City %d", i)}
							if change == "stage" {
								// Away at a set's odd visits, back at its even ones.
								f = map[string]any{"stage": stages[(i/10+1)%2]}
							}
							batch = append(batch, op(model.OpSet, model.TypeLead, lead, f))
						}
						push(batch)
					}
				})
			}
		})
	}
}
