package remote_test

import (
	"context"
	"os"
	"runtime/debug"
	"testing"

	"github.com/fieldcrm/fieldcrm/remote"
)

// A laptop's sync (LessGC) runs with a higher collector target and puts
// the old one back; a sync that does not ask, as an SSH session's replica
// on the server does, leaves it alone.
func TestSyncRaisesTheCollectorsTargetOnlyWhenAsked(t *testing.T) {
	t.Setenv("GOGC", "") // restored after the test; unset meanwhile, as lessGC leaves a GOGC given alone
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	current := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	st, c, _ := setup(t)
	defer st.Close()
	for _, less := range []bool{true, false} {
		addLead(t, st)
		during := -1
		o := remote.Options{LessGC: less, Progress: func(remote.Report, int) { during = current() }}
		if _, err := remote.SyncWith(context.Background(), st, c, o); err != nil {
			t.Fatal(err)
		}
		if less && during <= 100 || !less && during != 100 {
			t.Errorf("LessGC %v: the target during the sync was %d (100 before)", less, during)
		}
		if got := current(); got != 100 {
			t.Errorf("LessGC %v: the target after the sync is %d, want 100 as before", less, got)
		}
	}
}
