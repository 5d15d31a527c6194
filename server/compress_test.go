package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// exchange is what a recorder saw of one request: its path, the encoding
// of its body and of the answer's, the type of each, the Accept it sent,
// and the answer's status.
type exchange struct {
	path, sent, answered   string
	sentType, answeredType string
	accept                 string
	status                 int
}

// recorder notes every exchange between a client and the server behind it.
type recorder struct {
	mu   sync.Mutex
	seen []exchange
}

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchange{path: r.URL.Path, sent: r.Header.Get("Content-Encoding"),
			sentType: r.Header.Get("Content-Type"), accept: r.Header.Get("Accept")}
		sw := &seenWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		x.answered, x.status = w.Header().Get("Content-Encoding"), sw.status
		x.answeredType = w.Header().Get("Content-Type")
		rec.mu.Lock()
		rec.seen = append(rec.seen, x)
		rec.mu.Unlock()
	})
}

// count returns how many exchanges on path had a body sent (or answered)
// in encoding enc, and how many there were on path.
func (rec *recorder) count(path string, answered bool, enc string) (n, all int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, x := range rec.seen {
		if x.path != path {
			continue
		}
		all++
		if (answered && x.answered == enc) || (!answered && x.sent == enc) {
			n++
		}
	}
	return n, all
}

// countBy returns how many exchanges on path have what ok says, and how
// many there were on path.
func (rec *recorder) countBy(path string, ok func(exchange) bool) (n, all int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, x := range rec.seen {
		if x.path == path {
			all++
			if ok(x) {
				n++
			}
		}
	}
	return n, all
}

type seenWriter struct {
	http.ResponseWriter
	status int
}

func (w *seenWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

// oldServer makes next look like a server from before issue 15: it does
// not say it takes gzip or packed bodies, compresses and packs no answer,
// and reads a gzip body as the JSON it is not.
func oldServer(next http.Handler) http.Handler {
	return unpacking(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding")
		r.Header.Del("Content-Encoding") // so a gzip body is read as JSON, and refused
		next.ServeHTTP(&noAccept{ResponseWriter: w, names: []string{"Accept-Encoding"}}, r)
	}))
}

// unpacking makes next look like a server from before packed bodies (but
// after gzip, and so before zstd): it does not say it takes them, ignores
// Accept, and refuses a packed body as such a server's push handler does.
func unpacking(next http.Handler) http.Handler {
	next = beforeZstd(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), wire.PackType) {
			http.Error(w, `{"code":"bad_request","message":"the body must be JSON (Content-Type: application/json)"}`,
				http.StatusUnsupportedMediaType)
			return
		}
		r.Header.Del("Accept")
		next.ServeHTTP(&noAccept{ResponseWriter: w, names: []string{wire.AcceptHeader}}, r)
	})
}

// noAccept removes the named headers from an answer.
type noAccept struct {
	http.ResponseWriter
	names []string
}

