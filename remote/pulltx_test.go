package remote_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// pageCursors stands in front of a real server, notes the cursor of every
// pull page it passes on and, from the page numbered failAt on (counted
// from 1; 0 for never), answers 503 instead.
type pageCursors struct {
	next    http.Handler
	mu      sync.Mutex
	failAt  int
	cursors []uint64
}

func (p *pageCursors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/pull" {
		p.next.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	n := len(p.cursors) + 1
	fail := p.failAt > 0 && n >= p.failAt
	p.mu.Unlock()
	if fail {
		http.Error(w, `{"code":"unavailable","message":"down for a moment"}`, http.StatusServiceUnavailable)
		return
	}
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	p.next.ServeHTTP(rec, r)
	plain, _ := wire.Decompress(rec.header.Get("Content-Encoding"), rec.body.Bytes())
	plain, _ = jsonpack.Unpack(nil, plain) // JSON comes back as it is
	if resp, err := wire.DecodePullResponse(plain); err == nil {
		p.mu.Lock()
		p.cursors = append(p.cursors, resp.Cursor)
		p.mu.Unlock()
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.code)
	_, _ = io.Copy(w, &rec.body)
}

// recorder keeps an answer to pass it on.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// A pull stores several pages in one transaction, and a page that fails
// to come stops the pull with the pages before it stored: the book's
// cursor is the last good page's, and its leads those pages' own. The
// next sync goes on from there to the end.
func TestPullKeepsThePagesBeforeAFailure(t *testing.T) {
	front := &pageCursors{}
	c, ann := bookBehind(t, func(h http.Handler) http.Handler { front.next = h; return front }, 60)
	if _, err := remote.SyncWith(context.Background(), ann, c, remote.Options{}); err != nil {
		t.Fatal(err)
	}
	laptop, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "laptop.db"), User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer laptop.Close()
	front.mu.Lock()
	front.cursors, front.failAt = nil, 6
	front.mu.Unlock()
	progress := 0
	_, err = remote.SyncWith(context.Background(), laptop, c, remote.Options{PullLimit: 5, Progress: func(remote.Report, int) { progress++ }})
	if err == nil {
		t.Fatal("the pull went through though its sixth page failed")
	}
	front.mu.Lock()
	good := append([]uint64(nil), front.cursors...)
	front.failAt = 0
	front.mu.Unlock()
	if len(good) != 5 {
		t.Fatalf("%d pages came before the failure; want 5", len(good))
	}
	if progress != 5 {
		t.Errorf("progress was told %d times for 5 pages applied", progress)
	}
	leads := func() (n int, cursor uint64) {
		t.Helper()
		err := laptop.View(func(tx *store.Tx) error {
			ls, err := tx.Leads(store.LeadFilter{})
			n, cursor = len(ls), tx.SyncState().Cursor
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, cursor
	}
	if n, cursor := leads(); cursor != good[4] || n != 25 {
		t.Fatalf("after the failure the book holds %d leads at cursor %d; want 25 at %d, the fifth page's", n, cursor, good[4])
	}
	if _, err := remote.SyncWith(context.Background(), laptop, c, remote.Options{PullLimit: 5}); err != nil {
		t.Fatal(err)
	}
	if n, _ := leads(); n != 60 {
		t.Fatalf("after the next sync the book holds %d leads; want 60", n)
	}
}
