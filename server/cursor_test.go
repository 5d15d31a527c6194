package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// TestCursorNeverSkipsUnderConcurrentPushes: pullers that follow the
// cursor while many clients push see every applied op exactly once, in
// seq order. (On a store where a later seq could commit first, a puller
// would move past the earlier one and never see it.)
func TestCursorNeverSkipsUnderConcurrentPushes(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		const pushers, perPusher = 8, 25
		var tokens []string
		for i := range pushers {
			tokens = append(tokens, h.addUser(fmt.Sprintf("rep%d", i), "rep"))
		}
		mgrTok := h.addUser("max", "manager")
		var mu sync.Mutex
		applied := map[string]uint64{}
		var wg sync.WaitGroup
		for i, tok := range tokens {
			wg.Go(func() {
				c, _ := remote.NewClient(h.url, tok)
				for n := range perPusher {
					op := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate,
						map[string]any{"company": fmt.Sprintf("P%d-%d", i, n), "owner": fmt.Sprintf("rep%d", i)})
					resp, err := c.Push(context.Background(), []model.Op{op})
					if err != nil || resp.Results[0].Status != wire.StatusApplied {
						t.Errorf("push: %v %+v", err, resp.Results)
						return
					}
					mu.Lock()
					applied[op.ID] = resp.Results[0].Seq
					mu.Unlock()
				}
			})
		}
		pushing := make(chan struct{})
		go func() { wg.Wait(); close(pushing) }()
		var pw sync.WaitGroup
		for p := range 2 {
			pw.Go(func() {
				c, _ := remote.NewClient(h.url, mgrTok)
				seen := map[string]int{}
				var cursor, lastSeq uint64
				done := false
				deadline := time.Now().Add(30 * time.Second)
				for time.Now().Before(deadline) {
					select {
					case <-pushing:
						done = true
					default:
					}
					resp, err := c.Pull(context.Background(), cursor, 1+p*7) // small pages
					if err != nil {
						t.Errorf("pull: %v", err)
						return
					}
					if !takeInOrder(t, p, resp.Changes, &lastSeq, seen) {
						return
					}
					cursor = resp.Cursor
					if done && !resp.More {
						break
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if len(applied) != pushers*perPusher {
					t.Errorf("%d ops applied, want %d", len(applied), pushers*perPusher)
				}
				for id := range applied {
					if seen[id] != 1 {
						t.Errorf("puller %d saw op %s %d times", p, id, seen[id])
						return
					}
				}
			})
		}
		pw.Wait()
	})
}

// TestEpochChangeResyncsFromScratch: when the server's data is replaced
// (a restore gives it a new epoch), a client's old cursor means nothing
// there; the client starts over from the beginning.
func TestEpochChangeResyncsFromScratch(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		old := newHarness(t, b)
		ann := old.device("ann", "rep")
		ann.addLead("Before the restore")
		ann.sync()
		ann.sync()
		var before store.SyncState
		_ = ann.st.View(func(tx *store.Tx) error { before = tx.SyncState(); return nil })

		restored := newHarness(t, b) // new data, new epoch
		tok := restored.addUser("ann", "rep")
		other := restored.deviceWithToken("ann", tok)
		l := other.addLead("Only on the restored server")
		other.addVisit(l.ID, "notes")
		other.sync()

		c, err := remote.NewClient(restored.url, tok)
		if err != nil {
			t.Fatal(err)
		}
		ann.c = c
		ann.sync()
		var after store.SyncState
		_ = ann.st.View(func(tx *store.Tx) error { after = tx.SyncState(); return nil })
		if after.Epoch == before.Epoch || after.Epoch == "" {
			t.Fatalf("epoch did not change: %q -> %q", before.Epoch, after.Epoch)
		}
		if !ann.has(model.TypeLead, l.ID) {
			t.Fatal("after the epoch change the client did not pull the restored server's book from the start")
		}
		var head uint64
		_ = restored.st.View(context.Background(), func(tx server.Tx) error { head, _ = tx.Head(); return nil })
		if after.Cursor != head {
			t.Fatalf("cursor %d, head %d", after.Cursor, head)
		}
	})
}

// takeInOrder records one pull page's changes for puller p and reports
// false (after failing the test) when a seq does not rise: a cursor that
// skipped or repeated an op.
func takeInOrder(t *testing.T, p int, changes []wire.Change, lastSeq *uint64, seen map[string]int) bool {
	t.Helper()
	for _, ch := range changes {
		if ch.Seq <= *lastSeq {
			t.Errorf("puller %d: seq %d after %d", p, ch.Seq, *lastSeq)
			return false
		}
		*lastSeq = ch.Seq
		seen[ch.Op.ID]++
	}
	return true
}
