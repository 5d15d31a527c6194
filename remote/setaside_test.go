package remote_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
)

// pages is a server that answers pulls with hand-written pages, by the
// cursor asked for, and notes the cursors asked for.
type pages struct {
	mu      sync.Mutex
	epoch   string
	byFrom  map[uint64]string // cursor -> the answer's changes, cursor and more
	cursors []uint64
}

func (p *pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/pull" || r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, `{"code":"nope","message":"only pulls here"}`, http.StatusNotFound)
		return
	}
	from, _ := strconv.ParseUint(r.URL.Query().Get("cursor"), 10, 64)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cursors = append(p.cursors, from)
	body, ok := p.byFrom[from]
	if !ok {
		body = fmt.Sprintf(`"changes":[],"cursor":%d,"more":false`, from)
	}
	fmt.Fprintf(w, `{%s,"epoch":%q}`, body, p.epoch)
}

func (p *pages) asked() []uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.cursors)
}

// opJSON is an op as another laptop pushed it; fields is a JSON object.
func opJSON(opID, kind, typ, id string, fields string) string {
	return fmt.Sprintf(`{"op_id":%q,"entity":{"type":%q,"id":%q},"kind":%q,"fields":%s,"hlc":{"wall_ms":1764230400000,"counter":0,"node":"bobs-laptop"},"actor":{"user":"bob","device":"bobs-laptop"},"schema":1}`,
		opID, typ, id, kind, fields)
}

