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

// TestCreateEntriesMustBeByThePusher: the first entries a create carries
// (a note's revisions, a lead's stage log) name the pushing user, however
// the entry spells its key; checkOp reads them with model.EntryValues and
// falls back to encoding/json for what that declines.
func TestCreateEntriesMustBeByThePusher(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		st := b.open(t, t.TempDir())
		defer st.Close()
		svc := &server.Service{Store: st}
		if _, err := svc.AddUser(ctx, "ann", "rep"); err != nil {
			t.Fatal(err)
		}
		ann := server.User{Name: "ann", Role: "rep"}
		push := func(op model.Op) string {
			resp, err := svc.Push(ctx, ann, []json.RawMessage{mustJSON(op)})
			if err != nil {
				t.Fatal(err)
			}
			return resp.Results[0].Status + " " + resp.Results[0].Reason
		}
		lead := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{"company": "Co", "owner": "ann"})
		if got := push(lead); !strings.HasPrefix(got, "applied") {
			t.Fatal(got)
		}
		now := time.Now().UTC().Format(time.RFC3339)
		visit := func(authorKey, author string) model.Op {
			op := forged(model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, model.OpCreate,
				map[string]any{"lead_id": lead.Entity.ID, "kind": "visit", "started_at": now, "author": "ann"})
			op.Fields["revisions"] = json.RawMessage(fmt.Sprintf(`[{"id":"r1","hlc":{"wall_ms":%d,"counter":0,"node":"n"},"text":"hello","%s":%q,"at":%q}]`,
				op.HLC.Wall, authorKey, author, now))
			return op
		}
		for _, c := range []struct {
			op   model.Op
			want string
		}{
			{visit("author", "ann"), "applied"},
			{visit("author", "bob"), `rejected activity`},
			{visit(`auth\u006fr`, "bob"), `rejected activity`},
		} {
			got := push(c.op)
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("%s: %s, want %s", c.op.Fields["revisions"], got, c.want)
			}
			if c.want != "applied" && !strings.Contains(got, `says author is "bob"; it must be you (ann)`) {
				t.Errorf("%s: %s", c.op.Fields["revisions"], got)
			}
		}
		won := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{"company": "Co", "owner": "ann"})
		won.Fields["stage_log"] = json.RawMessage(fmt.Sprintf(`[{"id":"s1","hlc":{"wall_ms":%d,"counter":0,"node":"n"},"stage":"prospect","at":%q,"by":"bob"}]`, won.HLC.Wall, now))
		if got := push(won); !strings.Contains(got, `an entry of stage_log says by is "bob"`) {
			t.Errorf("stage log by bob: %s", got)
		}
	})
}
