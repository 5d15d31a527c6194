package remote_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestSyncLearnsTheRole: the first sync asks whoami once and keeps the
// role in the book; the next syncs within a day ask nothing more, and a
// day later one asks again.
func TestSyncLearnsTheRole(t *testing.T) {
	var mu sync.Mutex
	asked := 0
	svc, srv := serveBolt(t, func(api http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/whoami" {
				mu.Lock()
				asked++
				mu.Unlock()
			}
			api.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	tok, err := svc.AddUser(ctx, "lei", server.RoleLeadership)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	book, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "lei.db"), User: "lei", NoSync: true,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	c, err := remote.NewClient(srv.URL, tok)
	if err != nil {
		t.Fatal(err)
	}
	c.User = "lei"
	for i, step := range []struct {
		after time.Duration
		asks  int
	}{{0, 1}, {time.Hour, 1}, {25 * time.Hour, 2}} {
		now = now.Add(step.after)
		if _, err := remote.Sync(ctx, book, c); err != nil {
			t.Fatal(err)
		}
		var role string
		book.View(func(tx *store.Tx) error { role = tx.Role(); return nil })
		mu.Lock()
		if role != "leadership" || asked != step.asks {
			t.Errorf("sync %d: role %q, whoami asked %d times, want %d", i, role, asked, step.asks)
		}
		mu.Unlock()
	}
}
