package remote

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
)

// Status is what the UI shows about sync: online or offline, ops waiting,
// the last sync, refused ops, changes set aside, and the last problem.
type Status struct {
	Online   bool
	Syncing  bool
	Waiting  int       // ops in the outbox
	Pulled   int       // changes the running sync has pulled so far
	LastSync time.Time // zero: never
	Rejected int       // refused ops waiting for the user
	SetAside int       // changes from the server this replica could not apply
	Err      error     // the last sync's error; nil after a success
	Last     Report    // what the last successful sync did
}

// LoopOptions tune a Loop; zero values mean the defaults.
type LoopOptions struct {
	Interval   time.Duration // sync this often when idle (default 1 min)
	Debounce   time.Duration // wait this long after a write (default 2 s)
	MinBackoff time.Duration // first retry delay while offline (default 2 s)
	MaxBackoff time.Duration // longest retry delay (default 5 min)
	Sync       Options
	// OnStatus, when set, is called (from the loop's goroutine) after
	// every change of status, e.g. to send the UI a message.
	OnStatus func(Status)
}

// Loop syncs in the background: at start, after writes (debounced), on a
// timer, and while offline with exponential backoff and jitter.
//
// In the terminal UI:
//
//	loop := remote.NewLoop(st, client, remote.LoopOptions{
//		OnStatus: func(s remote.Status) { program.Send(syncStatusMsg(s)) },
//	})
//	go loop.Run(ctx)  // ends with ctx
//	...
//	loop.Kick()       // after every local write
//
// A status whose Last.Pulled or Last.Removed is above zero means remote
// changes arrived: the open screen should reload its data.
type Loop struct {
	st   *store.Store
	c    *Client
	o    LoopOptions
	kick chan struct{}
	now  chan struct{}

	mu     sync.Mutex
	status Status
}

// NewLoop returns a loop syncing st with the server behind c.
func NewLoop(st *store.Store, c *Client, o LoopOptions) *Loop {
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Debounce <= 0 {
		o.Debounce = 2 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 2 * time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Minute, o.MinBackoff)
	}
	return &Loop{st: st, c: c, o: o, kick: make(chan struct{}, 1), now: make(chan struct{}, 1)}
}

// Kick says the user wrote something: sync after the debounce delay
// (while offline, the backoff schedule stands).
func (l *Loop) Kick() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// SyncNow asks for a sync at once, e.g. when the user presses a key.
func (l *Loop) SyncNow() {
	select {
	case l.now <- struct{}{}:
	default:
	}
}

// Status returns the current status.
func (l *Loop) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

func (l *Loop) setStatus(fn func(*Status)) {
	l.mu.Lock()
	fn(&l.status)
	s := l.status
	l.mu.Unlock()
	if l.o.OnStatus != nil {
		l.o.OnStatus(s)
	}
}

// refreshCounts reads the waiting, refused and set-aside counts from the
// replica.
func (l *Loop) refreshCounts() { l.setStatus(l.counts()) }

// counts reads the waiting, refused and set-aside counts and the last
// sync's time from the replica, and returns what sets them in a status
// (nothing when the replica could not be read).
func (l *Loop) counts() func(*Status) {
	var waiting, rejected, aside int
	var last time.Time
	if err := l.st.View(func(tx *store.Tx) error {
		waiting, rejected, aside, last = tx.OutboxLen(), tx.RejectedLen(), tx.SetAsideLen(), tx.SyncState().LastSync
		return nil
	}); err != nil {
		return func(*Status) {}
	}
	return func(s *Status) { s.Waiting, s.Rejected, s.SetAside, s.LastSync = waiting, rejected, aside, last }
}

// counting returns o that also counts down Status.Waiting as the server
// answers each batch, and Status.Pulled up as each page is stored: a
// first sync of a large book takes seconds, and the status line shows it
// going.
func (l *Loop) counting(o Options) Options {
	next := o.Progress
	o.Progress = func(done Report, waiting int) {
		if next != nil {
			next(done, waiting)
		}
		left := max(waiting-(done.Pushed+done.Duplicates+done.Rejected), 0)
		l.setStatus(func(s *Status) { s.Waiting, s.Pulled = left, done.Pulled })
	}
	return o
}

// Run syncs until ctx is done.
func (l *Loop) Run(ctx context.Context) {
	l.refreshCounts()
	next := time.Now() // at start
	var backoff time.Duration
	var firstKick time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		timer.Reset(max(0, time.Until(next)))
		select {
		case <-ctx.Done():
			return
		case <-l.kick:
			l.refreshCounts()
			if backoff > 0 {
				continue // offline: keep the backoff schedule
			}
			now := time.Now()
			if firstKick.IsZero() {
				firstKick = now
			}
			// Wait for a quiet moment, but not forever while the user types.
			next = now.Add(l.o.Debounce)
			if limit := firstKick.Add(5 * l.o.Debounce); next.After(limit) {
				next = limit
			}
			continue
		case <-l.now:
			next = time.Now()
			continue
		case <-timer.C:
		}
		firstKick = time.Time{}
		l.setStatus(func(s *Status) { s.Syncing = true })
		rep, err := SyncWith(ctx, l.st, l.c, l.counting(l.o.Sync))
		if ctx.Err() != nil {
			return
		}
		// The end of a sync and the counts it left, in one status: a
		// watcher never sees the sync over, online, without its time.
		counts := l.counts()
		l.setStatus(func(s *Status) {
			s.Syncing, s.Pulled = false, 0
			s.Err = err
			s.Online = err == nil || !IsOffline(err)
			if err == nil {
				s.Last = rep
			}
			counts(s)
		})
		if err == nil {
			backoff = 0
			next = time.Now().Add(l.o.Interval)
			continue
		}
		backoff = min(max(2*backoff, l.o.MinBackoff), l.o.MaxBackoff)
		// Full jitter on the upper half spreads a team's retries apart.
		next = time.Now().Add(backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1)))
	}
}
