package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
	"pgregory.net/rapid"
)

// TestPushesAnswerAlikeOnBothStorages records every push a random team
// makes against a bbolt server (runConvergenceCase: reps, managers,
// support, after-sales and leadership working offline, with requests
// dropped, doubled and replayed), then sends the same requests, in the
// same order and from the same users, to a PostgreSQL server, and
// compares each answer: what each op became, the states and removes sent
// back, and whether the replica is caught up. The two storages answer
// reads differently (PostgreSQL queues its writes and reads some ahead);
// the server's checks must not tell them apart.
func TestPushesAnswerAlikeOnBothStorages(t *testing.T) {
	pg := pgReusedBackend(t)
	setDefaultChecks(40)
	root := t.TempDir()
	var pushes, ops atomic.Int64
	defer func() {
		if !t.Failed() && (pushes.Load() == 0 || ops.Load() == 0) {
			t.Errorf("the cases pushed %d times, %d ops: nothing compared", pushes.Load(), ops.Load())
		}
		t.Logf("%d pushes of %d ops answered alike", pushes.Load(), ops.Load())
	}()
	rapid.Check(t, func(rt *rapid.T) {
		h, dir, done := caseHarness(rt, root, boltBackend)
		defer done()
		rec := &pushRecorder{next: http.DefaultTransport}
		h.transport = rec
		runConvergenceCase(rt, h)

		p := startHarness(rt, filepath.Join(dir, "pg"), pg)
		defer p.close()
		tokens := map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(h.roles)) {
			tokens[name] = p.addUser(name, h.roles[name])
		}
		from, to := epochOf(rt, h.st), epochOf(rt, p.st)
		for i, r := range rec.taken() {
			user, ok := h.users[strings.TrimPrefix(r.header.Get("Authorization"), "Bearer ")]
			if !ok {
				rt.Fatalf("push %d: from no user the test made", i)
			}
			req, err := http.NewRequest(http.MethodPost, p.url+"/v1/push", bytes.NewReader(r.body))
			if err != nil {
				rt.Fatal(err)
			}
			for _, k := range []string{"Content-Type", "Content-Encoding", "Accept", "Accept-Encoding"} {
				if v := r.header.Get(k); v != "" {
					req.Header.Set(k, v)
				}
			}
			if v := r.header.Get(wire.ReachHeader); v != "" {
				reach, err := wire.ParseReach(v)
				if err != nil {
					rt.Fatal(err)
				}
				if reach.Epoch == from {
					reach.Epoch = to
				}
				req.Header.Set(wire.ReachHeader, reach.String())
			}
			req.Header.Set("Authorization", "Bearer "+tokens[user])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				rt.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				rt.Fatal(err)
			}
			if resp.StatusCode != r.status {
				rt.Fatalf("push %d by %s: bbolt answered %d, PostgreSQL %d (%.300s)", i, user, r.status, resp.StatusCode, body)
			}
			want, got := pushAnswer(rt, r.respHeader, r.resp, from, to), pushAnswer(rt, resp.Header, body, to, to)
			if want != got {
				rt.Fatalf("push %d by %s answered differently:\nbbolt:      %.2000s\nPostgreSQL: %.2000s", i, user, want, got)
			}
			pushes.Add(1)
			ops.Add(int64(strings.Count(want, `"status"`)))
		}
	})
}

// pushRecorder keeps every push the server was sent and its answer.
type pushRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	pushes []recordedPush
}

type recordedPush struct {
	header, respHeader http.Header
	body, resp         []byte
	status             int
}

func (p *pushRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/push" {
		return p.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, data, err := roundTripRead(p.next, req)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.pushes = append(p.pushes, recordedPush{header: req.Header.Clone(), respHeader: resp.Header.Clone(), body: body, resp: data, status: resp.StatusCode})
	p.mu.Unlock()
	return resp, nil
}

func (p *pushRecorder) taken() []recordedPush {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pushes)
}

// pushAnswer returns a push answer's JSON, decoded as sent, with the
// server's epoch (from) written as to.
func pushAnswer(t *rapid.T, h http.Header, body []byte, from, to string) string {
	data, err := wire.Decompress(h.Get("Content-Encoding"), body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(h.Get("Content-Type"), wire.PackType) {
		if data, err = jsonpack.Unpack(nil, data); err != nil {
			t.Fatal(err)
		}
	}
	var resp wire.PushResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return string(data) // an error's answer: compared as it is
	}
	if resp.CaughtUp != nil && resp.CaughtUp.Epoch == from {
		resp.CaughtUp.Epoch = to
	}
	out, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func epochOf(t *rapid.T, st server.Storage) string {
	var e string
	if err := st.View(context.Background(), func(tx server.Tx) error {
		var err error
		e, err = tx.Epoch()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return e
}
