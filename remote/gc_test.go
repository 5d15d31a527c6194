package remote

import (
	"runtime/debug"
	"testing"
)

// The target is raised while any sync runs and put back, as it was, when
// the last one ends; a GOGC in the environment is left alone.
func TestLessGCWhileSyncing(t *testing.T) {
	before := debug.SetGCPercent(123)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	current := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }

	first := lessGC()
	if got := current(); got != syncGCPercent {
		t.Fatalf("during a sync the target is %d, want %d", got, syncGCPercent)
	}
	second := lessGC()
	first()
	if got := current(); got != syncGCPercent {
		t.Fatalf("with a second sync still running the target is %d, want %d", got, syncGCPercent)
	}
	second()
	if got := current(); got != 123 {
		t.Fatalf("after the syncs the target is %d, want 123 as before", got)
	}

	t.Setenv("GOGC", "50")
	lessGC()()
	restore := lessGC()
	if got := current(); got != 123 {
		t.Fatalf("with GOGC set the target is %d, want it left at 123", got)
	}
	restore()
}
