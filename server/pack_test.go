package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// onWire is a client transport that notes the headers of every request
// and answer as they cross the wire.
type onWire struct {
	mu   sync.Mutex
	seen []wireExchange
}

type wireExchange struct {
	path     string
	req, ans http.Header
	status   int
}

func (o *onWire) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	o.mu.Lock()
	o.seen = append(o.seen, wireExchange{r.URL.Path, r.Header.Clone(), resp.Header.Clone(), resp.StatusCode})
	o.mu.Unlock()
	return resp, nil
}

// all returns the exchanges on path, and fails when there were none.
func (o *onWire) all(t *testing.T, path string) []wireExchange {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	var xs []wireExchange
	for _, x := range o.seen {
		if x.path == path {
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 {
		t.Fatalf("no exchange on %s", path)
	}
	return xs
}

// TestNewClientAndServerPack: a client of this version pushes packed,
// compressed (zstd) bodies once the server has said it takes them, and asks for and
// reads packed pull answers; what arrives is what was sent, on bbolt and
// on PostgreSQL. With NoPack it sends and gets JSON from the same server.
func TestNewClientAndServerPack(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, boss, bob := h.device("ann", server.RoleRep), h.device("boss", server.RoleManager), h.device("bob", server.RoleManager)
		annWire, bossWire, bobWire := &onWire{}, &onWire{}, &onWire{}
		ann.c.HTTP.Transport, boss.c.HTTP.Transport, bob.c.HTTP.Transport = annWire, bossWire, bobWire
		bob.c.NoPack = true
		busyDevice(ann)
		if rep := ann.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
			t.Fatalf("ann's sync: %+v", rep)
		}
		for _, x := range annWire.all(t, "/v1/push") {
			if x.req.Get("Content-Type") != wire.PackType || x.req.Get("Content-Encoding") != wire.Zstd ||
				x.status != http.StatusOK || x.ans.Get("Content-Type") != wire.PackType {
				t.Fatalf("a push: sent %q %q, answered %d %q", x.req.Get("Content-Type"), x.req.Get("Content-Encoding"),
					x.status, x.ans.Get("Content-Type"))
			}
		}
		for _, x := range annWire.all(t, "/v1/health") { // the first answer says what the server takes
			if x.ans.Get(wire.AcceptHeader) != wire.PackType+";"+wire.PackEmbed+"=1" || x.ans.Get("Accept-Encoding") != "zstd, gzip" {
				t.Fatalf("the health answer says %s %q", wire.AcceptHeader, x.ans.Get(wire.AcceptHeader))
			}
		}
		if rep := boss.sync(); rep.Pulled < 60 {
			t.Fatalf("boss's sync: %+v", rep)
		}
		for _, x := range bossWire.all(t, "/v1/pull") {
			if !strings.HasPrefix(x.req.Get("Accept"), wire.PackType) || x.ans.Get("Content-Type") != wire.PackType ||
				!strings.Contains(strings.Join(x.ans.Values("Vary"), ","), "Accept") {
				t.Fatalf("a pull: Accept %q, answered %q, Vary %q", x.req.Get("Accept"), x.ans.Get("Content-Type"), x.ans.Values("Vary"))
			}
		}
		if bigs := bossWire.all(t, "/v1/pull"); bigs[0].ans.Get("Content-Encoding") != wire.Zstd {
			t.Fatalf("the first pull was not compressed in zstd: %v", bigs[0].ans)
		}
		// A client that is not to pack sends and gets JSON.
		bob.addLead("Bob's own")
		for range 20 {
			bob.addLead(strings.Repeat("Long company name ", 8))
		}
		if rep := bob.sync(); rep.Pulled < 60 || rep.Pushed != 21 {
			t.Fatalf("bob's sync: %+v", rep)
		}
		for _, path := range []string{"/v1/push", "/v1/pull"} {
			for _, x := range bobWire.all(t, path) {
				if x.req.Get("Content-Type") == wire.PackType || x.ans.Get("Content-Type") != "application/json" ||
					strings.Contains(x.req.Get("Accept"), wire.PackType) {
					t.Fatalf("bob (NoPack) on %s: sent %q accepting %q, answered %q", path,
						x.req.Get("Content-Type"), x.req.Get("Accept"), x.ans.Get("Content-Type"))
				}
			}
		}
		ann.sync()
		boss.sync()
		if err := h.checkConverged([]*device{ann, boss, bob}, map[string]bool{"boss": true, "bob": true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNewClientAndServerBeforePacking: against a server that takes gzip
// but not packed bodies (it does not name wire.PackType, ignores Accept,
// and refuses a packed push), a client of this version sends and reads
// gzipped JSON, and syncs.
func TestNewClientAndServerBeforePacking(t *testing.T) {
	rec := syncThrough(t, unpacking)
	if n, _ := rec.count("/v1/push", false, "gzip"); n != 1 {
		t.Fatalf("%d pushes were gzipped; want the one", n)
	}
}

// TestOldClientGetsJSON: a pull without Accept, with Accept naming only
// JSON, or refusing the packed type gets JSON; one accepting it gets the
// same JSON packed. A push answer likewise.
func TestOldClientGetsJSON(t *testing.T) {
	h := newHarness(t, boltBackend)
	ann := h.device("ann", server.RoleRep)
	busyDevice(ann)
	ann.sync()
	boss := h.addUser("boss", server.RoleManager)
	get := func(accept string) (string, []byte) {
		req, _ := http.NewRequest("GET", h.url+"/v1/pull?cursor=0&limit=1000", nil)
		req.Header.Set("Authorization", "Bearer "+boss)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req) // inflates gzip itself, as old clients' libraries do
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("pull (Accept %q): %d %v", accept, resp.StatusCode, err)
		}
		return resp.Header.Get("Content-Type"), data
	}
	typ, plain := get("")
	if _, err := wire.DecodePullResponse(plain); typ != "application/json" || err != nil {
		t.Fatalf("an old client's pull: %q, %v", typ, err)
	}
	for _, accept := range []string{"application/json", wire.PackType + ";q=0, application/json", "*/*"} {
		if typ, data := get(accept); typ != "application/json" || !bytes.Equal(data, plain) {
			t.Fatalf("a pull accepting %q: %q, %d bytes, not the %d of JSON", accept, typ, len(data), len(plain))
		}
	}
	typ, packed := get(wire.PackType + ", application/json")
	back, err := jsonpack.Unpack(nil, packed)
	if typ != wire.PackType || !jsonpack.Packed(packed) || err != nil || string(back)+"\n" != string(plain) {
		t.Fatalf("a packed pull: %q, %d bytes, unpacked %d: %v", typ, len(packed), len(back), err)
	}
	if len(packed)*2 > len(plain) {
		t.Fatalf("a pull of %d bytes packed to %d", len(plain), len(packed))
	}
	// A client from before embedded values gets the page packed whole,
	// as Pack packs its JSON: nothing it cannot read.
	if want := jsonpack.Pack(nil, bytes.TrimSuffix(plain, []byte("\n"))); !bytes.Equal(packed, want) {
		t.Fatalf("a packed pull is not the page's JSON packed (%d bytes, want %d)", len(packed), len(want))
	}
	// One that reads them gets the ops as the log stores them, embedded:
	// other bytes, the same JSON.
	typ, embedded := get(wire.PackType + ";" + wire.PackEmbed + "=1, application/json")
	back, err = jsonpack.Unpack(nil, embedded)
	if typ != wire.PackType || err != nil || string(back)+"\n" != string(plain) || bytes.Equal(embedded, packed) {
		t.Fatalf("a pull reading embedded values: %q, %d bytes (%d packed whole), unpacked %d: %v", typ, len(embedded), len(packed), len(back), err)
	}
	if typ, data := get(wire.PackType + ";" + wire.PackEmbed + "=1;q=0, application/json"); typ != "application/json" || !bytes.Equal(data, plain) {
		t.Fatalf("a pull refusing the packed type, embedded or not: %q", typ)
	}
}

// pushRaw sends body to /v1/push as typ, encoded as enc, and returns the
// status and the error body of the answer.
func pushRaw(t *testing.T, url, tok string, body []byte, typ, enc string) (int, wire.ErrorBody) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/push", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", typ)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb wire.ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	return resp.StatusCode, eb
}