func (w *noAccept) WriteHeader(code int) {
	for _, n := range w.names {
		w.Header().Del(n)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noAccept) Write(b []byte) (int, error) {
	for _, n := range w.names {
		w.Header().Del(n)
	}
	return w.ResponseWriter.Write(b)
}

// busyDevice gives d 30 leads with a visit each, notes of a few hundred
// bytes: several KB of push.
func busyDevice(d *device) {
	for i := range 30 {
		l := d.addLead(fmt.Sprintf("Company %d", i))
		d.addVisit(l.ID, strings.Repeat(fmt.Sprintf("Visit %d went well; they want a quote. ", i), 8))
	}
}

// TestNewClientAndServerCompress: a client of this version pushes zstd
// once the server said it takes it, and pulls zstd answers; one standing
// in for a client from before zstd (NoZstd) pushes and pulls gzip. What
// arrives is what was sent, on bbolt and on PostgreSQL.
func TestNewClientAndServerCompress(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		rec := &recorder{}
		h.srv.Config.Handler = rec.wrap(server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6}))
		ann, boss := h.device("ann", server.RoleRep), h.device("boss", server.RoleManager)
		bob, carol := h.device("bob", server.RoleRep), h.device("carol", server.RoleManager)
		bob.c.NoZstd, carol.c.NoZstd = true, true
		busyDevice(ann)
		if rep := ann.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
			t.Fatalf("ann's sync: %+v", rep)
		}
		if n, all := rec.count("/v1/push", false, wire.Zstd); n != 1 || all != 1 {
			t.Fatalf("%d of %d pushes sent zstd; want the one", n, all)
		}
		busyDevice(bob)
		if rep := bob.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
			t.Fatalf("bob's sync: %+v", rep)
		}
		if n, all := rec.count("/v1/push", false, wire.Gzip); n != 1 || all != 2 {
			t.Fatalf("%d of %d pushes sent gzip; want bob's", n, all)
		}
		if rep := boss.sync(); rep.Pulled < 120 {
			t.Fatalf("boss's sync: %+v", rep)
		}
		zstdPulls, all := rec.count("/v1/pull", true, wire.Zstd)
		if zstdPulls == 0 {
			t.Fatalf("none of %d pulls was answered zstd", all)
		}
		if rep := carol.sync(); rep.Pulled < 120 {
			t.Fatalf("carol's sync: %+v", rep)
		}
		if n, _ := rec.count("/v1/pull", true, wire.Zstd); n != zstdPulls {
			t.Fatalf("carol (NoZstd) got %d pulls answered zstd", n-zstdPulls)
		}
		if n, all := rec.count("/v1/pull", true, wire.Gzip); n == 0 {
			t.Fatalf("none of %d pulls was answered gzip", all)
		}
		if err := h.checkConverged([]*device{ann, bob, boss, carol}, map[string]bool{"boss": true, "carol": true}); err != nil {
			t.Fatal(err)
		}
	})
}

// beforeZstd makes next look like a server from before zstd, after gzip
// and packing: it names only gzip in Accept-Encoding, answers in gzip or
// plain, and refuses a zstd body with 415 as such a server did.
func beforeZstd(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Content-Encoding"), wire.Zstd) {
			http.Error(w, `{"code":"bad_request","message":"the request body is encoded as \"zstd\"; the server takes gzip or none"}`,
				http.StatusUnsupportedMediaType)
			return
		}
		if wire.Takes(r.Header.Values("Accept-Encoding"), wire.Gzip) {
			r.Header.Set("Accept-Encoding", wire.Gzip)
		} else {
			r.Header.Del("Accept-Encoding")
		}
		next.ServeHTTP(&gzipOnly{ResponseWriter: w}, r)
	})
}

// gzipOnly names only gzip in an answer's Accept-Encoding, if it has one.
type gzipOnly struct{ http.ResponseWriter }

func (w *gzipOnly) only() {
	if w.Header().Get("Accept-Encoding") != "" {
		w.Header().Set("Accept-Encoding", wire.Gzip)
	}
}

func (w *gzipOnly) WriteHeader(code int) {
	w.only()
	w.ResponseWriter.WriteHeader(code)
}

func (w *gzipOnly) Write(b []byte) (int, error) {
	w.only()
	return w.ResponseWriter.Write(b)
}

