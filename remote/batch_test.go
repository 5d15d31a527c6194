package remote_test

import (
	"bytes"
	"compress/gzip"
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
		body, _ := io.ReadAll(r.Body)
		plain := body
		if r.Header.Get("Content-Encoding") == "gzip" { // the server behind said it takes gzip
			zr, _ := gzip.NewReader(bytes.NewReader(body))
			plain, _ = io.ReadAll(zr)
		}
		plain, _ = jsonpack.Unpack(nil, plain) // packed when the server behind said it takes that; JSON as is
		var req struct{ Ops []json.RawMessage }
		_ = json.Unmarshal(plain, &req)
		o.mu.Lock()
		o.pushes = append(o.pushes, len(req.Ops))
		o.mu.Unlock()
		if o.refuse && len(req.Ops) > wire.MaxPushOps {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"code":"bad_request","message":"the request carries %d ops; at most %d"}`, len(req.Ops), wire.MaxPushOps)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	o.next.ServeHTTP(w, r)
}

// A first sync sends large batches to a server that takes them, and
// batches of wire.MaxPushOps to one that does not.
func TestFirstSyncBatchesFitTheServer(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("refuse=%v", refuse), func(t *testing.T) {
			sst, err := server.OpenBolt(t.TempDir(), true)
			if err != nil {
				t.Fatal(err)
			}
			svc := &server.Service{Store: sst}
			front := &oldServer{next: server.Handler(svc, server.Options{}), refuse: refuse}
			srv := httptest.NewServer(front)
			defer func() { srv.Close(); sst.Close() }()
			tok, err := svc.AddUser(context.Background(), "ann", server.RoleRep)
			if err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "ann.db"), User: "ann", NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.Update(func(tx *store.Tx) error {
				for i := range 700 {
					l := model.Lead{Company: fmt.Sprintf("Batch %d", i)}
					if err := tx.AddLead(&l); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			c, err := remote.NewClient(srv.URL, tok)
			if err != nil {
				t.Fatal(err)
			}
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
