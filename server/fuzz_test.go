package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/fieldcrm/fieldcrm/wire"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
)

// FuzzPushHandler sends arbitrary bodies through the whole push path
// (strict decoding, per-op validation, authorisation, the transaction):
// every answer is 200 with one result per op, or an error status with a
// JSON sentence, and the server stays healthy.
func FuzzPushHandler(f *testing.F) {
	f.Add([]byte(`{"ops":[]}`))
	f.Add([]byte(`{"ops":[{"op_id":"a","entity":{"type":"lead","id":"l"},"kind":"create","fields":{"company":"X","owner":"ann"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"b","entity":{"type":"activity","id":"a"},"kind":"create","fields":{"lead_id":"l","kind":"visit"},"hlc":{"wall_ms":2,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"c","entity":{"type":"lead","id":"l"},"kind":"set","fields":{"owner":"bob"},"hlc":{"wall_ms":3,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[1,2,3]}`))
	st, err := server.OpenBolt(f.TempDir(), true)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st}
	tok, err := svc.AddUser(context.Background(), "ann", server.RoleRep)
	if err != nil {
		f.Fatal(err)
	}
	h := server.Handler(svc, server.Options{Rate: 1e9, Burst: 1e9})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/push", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var resp wire.PushResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("200 with a bad body: %v", err)
			}
			var in wire.PushRequest
			_ = json.Unmarshal(body, &in)
			if len(resp.Results) != len(in.Ops) {
				t.Fatalf("%d results for %d ops", len(resp.Results), len(in.Ops))
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			var eb wire.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Message == "" {
				t.Fatalf("%d without a JSON sentence: %q", rec.Code, rec.Body.String())
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		hrec := httptest.NewRecorder()
		h.ServeHTTP(hrec, httptest.NewRequest(http.MethodGet, "/v1/health", nil))
		if hrec.Code != http.StatusOK {
			t.Fatalf("unhealthy after %q", body)
		}
	})
}