// TestNewClientAndServerBeforeZstd: against a server that takes gzip but
// not zstd, a client of this version pushes and pulls gzip, and syncs.
func TestNewClientAndServerBeforeZstd(t *testing.T) {
	h := newHarness(t, boltBackend)
	rec := &recorder{}
	h.srv.Config.Handler = rec.wrap(beforeZstd(server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6})))
	ann, boss := h.device("ann", server.RoleRep), h.device("boss", server.RoleManager)
	busyDevice(ann)
	if rep := ann.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
		t.Fatalf("ann's sync: %+v", rep)
	}
	if n, all := rec.count("/v1/push", false, wire.Gzip); n != 1 || all != 1 {
		t.Fatalf("%d of %d pushes sent gzip; want the one", n, all)
	}
	if rep := boss.sync(); rep.Pulled < 60 {
		t.Fatalf("boss's sync: %+v", rep)
	}
	if n, all := rec.count("/v1/pull", true, wire.Gzip); n == 0 {
		t.Fatalf("none of %d pulls was answered gzip", all)
	}
	for _, path := range []string{"/v1/push", "/v1/pull"} {
		if n, all := rec.countBy(path, func(x exchange) bool { return x.status == http.StatusOK }); n != all {
			t.Fatalf("%d of %d exchanges on %s were answered 200", n, all, path)
		}
	}
	if err := h.checkConverged([]*device{ann, boss}, map[string]bool{"boss": true}); err != nil {
		t.Fatal(err)
	}
}

// TestNewClientAndOldServer: against a server from before issue 15 a
// client of this version sends plain bodies and reads plain answers.
func TestNewClientAndOldServer(t *testing.T) {
	rec := syncThrough(t, oldServer)
	if n, all := rec.count("/v1/push", false, ""); n != all || all == 0 {
		t.Fatalf("%d of %d pushes were plain", n, all)
	}
	if n, all := rec.count("/v1/pull", true, ""); n != all || all == 0 {
		t.Fatalf("%d of %d pull answers were plain", n, all)
	}
}

// syncThrough runs a rep's first sync of a busy book and a manager's fresh
// pull through a server that front makes look like an older one, on
// bbolt: both syncs go through, every push and pull was JSON both ways
// and answered 200, and the laptops hold what the server holds. It returns
// what crossed the wire.
func syncThrough(t *testing.T, front func(http.Handler) http.Handler) *recorder {
	t.Helper()
	h := newHarness(t, boltBackend)
	rec := &recorder{}
	h.srv.Config.Handler = rec.wrap(front(server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6})))
	ann, boss := h.device("ann", server.RoleRep), h.device("boss", server.RoleManager)
	busyDevice(ann)
	if rep := ann.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
		t.Fatalf("ann's sync: %+v", rep)
	}
	if rep := boss.sync(); rep.Pulled < 60 {
		t.Fatalf("boss's sync: %+v", rep)
	}
	for _, path := range []string{"/v1/push", "/v1/pull"} {
		if n, all := rec.countBy(path, func(x exchange) bool {
			return x.sentType != wire.PackType && x.answeredType == "application/json" && x.status == http.StatusOK
		}); n != all || all == 0 {
			t.Fatalf("%d of %d exchanges on %s were JSON both ways and 200", n, all, path)
		}
	}
	if err := h.checkConverged([]*device{ann, boss}, map[string]bool{"boss": true}); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestOldClientAndNewServer: a client from before issue 15 sends plain
