package server

import (
	"context"
	"time"
)

// The start-up check (startCheck) reads the whole log and every record,
// about 3 CPU-s for a team of 10,000 leads, while the server serves. A
// laptop's fresh pull in those seconds took 4.0-4.7 s against 3.1-3.9 s
// once the check was done (BENCHMARKS.md): the check and the pull shared
// the cores. So the check gives way: before each chunk it reads, it waits
// while a push or a pull is being served or one ended in the last
// syncQuiet (a sync's requests come one after another, with the laptop's
// work between them), up to maxGiveWay a chunk, so that on a server never
// idle it still ends (a chunk of 5,000 ops or records at least every
// second).

// maxGiveWay is the longest the start-up check waits for syncs before one
// chunk; syncQuiet is how long after a push or pull a sync may still be
// going on.
var (
	maxGiveWay = time.Second
	syncQuiet  = 250 * time.Millisecond
)

// syncing counts a push or pull being served, until done is called.
func (s *Service) syncing() (done func()) {
	s.syncs.Add(1)
	return func() {
		s.lastSync.Store(time.Now().UnixNano())
		s.syncs.Add(-1)
	}
}

// busy reports whether a sync is being served or may still be going on.
func (s *Service) busy(now time.Time) bool {
	return s.syncs.Load() > 0 || now.UnixNano()-s.lastSync.Load() < int64(syncQuiet)
}

type giveWayKey struct{}

// givingWay marks ctx as the start-up check's: its reads give way to syncs.
func givingWay(ctx context.Context) context.Context {
	return context.WithValue(ctx, giveWayKey{}, true)
}

// giveWay waits, when ctx is the start-up check's, while a sync is being
// served or may still be going on (busy), up to maxGiveWay; ctx's end
// ends the wait.
func (s *Service) giveWay(ctx context.Context) {
	if ctx.Value(giveWayKey{}) == nil {
		return
	}
	deadline := time.Now().Add(maxGiveWay)
	for now := time.Now(); s.busy(now) && now.Before(deadline) && ctx.Err() == nil; now = time.Now() {
		time.Sleep(5 * time.Millisecond)
	}
}