func leadJSON(id, company, extra string) string {
	s := fmt.Sprintf(`{"id":%q,"company":%q,"stage":"prospect","owner":"ann","created_at":"2025-11-27T08:00:00Z","stage_entered_at":"2025-11-27T08:00:00Z","updated_at":"2025-11-27T08:00:00Z"`, id, company)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// A pull page holding bad changes between good ones, served over real HTTP
// to the real client: the good changes are applied, each bad one is set
// aside with its reason, the cursor moves past them all, the next sync
// succeeds, and the book reads.
func TestSyncSetsAsideWhatItCannotApplyAndGoesOn(t *testing.T) {
	tags := make([]string, 5000)
	for i := range tags {
		tags[i] = fmt.Sprintf("%q", fmt.Sprintf("t%d", i))
	}
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	badCreated := strings.Replace(leadJSON("L-B", "Bad Time Ltd", ""), `"created_at":"2025-11-27T08:00:00Z"`, `"created_at":12345`, 1)
	page1 := strings.Join([]string{
		`{"seq":1,"op":` + opJSON("op-1", "create", "lead", "L-A", leadJSON("L-A", "Acme", "")) + `}`,
		`{"seq":2,"op":` + opJSON("op-2", "create", "lead", "L-B", badCreated) + `}`,
		`{"seq":3,"op":` + opJSON("op-3", "set", "lead", "L-A", `{"city":"杭州"}`) + `}`,
		`{"seq":4,"state":{"entity":{"type":"lead","id":"L-C"},"fields":` + leadJSON("L-C", "Tagged", `"tags":[`+strings.Join(tags, ",")+`]`) +
			`,"base":{"hlc":{"wall_ms":1764230400000,"counter":1,"node":"bobs-laptop"},"actor":"bob"}}}`,
		`{"seq":5,"op":` + opJSON("op-5", "create", "target", "2026-q0-ann", `{"id":"2026-q0-ann","year":2026,"user":"ann","won_count":"many","updated_at":"2025-11-27T08:00:00Z"}`) + `}`,
		`{"seq":6,"op":` + opJSON("op-6", "set", "lead", "L-A", `{"zzz":`+deep+`}`) + `}`,
		`{"seq":7,"op":` + opJSON("op-7", "create", "lead", "L-D", leadJSON("L-D", "德明机械", "")) + `}`,
	}, ",")
	srv := &pages{epoch: "e1", byFrom: map[uint64]string{
		0: `"changes":[` + page1 + `],"cursor":7,"more":true`,
		7: `"changes":[{"seq":8,"op":` + opJSON("op-8", "create", "activity", "A-1",
			`{"id":"A-1","lead_id":"L-A","kind":"call","started_at":"2025-11-27T09:00:00Z","created_at":"2025-11-27T09:00:00Z","author":"bob"}`) +
			`},{"seq":9,"remove":{"type":"lead","id":"L-never-here"}}],"cursor":9,"more":false`,
	}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := remote.NewClient(hs.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	rep, err := remote.Sync(ctx, st, c)
	if err != nil {
		t.Fatalf("sync with bad changes in the page: %v", err)
	}
	if rep.Pulled != 4 || rep.Removed != 1 || rep.SetAside != 4 || rep.Cursor != 9 {
		t.Errorf("report %+v, want 4 pulled, 1 removed, 4 set aside, cursor 9", rep)
	}
	want := []struct {
		seq          uint64
		kind, entity string
		opID, reason string
	}{
		{2, store.SetAsideOp, "L-B", "op-2", "created_at"},
		{4, store.SetAsideState, "L-C", "", "tags"},
		{5, store.SetAsideOp, "2026-q0-ann", "op-5", "won_count"},
		{6, store.SetAsideOp, "L-A", "op-6", "depth"},
	}
	st.View(func(tx *store.Tx) error {
		if s := tx.SyncState(); s.Cursor != 9 || s.Epoch != "e1" || s.LastSync.IsZero() || s.LastError != "" {
			t.Errorf("sync state %+v", s)
		}
		list, err := tx.SetAsides()
		if err != nil || len(list) != len(want) {
			t.Fatalf("set aside %+v, %v", list, err)
		}
		for i, w := range want {
			g := list[i]
			if g.Seq != w.seq || g.Kind != w.kind || g.Entity.ID != w.entity || g.OpID != w.opID || g.Epoch != "e1" || len(g.Change) == 0 {
				t.Errorf("set aside %d: %+v, want %+v", i, g, w)
			}
			if !strings.Contains(g.Reason, w.reason) {
				t.Errorf("set aside %d: reason %q does not name %q", i, g.Reason, w.reason)
			}
		}
		a, err := tx.Lead("L-A")
		if err != nil || a.City != "杭州" || a.Company != "Acme" {
			t.Errorf("L-A = %+v, %v", a, err)
		}
		for _, id := range []string{"L-B", "L-C"} {
			if _, err := tx.Lead(id); err == nil {
				t.Errorf("%s was applied", id)
			}
		}
		cards, err := tx.Cards()
		if err != nil || len(cards) != 2 {
			t.Errorf("cards %d, %v; want L-A and L-D", len(cards), err)
		}
		if acts, err := tx.ActivitiesOf("L-A", 0); err != nil || len(acts) != 1 {
			t.Errorf("activities of L-A: %d, %v", len(acts), err)
		}
		if tg, err := tx.Targets(); err != nil || len(tg) != 0 {
			t.Errorf("targets %+v, %v", tg, err)
		}
		if _, err := tx.Today(); err != nil {
			t.Errorf("today: %v", err)
		}
		return nil
	})

	// The next sync asks from where the last one ended, and succeeds.
	n := len(srv.asked())
	rep, err = remote.Sync(ctx, st, c)
	if err != nil || rep.SetAside != 0 {
		t.Fatalf("second sync: %+v, %v", rep, err)
	}
	if asked := srv.asked()[n:]; len(asked) != 1 || asked[0] != 9 {
		t.Errorf("the second sync asked for cursors %v, want [9]", asked)
	}

	// After a server restore (a new epoch) the pull starts over, and the
	// list holds each bad change once, not twice.
	srv.mu.Lock()
	srv.epoch = "e2"
	srv.mu.Unlock()
	if _, err := remote.Sync(ctx, st, c); err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *store.Tx) error {
		list, _ := tx.SetAsides()
		if len(list) != len(want) || list[0].Epoch != "e2" {
			t.Errorf("after a new epoch: %d set aside (first %+v), want %d of epoch e2", len(list), list[0], len(want))
		}
		return nil
	})
}

// A state in the server's answer to a push that the replica cannot apply
// is set aside too: the answers are stored and the ops leave the outbox.
func TestPushAnswerStateThatCannotApplyIsSetAside(t *testing.T) {
	var mu sync.Mutex
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/v1/push":
			fmt.Fprint(w, `{"results":[{"status":"rejected","reason":"only a manager may do that"}],"states":[{"entity":{"type":"lead","id":"L-Z"},"fields":`+
				strings.Replace(leadJSON("L-Z", "Zed", ""), `"stage":"prospect"`, `"stage":7`, 1)+`,"base":{"hlc":{"wall_ms":1764230400000,"counter":0,"node":"srv"}}}]}`)
		case "/v1/pull":
			fmt.Fprint(w, `{"changes":[],"cursor":0,"epoch":"e1","more":false}`)
		default: // as a server does for what it does not serve (here GET /v1/settings)
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	c, _ := remote.NewClient(hs.URL, "tok")
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *store.Tx) error { return tx.AddLead(&model.Lead{Company: "Zed"}) }); err != nil {
		t.Fatal(err)
	}
	rep, err := remote.Sync(context.Background(), st, c)
	if err != nil || rep.Rejected != 1 || rep.SetAside != 1 {
		t.Fatalf("sync: %+v, %v", rep, err)
	}
	st.View(func(tx *store.Tx) error {
		list, _ := tx.SetAsides()
		if tx.OutboxLen() != 0 || len(list) != 1 || list[0].Kind != store.SetAsideState || list[0].Seq != 0 ||
			!strings.Contains(list[0].Reason, "push") || !strings.Contains(list[0].Reason, "stage") {
			t.Errorf("outbox %d, set aside %+v", tx.OutboxLen(), list)
		}
		return nil
	})
}
