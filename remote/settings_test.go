package remote_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestSyncFetchesSettingsOnlyWhenNamed: a sync asks GET /v1/settings only
// when its pull named a settings version the book does not have, and
// keeps the document in the book; a sync with nothing new asks nothing.
func TestSyncFetchesSettingsOnlyWhenNamed(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st, ParseSettings: func(text string) (server.ParsedSettings, []server.SettingsProblem, []string) {
		c, ps := config.ParseCompany(text)
		if len(ps) > 0 {
			return server.ParsedSettings{}, []server.SettingsProblem{{Line: ps[0].Line, Message: ps[0].Message}}, nil
		}
		return server.ParsedSettings{Pipeline: c.Rules().Pipeline}, nil, nil
	}}
	var mu sync.Mutex
	asked := map[int]int{} // status of GET /v1/settings answers -> count
	api := server.Handler(svc, server.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		api.ServeHTTP(rec, r)
		if r.URL.Path == "/v1/settings" {
			mu.Lock()
			asked[rec.status]++
			mu.Unlock()
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	tok, err := svc.AddUser(ctx, "ann", server.RoleRep)
	if err != nil {
		t.Fatal(err)
	}
	book, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	c, err := remote.NewClient(srv.URL, tok)
	if err != nil {
		t.Fatal(err)
	}
	syncAndCount := func(want map[int]int, version uint64) {
		t.Helper()
		mu.Lock()
		clear(asked)
		mu.Unlock()
		if _, err := remote.Sync(ctx, book, c); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(asked) != len(want) || asked[200] != want[200] || asked[304] != want[304] {
			t.Fatalf("GET /v1/settings answers %v, want %v", asked, want)
		}
		var cs store.CompanySettings
		book.View(func(tx *store.Tx) error { cs, _, err = tx.CompanySettings(); return err })
		if cs.Version != version || err != nil {
			t.Fatalf("the book has settings version %d (%v), want %d", cs.Version, err, version)
		}
	}
	syncAndCount(map[int]int{}, 0) // none stored: nothing asked
	doc := "[[stages]]\nkey = \"pilot\"\nlabel_en = \"Pilot\"\n[[stages]]\nkey = \"won\"\nlabel_en = \"Won\"\n[[stages]]\nkey = \"lost\"\nlabel_en = \"Lost\"\n"
	if res, err := svc.SetSettings(ctx, doc); err != nil || res.Version != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	syncAndCount(map[int]int{200: 1}, 1)
	syncAndCount(map[int]int{}, 1)
	if res, err := svc.SetSettings(ctx, "return_visit_days = 30\n"+doc); err != nil || res.Version != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	syncAndCount(map[int]int{200: 1}, 2)
	syncAndCount(map[int]int{}, 2)
	// An empty document (every company section at its default) is a
	// version like any other.
	if res, err := svc.SetSettings(ctx, ""); err != nil || res.Version != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	syncAndCount(map[int]int{200: 1}, 3)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