// TestPackBombIsRefused: a packed push of a few MB that unpacks to 58 MB
// of JSON is a 413 with a sentence, gzipped or not, and costs the server
// no more memory than a plain body may; a damaged packed push is a 400, a
// body of another type a 415; and the server takes a good packed push
// afterwards.
func TestPackBombIsRefused(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok := h.addUser("ann", server.RoleRep)
	const n = 1_500_000
	json := []byte(`{"ops":[` + strings.Repeat(`"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e0f",`, n-1) + `"x"]}`)
	bomb := jsonpack.Pack(nil, json)
	if len(bomb) > wire.MaxBodyBytes/2 || len(json) < 6*wire.MaxBodyBytes {
		t.Fatalf("the bomb is %d bytes packed, %d unpacked", len(bomb), len(json))
	}
	json = nil
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(bomb)
	_ = zw.Close()
	for _, b := range []struct {
		body []byte
		enc  string
	}{{bomb, ""}, {zipped.Bytes(), "gzip"}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		status, eb := pushRaw(t, h.url, tok, b.body, wire.PackType, b.enc)
		runtime.ReadMemStats(&after)
		if status != http.StatusRequestEntityTooLarge || eb.Code != "too_large" || len(eb.Message) < 10 {
			t.Fatalf("a packed bomb (%q): %d %+v", b.enc, status, eb)
		}
		// Client and server share this process: what both allocated is
		// bounded by a few times the cap, not by what the bomb unpacks to.
		if got := after.TotalAlloc - before.TotalAlloc; got > 5*wire.MaxBodyBytes {
			t.Fatalf("the packed bomb (%q) cost %d MB of allocations; the cap is %d MB", b.enc, got>>20, wire.MaxBodyBytes>>20)
		}
	}
	good := jsonpack.Pack(nil, []byte(`{"ops":[{"op_id":"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e0f","entity":{"type":"lead","id":"0192f1a4-7c3e-7b21-9d4e-5a6b7c8d9e10"},"kind":"create","fields":{"company":"X","owner":"ann"},"hlc":{"wall_ms":1,"counter":0,"node":"n"},"actor":{},"schema":1}]}`))
	for _, bad := range [][]byte{good[:len(good)-3], {1, 0x18}, append([]byte{1, 2}, good[2:]...)} {
		if status, eb := pushRaw(t, h.url, tok, bad, wire.PackType, ""); status != http.StatusBadRequest || !strings.Contains(eb.Message, "damaged") {
			t.Fatalf("a damaged packed push: %d %+v", status, eb)
		}
	}
	if status, eb := pushRaw(t, h.url, tok, good, "application/octet-stream", ""); status != http.StatusUnsupportedMediaType || len(eb.Message) < 10 {
		t.Fatalf("a push of another type: %d %+v", status, eb)
	}
	if status, eb := pushRaw(t, h.url, tok, good, wire.PackType+"; v=1", ""); status != http.StatusOK {
		t.Fatalf("a good packed push: %d %+v", status, eb)
	}
	ann := h.deviceWithToken("ann", tok)
	busyDevice(ann)
	if rep := ann.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
		t.Fatalf("a good sync after the bomb: %+v", rep)
	}
}

