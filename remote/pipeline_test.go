package remote_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
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
	ids := pushedOpIDs(r)
	w.mu.Lock()
	w.ops = append(w.ops, ids...)
	w.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	w.next.ServeHTTP(rw, r)
}

// A push of many batches sends the next while the answer to one is
// stored, yet only one request is ever in flight and the ops reach the
// server in the outbox's order. When a batch fails, the sync stops with
// the error, the answers before it stored, and the next sync sends what
// is left: every lead arrives once, none refused.
func TestPushSendsOneBatchAtATimeInOrder(t *testing.T) {
	for _, failAt := range []int32{0, 2, 3} {
		t.Run(fmt.Sprintf("failAt=%d", failAt), func(t *testing.T) {
			front := &watchPushes{failAt: failAt}
			const leads = 400
			c, st := bookBehind(t, func(h http.Handler) http.Handler { front.next = h; return front }, leads)
			var want []string
			err := st.View(func(tx *store.Tx) error {
				out, err := tx.Outbox(0)
				for _, e := range out {
					want = append(want, e.Op.ID)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var answered, waited []int // what each call of Progress says
			opts := remote.Options{PushBatch: 50, Progress: func(done remote.Report, waiting int) {
				answered = append(answered, done.Pushed+done.Duplicates+done.Rejected)
				waited = append(waited, waiting)
			}}
			rep, err := remote.SyncWith(context.Background(), st, c, opts)
			if failAt == 0 && (len(answered) < leads/50 || !slices.IsSorted(answered) || answered[leads/50-1] != leads ||
				slices.ContainsFunc(waited, func(n int) bool { return n != leads })) {
				t.Errorf("progress after each batch and page: answered %v, waiting %v", answered, waited)
			}
			pushed := rep.Pushed
			if failAt > 0 {
				if err == nil {
					t.Fatal("the sync went on past a failed batch")
				}
				if got := front.n.Load(); got != failAt {
					t.Errorf("%d pushes before stopping, want %d", got, failAt)
				}
				// The answers that came before the failure are stored,
				// though they wait to be stored two batches at a time.
				var left int
				st.View(func(tx *store.Tx) error { left = tx.OutboxLen(); return nil })
				if want := leads - 50*int(failAt-1); left != want {
					t.Errorf("%d ops wait after the failed batch, want %d", left, want)
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
