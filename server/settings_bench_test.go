package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// BenchmarkSettings measures what the company settings cost: a laptop's
// fetch per sync (GET /v1/settings answered 304, or 200 with the
// document, beside GET /v1/whoami as the reference of a request that
// reads nothing), and a push of 100 new leads with settings stored
// (their version read once per batch) against one without (the reference).
//
//	go test ./server -run '^$' -bench Settings -benchtime 200x -benchmem
func BenchmarkSettings(b *testing.B) {
	ctx := context.Background()
	for _, bk := range []string{"bolt", "postgres"} {
		b.Run(bk, func(b *testing.B) {
			// Each case on a fresh storage, so that no case pushes into a
			// log the one before it grew.
			start := func(b *testing.B, settings bool) (*server.Service, string, string) {
				var st server.Storage
				if bk == "bolt" {
					s, err := server.OpenBolt(filepath.Join(b.TempDir(), "srv"), true)
					if err != nil {
						b.Fatal(err)
					}
					st = s
				} else {
					st = openPG(b, freshDatabase(b))
				}
				b.Cleanup(func() { st.Close() })
				svc := &server.Service{Store: st, ParseSettings: parseSettings}
				tok, err := svc.AddUser(ctx, "ann", server.RoleRep)
				if err != nil {
					b.Fatal(err)
				}
				if settings {
					doc := companyDoc("prospect", "qualified", "contacted", "solution", "negotiation")
					if res, err := svc.SetSettings(ctx, doc); err != nil || !res.OK() {
						b.Fatalf("%+v %v", res, err)
					}
				}
				srv := httptest.NewServer(server.Handler(svc, server.Options{Rate: 1e9, Burst: 1e9}))
				b.Cleanup(srv.Close)
				return svc, srv.URL, tok
			}
			u := server.User{Name: "ann", Role: server.RoleRep}
			b.Run("push-100-leads/no-settings", func(b *testing.B) {
				svc, _, _ := start(b, false)
				benchPush(b, svc, u)
			})
			b.Run("push-100-leads/settings", func(b *testing.B) {
				svc, _, _ := start(b, true)
				benchPush(b, svc, u)
			})
			get := func(b *testing.B, path, etag string, want int) {
				_, url, tok := start(b, true)
				hc := &http.Client{}
				var n int64
				for b.Loop() {
					req, _ := http.NewRequest(http.MethodGet, url+path, nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					if etag != "" {
						req.Header.Set("If-None-Match", etag)
					}
					resp, err := hc.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					m, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != want {
						b.Fatalf("%s: %d", path, resp.StatusCode)
					}
					n += m
				}
				b.ReportMetric(float64(n)/float64(b.N), "body-B/op")
			}
			b.Run("get/whoami", func(b *testing.B) { get(b, "/v1/whoami", "", http.StatusOK) })
			b.Run("get/settings-304", func(b *testing.B) { get(b, "/v1/settings", server.SettingsETag(1), http.StatusNotModified) })
			b.Run("get/settings-200", func(b *testing.B) { get(b, "/v1/settings", "", http.StatusOK) })
		})
	}
}

// benchPush pushes 100 new leads per iteration.
func benchPush(b *testing.B, svc *server.Service, u server.User) {
	ctx := context.Background()
	now := time.Now().UTC().Add(-time.Minute)
	wall := now.UnixMilli()
	for b.Loop() {
		batch := make([]json.RawMessage, 0, 100)
		for i := range 100 {
			wall++
			id := model.NewID()
			op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: id}, Kind: model.OpCreate,
				Fields: map[string]json.RawMessage{}, HLC: model.HLC{Wall: wall, Node: "bench"}, Schema: model.CurrentSchema}
			for k, v := range map[string]any{"id": id, "company": fmt.Sprintf("华东机械 %d", i), "stage": "qualified", "owner": u.Name,
				"stage_entered_at": now, "created_at": now, "updated_at": now} {
				op.Fields[k], _ = json.Marshal(v)
			}
			data, _ := json.Marshal(op)
			batch = append(batch, data)
		}
		resp, err := svc.Push(ctx, u, batch)
		if err != nil {
			b.Fatal(err)
		}
		if r := resp.Results[0]; r.Status != wire.StatusApplied {
			b.Fatalf("%s %s", r.Status, r.Reason)
		}
	}
}
