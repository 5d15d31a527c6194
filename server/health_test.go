package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
)

// TestHealthSaysWhetherTheDatabaseAnswers: ok with the epoch while the
// storage is open, 503 once it is closed (a database that went away).
func TestHealthSaysWhetherTheDatabaseAnswers(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		testHealth(t, b, map[string]string{"bolt": "bbolt", "postgres": "postgresql"}[b.name])
	})
}

func testHealth(t *testing.T, b backend, want string) {
	st := b.open(t, t.TempDir())
	srv := httptest.NewServer(server.Handler(&server.Service{Store: st}, server.Options{}))
	defer srv.Close()
	get := func() (int, map[string]string) {
		resp, err := http.Get(srv.URL + "/v1/health")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	code, body := get()
	if code != http.StatusOK || body["status"] != "ok" || body["database"] != "ok" || body["epoch"] == "" || body["backend"] != want {
		t.Fatalf("open storage: %d %v", code, body)
	}
	st.Close()
	code, body = get()
	if code != http.StatusServiceUnavailable || body["status"] != "unavailable" || body["database"] == "ok" {
		t.Fatalf("closed storage: %d %v", code, body)
	}
}
