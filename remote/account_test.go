package remote_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
)

// The background loop binds a book on its first sync and then refuses to
// sync it as another account, saying so in its status; nothing reaches
// the server.
func TestLoopRefusesABookOfAnotherAccount(t *testing.T) {
	st, c, sw := setup(t)
	c.User = "ann"
	addLead(t, st)
	if _, err := remote.Sync(context.Background(), st, c); err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *store.Tx) error {
		if b := tx.Binding(); b.User != "ann" || b.Server != c.Server() || b.Replica != st.Node() {
			t.Errorf("binding after the first sync: %+v", b)
		}
		return nil
	})
	addLead(t, st)
	sw.mu.Lock()
	before := len(sw.tries)
	sw.mu.Unlock()

	c.User = "bob" // the config now names another account
	l := remote.NewLoop(st, c, remote.LoopOptions{Interval: time.Hour, MinBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	s := waitFor(t, l, "the refusal", func(s remote.Status) bool { return s.Err != nil })
	var ae *remote.AccountError
	if !errors.As(s.Err, &ae) || remote.IsOffline(s.Err) || !strings.Contains(s.Err.Error(), "belongs to ann") || s.Waiting != 1 {
		t.Fatalf("status %+v", s)
	}
	sw.mu.Lock()
	after := len(sw.tries)
	sw.mu.Unlock()
	if after != before {
		t.Errorf("%d request(s) reached the server for a book of another account", after-before)
	}
}