// pushes; if it does not ask for gzip it gets plain answers, and if its
// HTTP library asks by itself (Go's does) it gets gzip it undoes itself.
func TestOldClientAndNewServer(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok, boss := h.addUser("ann", server.RoleRep), h.addUser("boss", server.RoleManager)
	for _, plain := range []bool{true, false} {
		var leads []model.Op
		for range 5 {
			leads = append(leads, forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate,
				map[string]any{"company": strings.Repeat("Big Name ", 20), "owner": "ann"}))
		}
		body, err := remote.EncodePush(leads)
		if err != nil {
			t.Fatal(err)
		}
		hc := &http.Client{Transport: &http.Transport{DisableCompression: plain}}
		req, _ := http.NewRequest("POST", h.url+"/v1/push", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers, err := wire.DecodePushResponse(data, len(leads))
		if resp.StatusCode != 200 || err != nil || answers.Results[0].Status != wire.StatusApplied {
			t.Fatalf("push (plain %v): %d %s %v", plain, resp.StatusCode, data, err)
		}
		req, _ = http.NewRequest("GET", h.url+"/v1/pull?cursor=0&limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+boss)
		if resp, err = hc.Do(req); err != nil {
			t.Fatal(err)
		}
		data, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		pr, err := wire.DecodePullResponse(data)
		if resp.StatusCode != 200 || err != nil || len(pr.Changes) == 0 {
			t.Fatalf("pull (plain %v): %d %.200s %v", plain, resp.StatusCode, data, err)
		}
		// Go's transport removes the header of an answer it inflated.
		if plain && resp.Header.Get("Content-Encoding") != "" || !plain && !resp.Uncompressed {
			t.Fatalf("pull (plain %v): Content-Encoding %q, inflated by the transport %v", plain,
				resp.Header.Get("Content-Encoding"), resp.Uncompressed)
		}
	}
}

// compressedRuns returns prefix and n runs of size spaces, each
// compressed on its own and put one after the other (gzip members or zstd
// frames: a valid stream of either): a body that inflates to n*size bytes.
func compressedRuns(compress func([]byte) []byte, prefix string, n, size int) []byte {
	out := compress([]byte(prefix))
	spaces := compress(bytes.Repeat([]byte(" "), size))
	for range n {
		out = append(out, spaces...)
	}
	return out
}

// gzipMembers is compressedRuns for gzip, at its best compression.
func gzipMembers(t *testing.T, prefix string, n, size int) []byte {
	t.Helper()
	return compressedRuns(func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}, prefix, n, size)
}

