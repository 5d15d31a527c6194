package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// TestPushReadAheadAnswersAsOneByOne: PostgreSQL reads a push's op ids
// and records ahead, in a query each (readOps); a batch mixing resends,
// an op twice, children of leads from an earlier push and of a lead made
// in the same batch, and ops on records that do not exist is answered on
// both backends exactly as ops looked up one by one are: the same
// statuses, the same seqs, the same records.
func TestPushReadAheadAnswersAsOneByOne(t *testing.T) {
	forBackends(t, pushReadAhead)
	// Records beyond the read-ahead's bound are read one by one.
	defer server.SetMaxPrefetchBytes(1)()
	t.Run("bounded", func(t *testing.T) { pushReadAhead(t, pgBackend(t)) })
}

func pushReadAhead(t *testing.T, b backend) {
	ctx := context.Background()
	st := b.open(t, t.TempDir())
	defer st.Close()
	svc := &server.Service{Store: st}
	if _, err := svc.AddUser(ctx, "ann", "rep"); err != nil {
		t.Fatal(err)
	}
	ann := server.User{Name: "ann", Role: "rep"}
	now := time.Now()
	lead := func() model.Op {
		return forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{"company": "Co", "owner": "ann"})
	}
	visit := func(lead string) model.Op {
		return forged(model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, model.OpCreate,
			map[string]any{"lead_id": lead, "kind": "visit", "started_at": now, "author": "ann"})
	}
	push := func(ops ...model.Op) []string {
		raw := make([]json.RawMessage, len(ops))
		for i, op := range ops {
			raw[i] = mustJSON(op)
		}
		resp, err := svc.Push(ctx, ann, raw)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(resp.Results))
		for i, r := range resp.Results {
			out[i] = fmt.Sprintf("%s %d", r.Status, r.Seq)
			if r.Reason != "" {
				out[i] = r.Status + ": " + r.Reason
			}
		}
		return out
	}

	l1 := lead()
	v1 := visit(l1.Entity.ID)
	if got := strings.Join(push(l1, v1), ", "); got != "applied 1, applied 2" {
		t.Fatalf("first push: %s", got)
	}
	l2, v2 := lead(), visit(l1.Entity.ID)
	v3 := visit(l2.Entity.ID)
	rename := forged(l1.Entity, model.OpSet, map[string]any{"company": "Renamed"})
	nowhere := model.NewID()
	orphan := visit(nowhere)
	ghost := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpSet, map[string]any{"company": "X"})
	got := push(v1, v2, v2, l2, v3, rename, orphan, ghost, l1)
	want := []string{
		"duplicate 2", "applied 3", "duplicate 3", "applied 4", "applied 5", "applied 6",
		"rejected: lead " + nowhere + " does not exist", "rejected: lead " + ghost.Entity.ID + " does not exist", "duplicate 1",
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("op %d: %q, want %q...", i, got[i], w)
		}
	}
	err := st.View(ctx, func(tx server.Tx) error {
		for _, c := range []struct {
			ref  model.EntityRef
			want string
		}{{l1.Entity, `"Renamed"`}, {l2.Entity, `"Co"`}} {
			rec, ok, err := tx.Record(c.ref)
			if err != nil || !ok || string(rec.Fields["company"]) != c.want {
				return fmt.Errorf("%s: %v %v %s", c.ref.ID, ok, err, rec.Fields["company"])
			}
		}
		kids, err := tx.Children(l1.Entity.ID)
		if err != nil || len(kids) != 2 {
			return fmt.Errorf("lead 1's children: %v %v", kids, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
