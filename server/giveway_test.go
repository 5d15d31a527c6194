package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
)

// TestStartCheckGivesWayToSyncs: the start-up check waits, before each
// chunk it reads, while a push or a pull is being served, up to
// maxGiveWay a chunk; it goes on once none is, and on a server that is
// never idle it still ends. The admin's check does not wait.
func TestStartCheckGivesWayToSyncs(t *testing.T) {
	h := newHarness(t, boltBackend)
	ann := h.device("ann", server.RoleRep)
	for i := range 6 {
		ann.addLead(fmt.Sprint("Give Way ", i))
	}
	ann.sync()
	ctx := context.Background()
	defer server.SetReadChunk(2)()
	check := func() chan error {
		ended := make(chan error, 1)
		go func() {
			rep, err := server.CheckDataGivingWay(ctx, h.svc, 0)
			if err == nil && (rep.OpsChecked != 6 || rep.RecordsChecked != 6) {
				err = fmt.Errorf("checked %d ops and %d records; want 6 and 6", rep.OpsChecked, rep.RecordsChecked)
			}
			ended <- err
		}()
		return ended
	}
	wait := func(ended chan error, what string) {
		t.Helper()
		select {
		case err := <-ended:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the check did not end %s", what)
		}
	}

	restore := server.SetMaxGiveWay(time.Minute)
	done := server.Syncing(h.svc)
	ended := check()
	select {
	case err := <-ended:
		t.Fatalf("the check ran while a sync was being served (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	done()
	wait(ended, "once the sync had")

	// A server never idle: a chunk per maxGiveWay.
	server.SetMaxGiveWay(10 * time.Millisecond)
	done = server.Syncing(h.svc)
	defer done()
	wait(check(), "on a server never idle")

	// The admin's check reads on.
	server.SetMaxGiveWay(time.Minute)
	defer restore()
	admin := make(chan error, 1)
	go func() { _, err := h.svc.CheckData(ctx, 0); admin <- err }()
	wait(admin, "for the admin beside a sync")
}
