package model

import (
	"cmp"
	"fmt"
	"sync"
	"time"
)

// HLC is a hybrid logical clock stamp: wall milliseconds, a counter for
// events within the same millisecond, and the node (device) that made it.
// Stamps are totally ordered, ties broken on the node.
type HLC struct {
	Wall    int64  `json:"wall_ms"`
	Counter uint32 `json:"counter"`
	Node    string `json:"node"`
}

// Compare orders stamps by wall time, then counter, then node.
func (h HLC) Compare(o HLC) int {
	switch {
	case h.Wall != o.Wall:
		return cmp.Compare(h.Wall, o.Wall)
	case h.Counter != o.Counter:
		return cmp.Compare(int64(h.Counter), int64(o.Counter))
	case h.Node < o.Node:
		return -1
	case h.Node > o.Node:
		return 1
	}
	return 0
}

// IsZero reports whether the stamp is unset.
func (h HLC) IsZero() bool { return h == HLC{} }

// Time returns the wall part as a time.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Wall) }

func (h HLC) String() string { return fmt.Sprintf("%d.%d@%s", h.Wall, h.Counter, h.Node) }

// Clock issues HLC stamps for one node. It never goes backwards: not when
// the wall clock jumps back, and not across restarts when the last stamp is
// restored with Observe. It is safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	node string
	now  func() time.Time
	last HLC
}

// NewClock returns a clock for node reading wall time from now (time.Now
// when nil).
func NewClock(node string, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{node: node, now: now}
}

// Now returns a stamp greater than every stamp issued or observed before.
func (c *Clock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.now().UnixMilli()
	switch {
	case wall > c.last.Wall:
		c.last = HLC{Wall: wall, Node: c.node}
	case c.last.Counter >= MaxCounter:
		// Never wrap: a counter that went past MaxCounter would be refused
		// by the server, and a wrapped one would run backwards.
		c.last = HLC{Wall: c.last.Wall + 1, Node: c.node}
	default:
		c.last = HLC{Wall: c.last.Wall, Counter: c.last.Counter + 1, Node: c.node}
	}
	return c.last
}

// Observe merges a stamp seen elsewhere (pulled from the server, or
// restored from disk), so later stamps order after it.
func (c *Clock) Observe(h HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h.Wall > c.last.Wall || (h.Wall == c.last.Wall && h.Counter > c.last.Counter) {
		c.last = HLC{Wall: h.Wall, Counter: h.Counter, Node: c.node}
	}
}

// Last returns the latest stamp issued or observed.
func (c *Clock) Last() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}
