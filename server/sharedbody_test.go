package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// TestPushLeavesTheBodyAsItWas: the server reads a pushed op in place
// (model.ReadOpShared), its values slices of the request's body, and the
// workers reading a batch share that body. Nothing on the way may write
// into it: a value grown in place would change the op the log keeps and
// the ops beside it. The batches of a real first push (a demo book's,
// handed over at login) are pushed to a fresh server of each storage,
// and every op's bytes are compared with a copy taken before.
func TestPushLeavesTheBodyAsItWas(t *testing.T) {
	dir := t.TempDir()
	const leads = 30
	batches := capturePush(t, dir, demoBook(t, dir, leads), leads)
	forBackends(t, func(t *testing.T, b backend) {
		st := b.open(t, t.TempDir())
		defer st.Close()
		svc := &server.Service{Store: st}
		ctx := context.Background()
		if _, err := svc.AddUser(ctx, "ann", "rep"); err != nil {
			t.Fatal(err)
		}
		ann := server.User{Name: "ann", Role: "rep"}
		n := 0
		for _, ops := range batches {
			before := make([]json.RawMessage, len(ops))
			for i, op := range ops {
				before[i] = bytes.Clone(op)
			}
			resp, err := svc.Push(ctx, ann, ops)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range resp.Results {
				if r.Status != wire.StatusApplied {
					t.Fatalf("op %d: %s: %s", i, r.Status, r.Reason)
				}
				if !bytes.Equal(ops[i], before[i]) {
					t.Fatalf("op %d changed while it was pushed:\n%s\nwas\n%s", i, ops[i], before[i])
				}
			}
			n += len(ops)
		}
		if n < 11*leads {
			t.Fatalf("%d ops pushed; a demo book of %d leads makes more", n, leads)
		}
	})
}
