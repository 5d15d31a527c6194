package server

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Front is another way in to the server beside the HTTP API, which Serve
// starts with it: the SSH front (package sshd), which this package may
// not link (it runs the client's store and UI). A front gets the service,
// the API's handler, to sync its users' replicas in process (AsUser), and
// the metrics (nil without --metrics-addr). It runs until ctx is done and
// returns once it has stopped, before the storage closes; an error it
// returns stops the server.
type Front func(ctx context.Context, svc *Service, api http.Handler, m *Metrics) error

// AddSource adds lines a front writes to /metrics, after the server's
// own, in the Prometheus text format; write is called with the metrics
// locked, so it must not call back into m.
func (m *Metrics) AddSource(write func(w io.Writer)) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources = append(m.sources, write)
}

// AddrLimiter limits failed sign-ins per client address, as the API does
// for tokens (Options.FailRate): Burst at once, then Rate per second.
type AddrLimiter struct{ l *limiter }

// NewAddrLimiter returns a limiter; zero rate and burst mean the API's
// defaults (one every 10 s after 10).
func NewAddrLimiter(rate, burst float64) *AddrLimiter {
	if rate == 0 {
		rate = DefaultFailRate
	}
	if burst == 0 {
		burst = DefaultFailBurst
	}
	return &AddrLimiter{newLimiter(rate, burst)}
}

// Wait returns 0 when addr may try again now, else how long until it
// may; it spends nothing.
func (a *AddrLimiter) Wait(addr string) time.Duration { return a.l.wait(addr) }

// Charge counts a failure against addr, into debt when it has none left.
func (a *AddrLimiter) Charge(addr string) { a.l.charge(addr) }