// TestGzipBombIsRefused: a push that inflates to far more than the body
// cap is answered 413 with a sentence, and the server reads no more of it
// than the cap; a body that is not the gzip it says it is, or in another
// coding, gets a sentence too.
func TestGzipBombIsRefused(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok := h.addUser("ann", server.RoleRep)
	const inflated = 512 << 20
	bomb := gzipMembers(t, `{"ops":[`, inflated/(1<<20), 1<<20)
	if len(bomb) > 2<<20 {
		t.Fatalf("the bomb is %d bytes compressed", len(bomb))
	}
	send := func(body []byte, encoding string) (int, wire.ErrorBody) {
		return pushRaw(t, h.url, tok, body, "application/json", encoding)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, eb := send(bomb, "gzip")
	runtime.ReadMemStats(&after)
	if status != http.StatusRequestEntityTooLarge || eb.Code != "too_large" || len(eb.Message) < 10 {
		t.Fatalf("a gzip bomb: %d %+v", status, eb)
	}
	// The client and the server share this process: what both allocated
	// is bounded by a few times the cap, not by what the bomb inflates to.
	if got := after.TotalAlloc - before.TotalAlloc; got > 6*wire.MaxBodyBytes {
		t.Fatalf("the bomb cost %d MB of allocations; the cap is %d MB", got>>20, wire.MaxBodyBytes>>20)
	}
	if status, eb := send([]byte(`{"ops":[]}`), "gzip"); status != http.StatusBadRequest || len(eb.Message) < 10 {
		t.Fatalf("plain JSON sent as gzip: %d %+v", status, eb)
	}
	if status, eb := send(gzipMembers(t, `{"ops":[`, 1, 10)[:20], "gzip"); status != http.StatusBadRequest || len(eb.Message) < 10 {
		t.Fatalf("a cut gzip body: %d %+v", status, eb)
	}
	if status, eb := send([]byte(`{"ops":[]}`), "br"); status != http.StatusUnsupportedMediaType || len(eb.Message) < 10 {
		t.Fatalf("a body in another coding: %d %+v", status, eb)
	}
	syncsAfterBombs(t, h, tok)
}

// syncsAfterBombs checks that the server is fine after the bombs: ann,
// whose token tok is, syncs a busy book through it, compressed.
func syncsAfterBombs(t *testing.T, h *harness, tok string) {
	t.Helper()
	c, err := remote.NewClient(h.url, tok)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{Path: h.dir + "/ann.db", User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &device{t: t, name: "ann", st: st, c: c}
	busyDevice(d)
	if rep, err := remote.Sync(context.Background(), st, c); err != nil || rep.Pushed != 60 {
		t.Fatalf("a good sync after the bombs: %+v %v", rep, err)
	}
}

// TestZstdBombIsRefused is TestGzipBombIsRefused for zstd: a push that
// inflates far past the body cap, or is more than the cap as sent, is a
// 413 with a sentence, and the server reads no more than the cap; a frame
// that asks for a window larger than wire.MaxZstdWindow, a body that is
// not zstd and a cut stream are 400s with a sentence, and cost no window.
func TestZstdBombIsRefused(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok := h.addUser("ann", server.RoleRep)
	const inflated = 512 << 20
	bomb := compressedRuns(func(b []byte) []byte { return wire.ZstdAppend(nil, b) }, `{"ops":[`, inflated/(1<<20), 1<<20)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed", len(bomb))
	}
	send := func(body []byte) (int, wire.ErrorBody) {
		return pushRaw(t, h.url, tok, body, "application/json", wire.Zstd)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, eb := send(bomb)
	runtime.ReadMemStats(&after)
	if status != http.StatusRequestEntityTooLarge || eb.Code != "too_large" || len(eb.Message) < 10 {
		t.Fatalf("a zstd bomb: %d %+v", status, eb)
	}
	// The client and the server share this process: what both allocated
	// is bounded by a few times the cap, not by what the bomb inflates to.
	if got := after.TotalAlloc - before.TotalAlloc; got > 6*wire.MaxBodyBytes {
		t.Fatalf("the bomb cost %d MB of allocations; the cap is %d MB", got>>20, wire.MaxBodyBytes>>20)
	}
	// More than the cap as sent: random bytes do not compress.
	noise := make([]byte, wire.MaxBodyBytes+1<<20)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(noise)
	if status, eb := send(wire.ZstdAppend(nil, noise)); status != http.StatusRequestEntityTooLarge || len(eb.Message) < 10 {
		t.Fatalf("a zstd body larger than the cap as sent: %d %+v", status, eb)
	}
	// A frame of one raw block "hello" whose header asks for a window of
	// 64 MiB (RFC 8878, 3.1.1.1.2: exponent 16, mantissa 0), and the same
	// frame asking for 8 MiB, which is taken as far as zstd goes.
	frame := func(window byte) []byte {
		return []byte{0x28, 0xB5, 0x2F, 0xFD, 0x00, window, 0x29, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o'}
	}
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, eb = send(frame(16 << 3))
	runtime.ReadMemStats(&after)
	if status != http.StatusBadRequest || !strings.Contains(eb.Message, "window") {
		t.Fatalf("a frame asking for a 64 MiB window: %d %+v", status, eb)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Fatalf("a frame asking for a 64 MiB window cost %d MB of allocations", got>>20)
	}
	if status, eb := send(frame(13 << 3)); status != http.StatusBadRequest || strings.Contains(eb.Message, "window") {
		t.Fatalf("a frame asking for an 8 MiB window of \"hello\": %d %+v; want refused as a push, not as zstd", status, eb)
	}
	if status, eb := send([]byte(`{"ops":[]}`)); status != http.StatusBadRequest || len(eb.Message) < 10 {
		t.Fatalf("plain JSON sent as zstd: %d %+v", status, eb)
	}
	good := wire.ZstdAppend(nil, []byte(`{"ops":[]}`))
	if status, eb := send(good[:len(good)-3]); status != http.StatusBadRequest || len(eb.Message) < 10 {
		t.Fatalf("a cut zstd body: %d %+v", status, eb)
	}
	syncsAfterBombs(t, h, tok)
}