// damaging makes next answer plain (no gzip) and cuts the last bytes off
// every packed answer.
func damaging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding")
		cw := &cutWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
	})
}

type cutWriter struct{ http.ResponseWriter }

func (w *cutWriter) Write(b []byte) (int, error) {
	if w.Header().Get("Content-Type") == wire.PackType && len(b) > 3 {
		_, err := w.ResponseWriter.Write(b[:len(b)-3])
		return len(b), err
	}
	return w.ResponseWriter.Write(b)
}

// TestDamagedPackedAnswer: a packed pull answer that is not a packed value
// fails the sync with an error, and the book takes nothing from it; once
// the answers are whole again, the sync completes.
func TestDamagedPackedAnswer(t *testing.T) {
	h := newHarness(t, boltBackend)
	ann, boss := h.device("ann", server.RoleRep), h.device("boss", server.RoleManager)
	busyDevice(ann)
	ann.sync()
	good := h.srv.Config.Handler
	h.srv.Config.Handler = damaging(good)
	rep, err := remote.Sync(context.Background(), boss.st, boss.c)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("a sync of damaged answers: %+v, %v", rep, err)
	}
	if err := boss.st.View(func(tx *store.Tx) error {
		leads, err := tx.Leads(store.LeadFilter{})
		if err == nil && len(leads) != 0 {
			err = fmt.Errorf("%d leads from a damaged answer", len(leads))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	h.srv.Config.Handler = good
	if rep := boss.sync(); rep.Pulled < 60 {
		t.Fatalf("boss's sync after: %+v", rep)
	}
}

// TestSpacedOpStillPulls: an op pushed with spaces in its JSON (valid, but
// not the compact form jsonpack packs) is stored as it came; a page that
// holds it cannot embed it, and goes out packed whole instead, so every
// client still pulls it, on bbolt and on PostgreSQL.
func TestSpacedOpStillPulls(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h, lead, create := leadWaiting(t, b, "Spaced Out") // echo_test.go
		var spaced bytes.Buffer
		if err := json.Indent(&spaced, create, "", "  "); err != nil {
			t.Fatal(err)
		}
		resp, err := h.svc.Push(context.Background(), server.User{Name: "ann", Role: server.RoleRep}, []json.RawMessage{spaced.Bytes()})
		if err != nil || resp.Results[0].Status != wire.StatusApplied {
			t.Fatalf("the spaced push: %+v, %v", resp, err)
		}
		boss := h.device("boss", server.RoleManager)
		bossWire := &onWire{}
		boss.c.HTTP.Transport = bossWire
		if rep := boss.sync(); rep.Pulled != 1 {
			t.Fatalf("boss's sync: %+v", rep)
		}
		for _, x := range bossWire.all(t, "/v1/pull") {
			if x.status != http.StatusOK || x.ans.Get("Content-Type") != wire.PackType {
				t.Fatalf("a pull: %d %q", x.status, x.ans.Get("Content-Type"))
			}
		}
		if _, ok := boss.localRecord(model.EntityRef{Type: model.TypeLead, ID: lead.ID}); !ok {
			t.Fatal("boss's book does not hold the lead pushed with spaces")
		}
	})
}
