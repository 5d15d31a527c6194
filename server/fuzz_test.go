package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// FuzzPushHandler sends arbitrary bodies through the whole push path
// (strict decoding, per-op validation, authorisation, the transaction):
// every answer is 200 with one result per op, or an error status with a
// JSON sentence, and the server stays healthy; a body packed (wire.PackType)
// gets the answer it gets as JSON, and so does one whose ops are packed
// each on its own (wire.AppendEmbeddedPush), and bytes that are not a
// packed body but say they are get a sentence.
func FuzzPushHandler(f *testing.F) {
	f.Add([]byte(`{"ops":[]}`))
	f.Add([]byte(`{"ops":[{"op_id":"a","entity":{"type":"lead","id":"l"},"kind":"create","fields":{"company":"X","owner":"ann"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"b","entity":{"type":"activity","id":"a"},"kind":"create","fields":{"lead_id":"l","kind":"visit"},"hlc":{"wall_ms":2,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"c","entity":{"type":"lead","id":"l"},"kind":"set","fields":{"owner":"bob"},"hlc":{"wall_ms":3,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[1,2,3]}`))
	// The shapes of issue 12's findings.
	f.Add([]byte(`{"ops":[{"op_id":"d","entity":{"type":"lead","id":"l"},"kind":"set","fields":{"created_at":12345},"hlc":{"wall_ms":4,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"e","entity":{"type":"lead","id":"target:ann"},"kind":"create","fields":{"company":"X","owner":"ann","stage":"prospect"},"hlc":{"wall_ms":5,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"f","entity":{"type":"lead","id":"l2"},"kind":"create","fields":{"company":"\u001b]0;x\u0007","owner":"ann","stage":"prospect","is_admin":true},"hlc":{"wall_ms":6,"counter":4294967295,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"g","entity":{"type":"target","id":"2028-q0-alice"},"kind":"create","fields":{"year":2028,"user":"ann","won_count":"ten"},"hlc":{"wall_ms":7,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"h","entity":{"type":"lead","id":"l3"},"kind":"create","fields":{"company":"Good","owner":"ann","stage":"prospect","created_at":"2026-01-01T00:00:00Z"},"hlc":{"wall_ms":8,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
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
	if _, err := svc.AddUser(context.Background(), "boss", server.RoleManager); err != nil {
		f.Fatal(err)
	}
	h := server.Handler(svc, server.Options{Rate: 1e9, Burst: 1e9})
	// The manager's laptop: a real replica syncing through a real HTTP
	// server. Whatever ann pushed, its sync and its screens must work.
	srv := httptest.NewServer(h)
	defer srv.Close()
	mgr := fuzzManager(f, svc, srv.URL)
	defer mgr.st.Close()
	f.Fuzz(func(t *testing.T, body []byte) {
		// The body as JSON, packed as a client packs it (the same answer:
		// unpacked it is the same JSON), and as it is under the packed
		// type (mostly damage).
		// And, when it is a push whose ops Pack can pack, with each op
		// packed on its own and embedded whole, as a client of this
		// version sends it: the same answer again.
		variants := []struct {
			body []byte
			typ  string
		}{{body, "application/json"}, {jsonpack.Pack(nil, body), wire.PackType}, {body, wire.PackType}}
		if in, err := wire.DecodePushRequest(body); err == nil {
			if embedded, err := wire.AppendEmbeddedPush(nil, in.Ops); err == nil {
				variants = append(variants, struct {
					body []byte
					typ  string
				}{embedded, wire.PackType})
			}
		}
		status := make([]int, len(variants))
		for i, v := range variants {
			req := httptest.NewRequest(http.MethodPost, "/v1/push", bytes.NewReader(v.body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", v.typ)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			status[i] = rec.Code
			switch rec.Code {
			case http.StatusOK:
				var resp wire.PushResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatalf("200 with a bad body: %v", err)
				}
				var in wire.PushRequest
				_ = json.Unmarshal(body, &in)
				if i != 2 && len(resp.Results) != len(in.Ops) {
					t.Fatalf("%d results for %d ops", len(resp.Results), len(in.Ops))
				}
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
				var eb wire.ErrorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Message == "" {
					t.Fatalf("%d without a JSON sentence: %q", rec.Code, rec.Body.String())
				}
			default:
				t.Fatalf("status %d (%s): %s", rec.Code, v.typ, rec.Body.String())
			}
		}
		if status[0] != status[1] || len(status) == 4 && status[0] != status[3] {
			t.Fatalf("%q: %d as JSON, packed %v", body, status[0], status[1:])
		}
		if _, err := remote.Sync(context.Background(), mgr.st, mgr.c); err != nil {
			t.Fatalf("the manager's sync fails after %q: %v", body, err)
		}
		if err := mgr.st.View(func(tx *store.Tx) error {
			if _, err := tx.Leads(store.LeadFilter{}); err != nil {
				return err
			}
			_, err := tx.Today()
			return err
		}); err != nil {
			t.Fatalf("the manager's book fails after %q: %v", body, err)
		}
		hrec := httptest.NewRecorder()
		h.ServeHTTP(hrec, httptest.NewRequest(http.MethodGet, "/v1/health", nil))
		if hrec.Code != http.StatusOK {
			t.Fatalf("unhealthy after %q", body)
		}
	})
}

type fuzzDevice struct {
	st *store.Store
	c  *remote.Client
}

func fuzzManager(f *testing.F, svc *server.Service, url string) fuzzDevice {
	tok, err := svc.AddToken(context.Background(), "boss")
	if err != nil {
		f.Fatal(err)
	}
	st, err := store.Open(store.Options{Path: filepath.Join(f.TempDir(), "boss.db"), User: "boss", KeepOpen: true, NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	c, err := remote.NewClient(url, tok)
	if err != nil {
		f.Fatal(err)
	}
	return fuzzDevice{st: st, c: c}
}
