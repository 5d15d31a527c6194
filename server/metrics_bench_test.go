package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// BenchmarkPushMetrics pushes batches of 200 new leads over HTTP on
// 127.0.0.1 to a bbolt server without and with metrics: the cost of
// counting, timing and reading back each push's answer.
//
//	go test ./server -run '^$' -bench PushMetrics -benchtime 20x -count 3
func BenchmarkPushMetrics(b *testing.B) {
	for _, withMetrics := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", withMetrics), func(b *testing.B) {
			st, err := server.OpenBolt(b.TempDir(), true)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			svc := &server.Service{Store: st}
			token, err := svc.AddUser(b.Context(), "ann", server.RoleRep)
			if err != nil {
				b.Fatal(err)
			}
			opts := server.Options{Rate: 1e9, Burst: 1e9}
			if withMetrics {
				opts.Metrics = server.NewMetrics(st, nil)
			}
			srv := httptest.NewServer(server.Handler(svc, opts))
			defer srv.Close()
			bodies := make([][]byte, b.N)
			now := time.Now().UTC()
			for i := range bodies {
				ops := make([]json.RawMessage, 200)
				for j := range ops {
					id := model.NewID()
					op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: id}, Kind: model.OpCreate,
						Fields: map[string]json.RawMessage{}, HLC: model.HLC{Wall: now.UnixMilli(), Node: "bench"}, Schema: model.CurrentSchema}
					for k, v := range map[string]any{"id": id, "company": "Bench Co", "stage": "qualified", "owner": "ann",
						"stage_entered_at": now, "created_at": now, "updated_at": now} {
						op.Fields[k], _ = json.Marshal(v)
					}
					ops[j], _ = json.Marshal(op)
				}
				bodies[i], _ = json.Marshal(map[string]any{"ops": ops})
			}
			b.ResetTimer()
			for i := range b.N {
				req, _ := http.NewRequest("POST", srv.URL+"/v1/push", bytes.NewReader(bodies[i]))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("push: %s", resp.Status)
				}
			}
		})
	}
}
