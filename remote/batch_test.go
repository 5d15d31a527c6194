package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// pushedOpIDs reads the body of a push as the client sent it (gzip when
// the server behind said it takes that, packed likewise, or plain JSON),
// puts it back for the server behind, and returns its ops' ids in order.
func pushedOpIDs(r *http.Request) []string {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	plain, _ := wire.Decompress(r.Header.Get("Content-Encoding"), body)
	plain, _ = jsonpack.Unpack(nil, plain) // JSON comes back as it is
	var req struct {
		Ops []struct {
			ID string `json:"op_id"`
		}
	}
	_ = json.Unmarshal(plain, &req)
	ids := make([]string, len(req.Ops))
	for i, op := range req.Ops {
		ids[i] = op.ID
	}
	return ids
}

// serveBolt serves a fresh bbolt server on 127.0.0.1, behind the handler
// front makes of it (nil: none), until the test ends.
func serveBolt(t *testing.T, front func(http.Handler) http.Handler) (*server.Service, *httptest.Server) {
	t.Helper()
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	h := server.Handler(svc, server.Options{})
	if front != nil {
		h = front(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); st.Close() })
	return svc, srv
}

// bookBehind serves a fresh bbolt server on 127.0.0.1 behind the handler
// front makes of it, until the test ends, and returns a client of its rep
// ann and ann's book holding leads new leads ("Lead 0", "Lead 1", ...),
// waiting to be pushed.
func bookBehind(t *testing.T, front func(http.Handler) http.Handler, leads int) (*remote.Client, *store.Store) {
	t.Helper()
	url, tok, st := annBook(t, front, leads)
	c, err := remote.NewClient(url, tok)
	if err != nil {
		t.Fatal(err)
	}
	return c, st
}

// annBook is bookBehind's server and book: the server's URL, ann's
// token and her book.
func annBook(t *testing.T, front func(http.Handler) http.Handler, leads int) (url, token string, _ *store.Store) {
	t.Helper()
	svc, srv := serveBolt(t, front)
	tok, err := svc.AddUser(context.Background(), "ann", server.RoleRep)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(func(tx *store.Tx) error {
		for i := range leads {
			l := model.Lead{Company: fmt.Sprintf("Lead %d", i)}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, tok, st
}

// oldServer stands in front of a real server and refuses, as servers
// before issue 15 did, a push of more than wire.MaxPushOps ops. It notes
// the size of every push.
type oldServer struct {
	next   http.Handler
	refuse bool
	mu     sync.Mutex
	pushes []int
}

func (o *oldServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/push" {
		n := len(pushedOpIDs(r))
		o.mu.Lock()
		o.pushes = append(o.pushes, n)
		o.mu.Unlock()
		if o.refuse && n > wire.MaxPushOps {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"code":"bad_request","message":"the request carries %d ops; at most %d"}`, n, wire.MaxPushOps)
			return
		}
	}
	o.next.ServeHTTP(w, r)
}

// A first sync sends large batches to a server that takes them, and
// batches of wire.MaxPushOps to one that does not.
func TestFirstSyncBatchesFitTheServer(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("refuse=%v", refuse), func(t *testing.T) {
			front := &oldServer{refuse: refuse}
			c, st := bookBehind(t, func(h http.Handler) http.Handler { front.next = h; return front }, 700)
			rep, err := remote.Sync(context.Background(), st, c)
			if err != nil || rep.Pushed != 700 || rep.Pulled != 0 {
				t.Fatalf("sync: %+v, %v", rep, err)
			}
			want := []int{700}
			if refuse {
				want = []int{700, 500, 200}
			}
			if fmt.Sprint(front.pushes) != fmt.Sprint(want) {
				t.Errorf("pushes of %v ops, want %v", front.pushes, want)
			}
		})
	}
}

// The cursor moves past a batch with its answer only from where the push
// said it was: when another sync of the book moved it meanwhile, the
// answer's word is not taken, and the pull goes from where the book is.
func TestCaughtUpMovesOnlyTheCursorThePushNamed(t *testing.T) {
	var st *store.Store
	var mu sync.Mutex
	pushes := 0
	var pulls []string
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			switch r.URL.Path {
			case "/v1/push":
				if pushes++; pushes == 3 {
					// Another sync of this book moved the cursor (the
					// answers before are stored a few batches at a time,
					// so it still says 0 here).
					if err := st.Update(func(tx *store.Tx) error {
						s := tx.SyncState()
						s.Cursor = 1
						return tx.SetSyncState(s)
					}); err != nil {
						t.Error(err)
					}
				}
			case "/v1/pull":
				pulls = append(pulls, r.URL.Query().Get("cursor"))
			}
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
	var c *remote.Client
	c, st = bookBehind(t, front, 5)
	rep, err := remote.SyncWith(context.Background(), st, c, remote.Options{PushBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pushed != 5 || pushes != 3 {
		t.Fatalf("%+v in %d pushes, want 5 in 3", rep, pushes)
	}
	if len(pulls) != 1 || pulls[0] != "1" {
		t.Fatalf("pulled from %v, want from 1, where the other sync left the cursor", pulls)
	}
	// Undisturbed, the next sync pushes one batch and pulls from its head.
	pulls = nil
	if err := st.Update(func(tx *store.Tx) error { l := model.Lead{Company: "One More"}; return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Sync(context.Background(), st, c); err != nil {
		t.Fatal(err)
	}
	if len(pulls) != 1 || pulls[0] != "6" {
		t.Fatalf("pulled from %v, want from 6", pulls)
	}
}

// An epoch the header cannot carry (it is the server's word) is not sent:
// the push goes without saying how far the replica pulled, and the sync
// ends well.
func TestAnOddEpochIsNotSentWithAPush(t *testing.T) {
	var mu sync.Mutex
	var reaches []string
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/push" {
				mu.Lock()
				reaches = append(reaches, r.Header.Get(wire.ReachHeader))
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	c, st := bookBehind(t, front, 3)
	if err := st.Update(func(tx *store.Tx) error {
		s := tx.SyncState()
		s.Epoch = "an odd epoch"
		return tx.SetSyncState(s)
	}); err != nil {
		t.Fatal(err)
	}
	// The server's epoch differs, as after a restore: after the first
	// push the book pulls from scratch and resends what it wrote.
	rep, err := remote.Sync(context.Background(), st, c)
	if err != nil || rep.Pushed < 3 {
		t.Fatalf("%+v, %v", rep, err)
	}
	if len(reaches) == 0 || reaches[0] != "" {
		t.Fatalf("the pushes said %q", reaches)
	}
}
