package remote_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// switchable forwards to the real server unless it is "down", and notes
// when each request was tried.
type switchable struct {
	down  atomic.Bool
	mu    sync.Mutex
	tries []time.Time
}

func (s *switchable) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.tries = append(s.tries, time.Now())
	s.mu.Unlock()
	if s.down.Load() {
		return nil, errors.New("network is unreachable (test)")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func setup(t *testing.T) (*store.Store, *remote.Client, *switchable) {
	t.Helper()
	svc, srv := serveBolt(t, nil)
	tok, err := svc.AddUser(context.Background(), "ann", server.RoleRep)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := remote.NewClient(srv.URL, tok)
	if err != nil {
		t.Fatal(err)
	}
	sw := &switchable{}
	c.HTTP = &http.Client{Transport: sw, Timeout: 5 * time.Second}
	return rs, c, sw
}

func waitFor(t *testing.T, l *remote.Loop, what string, ok func(remote.Status) bool) remote.Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := l.Status(); ok(s) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; status %+v", what, l.Status())
	return remote.Status{}
}

func addLead(t *testing.T, st *store.Store) {
	t.Helper()
	if err := st.Update(func(tx *store.Tx) error { return tx.AddLead(&model.Lead{Company: "Acme"}) }); err != nil {
		t.Fatal(err)
	}
}

func TestLoopSyncsAtStartAndAfterWrites(t *testing.T) {
	st, c, _ := setup(t)
	addLead(t, st)
	l := remote.NewLoop(st, c, remote.LoopOptions{Interval: time.Hour, Debounce: 30 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	s := waitFor(t, l, "the first sync", func(s remote.Status) bool { return !s.LastSync.IsZero() && s.Waiting == 0 })
	if !s.Online || s.Err != nil || s.Last.Pushed < 1 {
		t.Fatalf("after start: %+v", s)
	}
	first := s.LastSync
	addLead(t, st)
	l.Kick()
	waitFor(t, l, "the kick to sync", func(s remote.Status) bool { return s.Waiting == 0 && s.LastSync.After(first) })
}

func TestLoopBacksOffWhileOfflineAndRecovers(t *testing.T) {
	st, c, sw := setup(t)
	sw.down.Store(true)
	addLead(t, st)
	l := remote.NewLoop(st, c, remote.LoopOptions{Interval: time.Hour, MinBackoff: 20 * time.Millisecond, MaxBackoff: 160 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	s := waitFor(t, l, "offline", func(s remote.Status) bool { return s.Err != nil })
	if s.Online || s.Waiting != 1 || !remote.IsOffline(s.Err) {
		t.Fatalf("offline status: %+v", s)
	}
	time.Sleep(900 * time.Millisecond)
	sw.mu.Lock()
	tries := append([]time.Time(nil), sw.tries...)
	sw.mu.Unlock()
	// Delays grow to the cap: 10-20, 20-40, 40-80, 80-160 ms, then 80-160:
	// far fewer tries than a fixed 20 ms retry (45) would make.
	if len(tries) < 4 || len(tries) > 15 {
		t.Fatalf("%d tries in 900 ms; want backoff between 4 and 15", len(tries))
	}
	first, longest := tries[1].Sub(tries[0]), time.Duration(0)
	for i := 1; i < len(tries); i++ {
		longest = max(longest, tries[i].Sub(tries[i-1]))
	}
	if first > 100*time.Millisecond || longest < 70*time.Millisecond {
		t.Fatalf("retry gaps from %v to %v; want backoff growing from about 20 ms to 80-160 ms", first, longest)
	}
	sw.down.Store(false)
	s = waitFor(t, l, "back online", func(s remote.Status) bool { return s.Online && s.Waiting == 0 })
	if s.Err != nil || s.LastSync.IsZero() {
		t.Fatalf("after recovery: %+v", s)
	}
}

func TestLoopReportsRejectedAndServerErrorsAsOnline(t *testing.T) {
	st, c, _ := setup(t)
	// A change the server refuses: its clock is an hour ahead.
	st2, err := store.Open(store.Options{Path: st.Path(), User: "ann", Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	addLead(t, st2)
	l := remote.NewLoop(st, c, remote.LoopOptions{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	s := waitFor(t, l, "the rejection", func(s remote.Status) bool { return s.Rejected > 0 })
	if !s.Online || s.Waiting != 0 {
		t.Fatalf("status with a refused op: %+v", s)
	}
}

// TestLoopCountsDownWhileItPushes: during a sync of many batches, the
// status the loop gives its watcher says how many ops still wait, less
// after each batch, while it says it is syncing; while a sync pulls, it
// says how many changes came, and nothing once the sync is over.
func TestLoopCountsDownWhileItPushes(t *testing.T) {
	st, c, _ := setup(t)
	if err := st.Update(func(tx *store.Tx) error {
		for range 120 {
			if err := tx.AddLead(&model.Lead{Company: "Acme"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []int // Waiting of each status while syncing
	l := remote.NewLoop(st, c, remote.LoopOptions{Interval: time.Hour, Debounce: time.Hour,
		Sync: remote.Options{PushBatch: 25},
		OnStatus: func(s remote.Status) {
			if s.Syncing {
				mu.Lock()
				seen = append(seen, s.Waiting)
				mu.Unlock()
			}
		}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	waitFor(t, l, "the first sync", func(s remote.Status) bool { return !s.LastSync.IsZero() && s.Waiting == 0 })
	mu.Lock()
	got := slices.Clone(seen)
	mu.Unlock()
	want := []int{120, 95, 70, 45, 20, 0}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("waiting while syncing: %v, want %v first", got, want)
	}
	// A second replica of ann pulls the 120 leads in pages of 50.
	other, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "other.db"), User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var pulled []int // Pulled of each status while syncing
	l2 := remote.NewLoop(other, c, remote.LoopOptions{Interval: time.Hour, Debounce: time.Hour,
		Sync: remote.Options{PullLimit: 50},
		OnStatus: func(s remote.Status) {
			mu.Lock()
			defer mu.Unlock()
			if s.Syncing {
				pulled = append(pulled, s.Pulled)
			} else if s.Pulled != 0 {
				t.Errorf("a status after the sync says %d pulled", s.Pulled)
			}
		}})
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go l2.Run(ctx2)
	waitFor(t, l2, "the second replica's first sync", func(s remote.Status) bool { return !s.LastSync.IsZero() })
	mu.Lock()
	got = slices.Clone(pulled)
	mu.Unlock()
	if len(got) < 3 || !slices.IsSorted(got) || got[len(got)-1] != 120 {
		t.Fatalf("pulled while syncing: %v, want it rising to 120 in pages", got)
	}
}
