package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// pushBodies is a client transport that keeps the body of every push as
// it was before compression.
type pushBodies struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (p *pushBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/v1/push" && r.Body != nil {
		data, err := pushBody(r) // serverpush_bench_test.go
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		p.bodies = append(p.bodies, data)
		p.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// embeddedPushes counts the pushes seen whose ops came each packed on its
// own, and all pushes.
func (p *pushBodies) embeddedPushes() (n, all int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.bodies {
		if _, ok := jsonpack.EmbeddedList(b, "ops"); ok {
			n++
		}
	}
	return n, len(p.bodies)
}

// packNoEmbed makes next a server that takes packed pushes, but says
// nothing of ops packed each on its own: a server from before them.
func packNoEmbed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&setAccept{ResponseWriter: w}, r)
	})
}

type setAccept struct{ http.ResponseWriter }

func (w *setAccept) WriteHeader(code int) {
	w.Header().Set(wire.AcceptHeader, wire.PackType)
	w.ResponseWriter.WriteHeader(code)
}

func (w *setAccept) Write(b []byte) (int, error) {
	w.Header().Set(wire.AcceptHeader, wire.PackType)
	return w.ResponseWriter.Write(b)
}

// TestEmbeddedPush: a client of this version sends a push's ops packed
// each on its own to a server that names wire.PackEmbed, and the log
// keeps each op as it came; to a server that names only the packed type
// it sends the push packed whole. Both sync and converge, on bbolt and on
// PostgreSQL.
func TestEmbeddedPush(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, bob, boss := h.device("ann", server.RoleRep), h.device("bob", server.RoleRep), h.device("boss", server.RoleManager)
		annWire, bobWire := &pushBodies{}, &pushBodies{}
		ann.c.HTTP.Transport, bob.c.HTTP.Transport = annWire, bobWire
		busyDevice(ann)
		if rep := ann.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
			t.Fatalf("ann's sync: %+v", rep)
		}
		if n, all := annWire.embeddedPushes(); n != 1 || all != 1 {
			t.Fatalf("%d of ann's %d pushes came embedded; want the one", n, all)
		}
		// What the log keeps of each of ann's ops is what she sent.
		elems, _ := jsonpack.EmbeddedList(annWire.bodies[0], "ops")
		sent := map[string]bool{}
		for _, e := range elems {
			sent[string(e)] = true
		}
		kept := 0
		if err := h.svc.Store.View(context.Background(), func(tx server.Tx) error {
			return tx.ScanPacked(0, func(e server.LogEntry) (bool, error) {
				if sent[string(e.Packed)] {
					kept++
				}
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		if kept != len(elems) {
			t.Fatalf("the log keeps %d of the %d ops as they came", kept, len(elems))
		}
		good := h.srv.Config.Handler
		h.srv.Config.Handler = packNoEmbed(good)
		busyDevice(bob)
		if rep := bob.sync(); rep.Pushed != 60 || rep.Rejected != 0 {
			t.Fatalf("bob's sync: %+v", rep)
		}
		if n, all := bobWire.embeddedPushes(); n != 0 || all != 1 {
			t.Fatalf("%d of bob's %d pushes came embedded to a server that does not name it", n, all)
		}
		h.srv.Config.Handler = good
		if rep := boss.sync(); rep.Pulled < 120 {
			t.Fatalf("boss's sync: %+v", rep)
		}
		ann.sync()
		bob.sync()
		if err := h.checkConverged([]*device{ann, bob, boss}, map[string]bool{"boss": true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestEmbeddedPushFromAStranger: ops packed by hand rather than by Pack
// (strings where Pack writes a UUID) are taken and kept as they came;
// an op that does not unpack is a 400 that applies nothing; more ops than
// a batch may carry, or JSON past the cap, is a 413; and an op that is
// not an op is rejected alone.
func TestEmbeddedPushFromAStranger(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok := h.addUser("ann", server.RoleRep)
	ann := h.deviceWithToken("ann", tok)
	ann.addLead("By Hand")
	opJSON := string(ann.waiting()[0])
	op := packByHand(t, []byte(opJSON))
	if back, err := jsonpack.Unpack(nil, op); err != nil || string(back) != opJSON {
		t.Fatalf("the op built by hand unpacks to %s, %v", back, err)
	}
	if bytes.Equal(op, jsonpack.Pack(nil, []byte(opJSON))) || len(op) > len(opJSON) {
		t.Fatalf("the op built by hand is what Pack writes, or longer than its JSON (%d bytes, %d)", len(op), len(opJSON))
	}
	body := func(ops ...[]byte) []byte {
		b := jsonpack.AppendArray(jsonpack.AppendKey(jsonpack.AppendObject(jsonpack.AppendTag(nil)), "ops"))
		for _, o := range ops {
			var err error
			if b, err = jsonpack.AppendEmbedded(b, o); err != nil {
				t.Fatal(err)
			}
		}
		return jsonpack.AppendEnd(jsonpack.AppendArrayEnd(b))
	}
	logged := func() (n int, asCame bool) {
		if err := h.svc.Store.View(context.Background(), func(tx server.Tx) error {
			return tx.ScanPacked(0, func(e server.LogEntry) (bool, error) {
				n++
				asCame = asCame || bytes.Equal(e.Packed, op)
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return n, asCame
	}

	damaged := body(op)
	damaged[len(damaged)-4] ^= 0x7f // inside the op's last tokens
	if status, eb := pushRaw(t, h.url, tok, damaged, wire.PackType, ""); status != http.StatusBadRequest || !strings.Contains(eb.Message, "damaged") {
		t.Fatalf("an embedded op that does not unpack: %d %+v", status, eb)
	}
	tiny := jsonpack.Pack(nil, []byte(`{}`))
	many := make([][]byte, wire.MaxBatchOps+1)
	for i := range many {
		many[i] = tiny
	}
	if status, eb := pushRaw(t, h.url, tok, body(many...), wire.PackType, ""); status != http.StatusRequestEntityTooLarge || eb.Code != "too_large" {
		t.Fatalf("%d embedded ops: %d %+v", len(many), status, eb)
	}
	// A string said once and referred to a thousand times: 50 KB of JSON
	// from about 2 KB packed; 200 such ops unpack past the cap.
	word := `"` + strings.Repeat("x", 47) + `"`
	long := jsonpack.Pack(nil, []byte("["+strings.Repeat(word+",", 999)+word+"]"))
	bomb := make([][]byte, 200)
	for i := range bomb {
		bomb[i] = long
	}
	if len(body(bomb...)) > wire.MaxBodyBytes/8 || 200*50*1000 < wire.MaxBodyBytes {
		t.Fatalf("the bomb is %d bytes packed", len(body(bomb...)))
	}
	if status, eb := pushRaw(t, h.url, tok, body(bomb...), wire.PackType, ""); status != http.StatusRequestEntityTooLarge || eb.Code != "too_large" {
		t.Fatalf("embedded ops past the cap: %d %+v", status, eb)
	}
	if n, _ := logged(); n != 0 {
		t.Fatalf("refused pushes left %d log entries", n)
	}

	req, _ := http.NewRequest("POST", h.url+"/v1/push", bytes.NewReader(body(op, tiny)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", wire.PackType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	answer, err := wire.DecodePushResponse(data, 2)
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("a push of an op built by hand and one that is not an op: %d %v", resp.StatusCode, err)
	}
	if r := answer.Results; r[0].Status != wire.StatusApplied || r[1].Status != wire.StatusRejected || r[1].Reason == "" {
		t.Fatalf("the answers: %+v", r)
	}
	if n, asCame := logged(); n != 1 || !asCame {
		t.Fatalf("the log holds %d entries; the op as it came: %v", n, asCame)
	}
}

// packByHand packs the JSON v with jsonpack's builders, token by token,
// every string as a string (Pack writes UUIDs and times in their own
// tokens): a packed value Pack would not have written.
func packByHand(t *testing.T, v []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	out := jsonpack.AppendTag(nil)
	var inObject []bool // per open container: an object, whose next token is a key
	var keyDue []bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n := len(inObject); n > 0 && inObject[n-1] && keyDue[n-1] {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				out, inObject, keyDue = jsonpack.AppendEnd(out), inObject[:n-1], keyDue[:n-1]
				continue
			}
			q, _ := json.Marshal(tok.(string))
			out, keyDue[n-1] = jsonpack.AppendKey(out, string(q[1:len(q)-1])), false
			continue
		}
		if n := len(inObject); n > 0 && inObject[n-1] {
			keyDue[n-1] = true // this token is the value
		}
		switch x := tok.(type) {
		case json.Delim:
			switch x {
			case '{':
				out, inObject, keyDue = jsonpack.AppendObject(out), append(inObject, true), append(keyDue, true)
			case '[':
				out, inObject, keyDue = jsonpack.AppendArray(out), append(inObject, false), append(keyDue, false)
			case ']':
				out, inObject, keyDue = jsonpack.AppendArrayEnd(out), inObject[:len(inObject)-1], keyDue[:len(keyDue)-1]
			}
		case string:
			q, _ := json.Marshal(x)
			out = jsonpack.AppendString(out, q[1:len(q)-1])
		case json.Number:
			u, err := strconv.ParseUint(string(x), 10, 64)
			if err != nil {
				t.Fatalf("packByHand takes no number like %s", x)
			}
			out = jsonpack.AppendUint(out, u)
		case bool:
			out = jsonpack.AppendBool(out, x)
		default:
			t.Fatalf("packByHand takes no %T", x)
		}
	}
	return out
}
