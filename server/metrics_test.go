package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// scrape reads url's metrics as name{labels} -> value, checking that every
// line is a comment or a sample of the Prometheus text format.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET %s: %s, Content-Type %q", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("not a sample: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("not a sample: %q", line)
		}
		if _, dup := out[line[:i]]; dup {
			t.Fatalf("twice: %q", line[:i])
		}
		out[line[:i]] = v
	}
	return out
}

// rawOp is a lead's create op as a client would send it.
func rawOp(t *testing.T, owner string, at time.Time) json.RawMessage {
	t.Helper()
	id := model.NewID()
	op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: id}, Kind: model.OpCreate,
		Fields: map[string]json.RawMessage{}, HLC: model.HLC{Wall: at.UnixMilli(), Node: "metrics"}, Schema: model.CurrentSchema}
	now := time.Now().UTC()
	for k, v := range map[string]any{"id": id, "company": "Metrics Co", "stage": "qualified", "owner": owner,
		"stage_entered_at": now, "created_at": now, "updated_at": now} {
		op.Fields[k], _ = json.Marshal(v)
	}
	data, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func do(t *testing.T, method, url, token string, body []byte) (int, int) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, int(n)
}

// TestMetricsCountWhatTheServerDid drives the real handler over HTTP on
// 127.0.0.1 and checks each metric against what was sent.
// On PostgreSQL the storage size is the database's.
func TestMetricsCountWhatTheServerDid(t *testing.T) {
	forBackends(t, testMetricsCount)
}

// meteredAPI serves the API over st on 127.0.0.1, with metrics served
// apart, until the test ends, and returns the token of its one user,
// the rep ann, and the URLs of the API and of the metrics.
func meteredAPI(t *testing.T, st server.Storage) (ann, api, metrics string) {
	t.Helper()
	svc := &server.Service{Store: st}
	ann, err := svc.AddUser(context.Background(), "ann", server.RoleRep)
	if err != nil {
		t.Fatal(err)
	}
	m := server.NewMetrics(st, nil)
	apiSrv := httptest.NewServer(server.Handler(svc, server.Options{Metrics: m, Rate: 1e6, Burst: 1e6}))
	t.Cleanup(apiSrv.Close)
	metricsSrv := httptest.NewServer(m)
	t.Cleanup(metricsSrv.Close)
	return ann, apiSrv.URL, metricsSrv.URL
}

