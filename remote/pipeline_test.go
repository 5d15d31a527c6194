package remote_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// watchPushes stands in front of a real server: it notes the op ids of
// every push in the order they arrive and how many pushes were in flight
// at once, holds each a little so that overlaps would show, and answers
// the push numbered failAt (counting from 1) with a 503 without passing it
// on.
type watchPushes struct {
	next     http.Handler
	failAt   int32
	n        atomic.Int32
	inFlight atomic.Int32
	most     atomic.Int32
	mu       sync.Mutex
	ops      []string
}

func (w *watchPushes) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/push" {
		w.next.ServeHTTP(rw, r)
		return
	}
	now := w.inFlight.Add(1)
	defer w.inFlight.Add(-1)
	for m := w.most.Load(); now > m && !w.most.CompareAndSwap(m, now); m = w.most.Load() {
	}
	if w.n.Add(1) == w.failAt {
		http.Error(rw, `{"code":"unavailable","message":"try again"}`, http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	plain := body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, _ := gzip.NewReader(bytes.NewReader(body))
		plain, _ = io.ReadAll(zr)
	}
	plain, _ = jsonpack.Unpack(nil, plain)
	var req struct {
		Ops []struct {
			ID string `json:"op_id"`
		}
	}
	_ = json.Unmarshal(plain, &req)
	w.mu.Lock()
	for _, op := range req.Ops {
		w.ops = append(w.ops, op.ID)
	}
	w.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	r.Body = io.NopCloser(bytes.NewReader(body))
	w.next.ServeHTTP(rw, r)
}

// A push of many batches sends the next while the answer to one is
// stored, yet only one request is ever in flight and the ops reach the
// server in the outbox's order. When a batch fails, the sync stops with
// the error, and the next sync sends what is left: every lead arrives
// once, none refused.
func TestPushSendsOneBatchAtATimeInOrder(t *testing.T) {
	for _, failAt := range []int32{0, 3} {
		t.Run(fmt.Sprintf("failAt=%d", failAt), func(t *testing.T) {
			sst, err := server.OpenBolt(t.TempDir(), true)
			if err != nil {
				t.Fatal(err)
			}
			svc := &server.Service{Store: sst}
			front := &watchPushes{next: server.Handler(svc, server.Options{}), failAt: failAt}
			srv := httptest.NewServer(front)
			defer func() { srv.Close(); sst.Close() }()
			tok, err := svc.AddUser(context.Background(), "ann", server.RoleRep)
			if err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann", NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			const leads = 400
			var want []string
			err = st.Update(func(tx *store.Tx) error {
				for i := range leads {
					l := model.Lead{Company: fmt.Sprintf("Pipeline %d", i)}
					if err := tx.AddLead(&l); err != nil {
						return err
					}
				}
				out, err := tx.Outbox(0)
				for _, e := range out {
					want = append(want, e.Op.ID)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			c, err := remote.NewClient(srv.URL, tok)
			if err != nil {
				t.Fatal(err)
			}
			opts := remote.Options{PushBatch: 50}
			rep, err := remote.SyncWith(context.Background(), st, c, opts)
			pushed := rep.Pushed
			if failAt > 0 {
				if err == nil {
					t.Fatal("the sync went on past a failed batch")
				}
				if got := front.n.Load(); got != failAt {
					t.Errorf("%d pushes before stopping, want %d", got, failAt)
				}
				again, err := remote.SyncWith(context.Background(), st, c, opts)
				if err != nil {
					t.Fatal(err)
				}
				pushed += again.Pushed + again.Duplicates
				if again.Rejected != 0 {
					t.Errorf("%d ops refused after the failed batch", again.Rejected)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if pushed != leads || rep.Rejected != 0 {
				t.Errorf("pushed %d (refused %d), want %d", pushed, rep.Rejected, leads)
			}
			if m := front.most.Load(); m != 1 {
				t.Errorf("%d pushes in flight at once, want 1", m)
			}
			front.mu.Lock()
			got := slices.Compact(slices.Clone(front.ops)) // a batch whose answer was dropped is sent again
			front.mu.Unlock()
			if !slices.Equal(got, want) {
				t.Errorf("ops reached the server out of the outbox's order (%d sent, %d waiting)", len(got), len(want))
			}
			var waiting int
			st.View(func(tx *store.Tx) error { waiting = tx.OutboxLen(); return nil })
			if waiting != 0 {
				t.Errorf("%d ops still waiting", waiting)
			}
		})
	}
}