func testMetricsCount(t *testing.T, b backend) {
	dir := t.TempDir()
	st := b.open(t, dir)
	defer st.Close()
	ann, api, metrics := meteredAPI(t, st)

	before := scrape(t, metrics)
	if before[`fieldcrm_active_users`] != 0 || before[`fieldcrm_pull_bytes_total`] != 0 {
		t.Fatalf("a new server has counts: %v", before)
	}

	// Two good ops, one sent twice, one owned by someone else, one from
	// a clock a day ahead, one that is not an op.
	good1, good2 := rawOp(t, "ann", time.Now()), rawOp(t, "ann", time.Now())
	push := func(ops ...json.RawMessage) {
		body, _ := json.Marshal(map[string]any{"ops": ops})
		if code, _ := do(t, "POST", api+"/v1/push", ann, body); code != 200 {
			t.Fatalf("push: %d", code)
		}
	}
	push(good1, good2, rawOp(t, "bob", time.Now()))
	push(good1, rawOp(t, "ann", time.Now().Add(24*time.Hour)), json.RawMessage(`{"op_id":"x"}`))
	var pulled int
	for range 3 {
		code, n := do(t, "GET", api+"/v1/pull?cursor=0", ann, nil)
		if code != 200 {
			t.Fatalf("pull: %d", code)
		}
		pulled += n
	}
	do(t, "GET", api+"/v1/pull?cursor=0", "not-a-token", nil)
	do(t, "GET", api+"/v1/health", "", nil)
	do(t, "GET", api+"/no/such/thing", "", nil)
	// A client that takes packed answers, as fieldcrm does: counted the same.
	body, _ := json.Marshal(map[string]any{"ops": []json.RawMessage{rawOp(t, "ann", time.Now())}})
	req, _ := http.NewRequest("POST", api+"/v1/push", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ann)
	req.Header.Set("Accept", wire.PackType+", application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wire.PackType {
		t.Fatalf("a push that takes packed answers: %d, %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	got := scrape(t, metrics)
	if _, bolt := st.(*server.BoltStorage); bolt {
		fi, err := os.Stat(filepath.Join(dir, "server", "server.db")) // boltBackend keeps it in dir/server
		if err != nil {
			t.Fatal(err)
		}
		if got[`fieldcrm_storage_bytes`] != float64(fi.Size()) {
			t.Errorf("storage bytes %v, the file has %d", got[`fieldcrm_storage_bytes`], fi.Size())
		}
	} else if got[`fieldcrm_storage_bytes`] < 1<<20 {
		t.Errorf("storage bytes %v: less than an empty PostgreSQL database", got[`fieldcrm_storage_bytes`])
	}
	want := map[string]float64{
		`fieldcrm_http_requests_total{route="/v1/push",code="200"}`:     3,
		`fieldcrm_http_requests_total{route="/v1/pull",code="200"}`:     3,
		`fieldcrm_http_requests_total{route="/v1/pull",code="401"}`:     1,
		`fieldcrm_http_requests_total{route="/v1/health",code="200"}`:   1,
		`fieldcrm_http_requests_total{route="other",code="404"}`:        1,
		`fieldcrm_push_ops_total{result="applied",reason=""}`:           3,
		`fieldcrm_push_ops_total{result="duplicate",reason=""}`:         1,
		`fieldcrm_push_ops_total{result="refused",reason="forbidden"}`:  1,
		`fieldcrm_push_ops_total{result="refused",reason="clock"}`:      1,
		`fieldcrm_push_ops_total{result="refused",reason="invalid"}`:    1,
		`fieldcrm_push_ops_total{result="refused",reason="quota"}`:      0,
		`fieldcrm_sync_duration_seconds_count{route="push"}`:            3,
		`fieldcrm_sync_duration_seconds_bucket{route="push",le="+Inf"}`: 3,
		`fieldcrm_sync_duration_seconds_count{route="pull"}`:            4,
		`fieldcrm_active_users`: 1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// The pull bytes are those of the three answers and the refusal.
	if b := got[`fieldcrm_pull_bytes_total`]; b <= float64(pulled) || b > float64(pulled)+300 {
		t.Errorf("pull bytes %v; the three answers were %d bytes, the refusal a few more", b, pulled)
	}
	// Buckets are cumulative and end at the count.
	for _, route := range []string{"push", "pull"} {
		prev := -1.0
		for _, le := range []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf"} {
			v, ok := got[fmt.Sprintf(`fieldcrm_sync_duration_seconds_bucket{route=%q,le=%q}`, route, le)]
			if !ok || v < prev {
				t.Errorf("%s bucket le=%s: %v after %v", route, le, v, prev)
			}
			prev = v
		}
		if got[fmt.Sprintf(`fieldcrm_sync_duration_seconds_sum{route=%q}`, route)] <= 0 {
			t.Errorf("%s: no time summed", route)
		}
	}
}

// TestServeMetricsOnTheirOwnAddress runs Serve: /metrics answers on
// --metrics-addr and not on the API's address.
func TestServeMetricsOnTheirOwnAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	maddr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, server.Config{Dir: t.TempDir(), Addr: "127.0.0.1:0", MetricsAddr: maddr, NoSync: true,
			Ready: func(url string) { ready <- url }})
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not start in 20 s")
	}
	if code, _ := do(t, "GET", url+"/v1/health", "", nil); code != 200 {
		t.Fatalf("health: %d", code)
	}
	got := scrape(t, "http://"+maddr+"/metrics")
	if got[`fieldcrm_http_requests_total{route="/v1/health",code="200"}`] != 1 {
		t.Errorf("the health request was not counted: %v", got)
	}
	if code, _ := do(t, "GET", url+"/metrics", "", nil); code != http.StatusNotFound {
		t.Errorf("the API's address answers /metrics with %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop in 20 s")
	}
}

// TestMetricsReadCompressedPushAnswers: an answer large enough to be
// compressed for the laptop, in zstd or gzip, is still read for its per-op
// results.
func TestMetricsReadCompressedPushAnswers(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ann, api, metrics := meteredAPI(t, st)
	for i, coding := range []string{wire.Gzip, wire.Zstd} {
		ops := make([]json.RawMessage, 60)
		for i := range ops {
			ops[i] = rawOp(t, "ann", time.Now())
		}
		body, _ := json.Marshal(map[string]any{"ops": ops})
		req, _ := http.NewRequest("POST", api+"/v1/push", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+ann)
		req.Header.Set("Accept-Encoding", coding) // set by hand, so the client does not undo it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != coding {
			t.Fatalf("push: %s, Content-Encoding %q; want a %s answer", resp.Status, resp.Header.Get("Content-Encoding"), coding)
		}
		if got := scrape(t, metrics)[`fieldcrm_push_ops_total{result="applied",reason=""}`]; got != float64(60*(i+1)) {
			t.Fatalf("applied ops counted from the %s answers: %v, want %d", coding, got, 60*(i+1))
		}
	}
}
