package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Metrics counts what the server does, for /metrics in the Prometheus
// text format (version 0.0.4).
//
// It is written here rather than taken from a library because the server
// is linked into the one fieldcrm binary that every laptop runs, and a
// library's package initialisation runs at every start of every command.
// Measured on the 2-core machine (BENCHMARKS.md, "Metrics library";
// scripts/bench-metrics-libs.sh), against the same commit without a
// library: github.com/prometheus/client_golang v1.25.0 makes each command
// 0.4-0.7 ms slower (protobuf, procfs and its default registry initialise:
// 229 KB and 1,640 allocations) and the binary 2.5 MB larger;
// github.com/VictoriaMetrics/metrics v1.45.0 0.2-0.3 ms slower (it reads
// cgroup and pressure files as it initialises: 44 KB and 256
// allocations) and 0.1 MB larger; a whole `fieldcrm today` takes 6-9 ms.
// The client must not get slower, and the few counters and histograms
// below need neither, so neither is linked: this file adds nothing to a
// laptop's start-up (its state is made only by `fieldcrm serve
// --metrics-addr`).
type Metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status code
	latency  map[string]*histogram
	ops      map[[2]string]uint64 // result, reason
	pulled   uint64               // bytes of pull answers
	seen     map[string]time.Time // user -> last authenticated request
	started  time.Time
	// size reads the bytes the storage takes; nil when unknown.
	size func(ctx context.Context) (int64, error)
	now  func() time.Time
	// sources are the fronts' own lines (front.go).
	sources []func(io.Writer)
}

// ActiveWindow is how recently a user must have made a request to count
// as active.
const ActiveWindow = 15 * time.Minute

// latencyBuckets are the upper bounds, in seconds, of the push and pull
// latency histograms: from a small push on bbolt to a fresh pull of a
// large book.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
}

// NewMetrics returns empty metrics over st, whose size it reports.
func NewMetrics(st Storage, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	return &Metrics{
		requests: map[[2]string]uint64{},
		latency:  map[string]*histogram{},
		ops:      map[[2]string]uint64{},
		seen:     map[string]time.Time{},
		started:  now(),
		size:     storageSize(st),
		now:      now,
	}
}

// storageSize returns how to read the bytes st takes on disk: the bbolt
// file's size, or PostgreSQL's size of the database.
func storageSize(st Storage) func(ctx context.Context) (int64, error) {
	switch s := st.(type) {
	case *BoltStorage:
		return func(context.Context) (int64, error) {
			fi, err := os.Stat(s.db.Path())
			if err != nil {
				return 0, err
			}
			return fi.Size(), nil
		}
	case *PGStorage:
		return func(ctx context.Context) (int64, error) {
			var n int64
			err := s.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
			return n, err
		}
	}
	return nil
}

// instrument counts every request next answers. A nil *Metrics counts
// nothing and returns next as it is.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := m.now()
		// Only a push's answer is read back, for its per-op results.
		cw := &countingWriter{ResponseWriter: w, keep: r.Method == http.MethodPost && r.URL.Path == "/v1/push"}
		defer func() {
			// The mux sets r.Pattern on this very request.
			m.observe(routeName(r.Pattern), cw, m.now().Sub(start), info(r).user)
		}()
		next.ServeHTTP(cw, r)
	})
}

// routeName is the mux pattern without its method, so the label's values
// are as few as the routes; requests no route matched count as "other".
func routeName(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if pattern == "" || pattern == "/" {
		return "other"
	}
	return pattern
}

func (m *Metrics) observe(route string, cw *countingWriter, took time.Duration, user string) {
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	var results []opResult
	if cw.keep && status == http.StatusOK {
		results = pushResults(cw.body.Bytes(), cw.Header().Get("Content-Encoding"))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, strconv.Itoa(status)}]++
	if name := syncRoute(route); name != "" {
		h := m.latency[name]
		if h == nil {
			h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
			m.latency[name] = h
		}
		secs := took.Seconds()
		i, _ := slices.BinarySearch(latencyBuckets, secs)
		h.counts[i]++
		h.sum += secs
		if name == "pull" {
			m.pulled += uint64(cw.bytes)
		}
	}
	for _, res := range results {
		switch res.Status {
		case "rejected":
			m.ops[[2]string{"refused", refusalKind(res.Reason)}]++
		case "applied", "duplicate":
			m.ops[[2]string{res.Status, ""}]++
		}
	}
	if user != "" {
		m.seen[user] = m.now()
	}
}

// syncRoute names the routes whose latency is kept, "" for the others.
// (A switch, not a map: a package-level map is built at every start of
// every command.)
func syncRoute(route string) string {
	switch route {
	case "/v1/push":
		return "push"
	case "/v1/pull":
		return "pull"
	}
	return ""
}

type opResult struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// pushResults reads the per-op results of a push answer. Reading the
// answer back keeps the push handler free of metrics; it costs one
// decode of a body the server has just encoded, small beside the checks
// each op went through.
func pushResults(body []byte, encoding string) []opResult {
	data, err := wire.Decompress(encoding, body)
	if err != nil {
		return nil
	}
	// A client that takes packed answers gets one (pack.go); JSON reads
	// back as it is.
	if data, err = jsonpack.Unpack(nil, data); err != nil {
		return nil
	}
	var resp struct {
		Results []opResult `json:"results"`
	}
	if json.Unmarshal(data, &resp) != nil {
		return nil
	}
	return resp.Results
}

// refusalKind sorts a refused op's reason, a sentence for the user, into
// one of a few kinds, so that the label has few values: clock (the
// device's clock is ahead), quota (the user's storage or a record is
// full), forbidden (the user may not make that change) or invalid.
func refusalKind(reason string) string {
	switch {
	case strings.Contains(reason, "ahead of the server's"):
		return "clock"
	case strings.Contains(reason, "each user may store"), strings.Contains(reason, "may hold at most"):
		return "quota"
	case strings.Contains(reason, "only a manager"), strings.Contains(reason, "must be you"),
		strings.Contains(reason, "may not"), strings.Contains(reason, "could no longer see"):
		return "forbidden"
	}
	return "invalid"
}

// countingWriter remembers the status and size of an answer and, when
// keep is set, its body.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	keep   bool
	body   bytes.Buffer
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.keep {
		w.body.Write(b)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var size int64 = -1
	if m.size != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		if n, err := m.size(ctx); err == nil {
			size = n
		}
		cancel()
	}
	var buf bytes.Buffer
	m.write(&buf, size)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// write writes every metric to w; size < 0 leaves the storage size out.
func (m *Metrics) write(w io.Writer, size int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()

	header(w, "fieldcrm_http_requests_total", "counter", "Requests answered, by route and HTTP status code.")
	for _, k := range sortedKeys(m.requests) {
		fmt.Fprintf(w, "fieldcrm_http_requests_total{route=%s,code=%s} %d\n", quote(k[0]), quote(k[1]), m.requests[k])
	}

	header(w, "fieldcrm_sync_duration_seconds", "histogram", "Time to answer a push or a pull, by route.")
	for _, name := range []string{"push", "pull"} {
		h := m.latency[name]
		if h == nil {
			h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		}
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "fieldcrm_sync_duration_seconds_bucket{route=%q,le=%q} %d\n", name, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		cum += h.counts[len(latencyBuckets)]
		fmt.Fprintf(w, "fieldcrm_sync_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", name, cum)
		fmt.Fprintf(w, "fieldcrm_sync_duration_seconds_sum{route=%q} %s\n", name, strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(w, "fieldcrm_sync_duration_seconds_count{route=%q} %d\n", name, cum)
	}

	header(w, "fieldcrm_push_ops_total", "counter", "Pushed changes by result (applied, duplicate, refused) and, when refused, the kind of reason (clock, quota, forbidden, invalid).")
	for _, result := range []string{"applied", "duplicate"} {
		fmt.Fprintf(w, "fieldcrm_push_ops_total{result=%q,reason=\"\"} %d\n", result, m.ops[[2]string{result, ""}])
	}
	for _, kind := range []string{"clock", "quota", "forbidden", "invalid"} {
		fmt.Fprintf(w, "fieldcrm_push_ops_total{result=\"refused\",reason=%q} %d\n", kind, m.ops[[2]string{"refused", kind}])
	}

	header(w, "fieldcrm_pull_bytes_total", "counter", "Bytes of pull answers sent (compressed, when the client takes zstd or gzip).")
	fmt.Fprintf(w, "fieldcrm_pull_bytes_total %d\n", m.pulled)

	active := 0
	for u, t := range m.seen {
		if now.Sub(t) > ActiveWindow {
			delete(m.seen, u) // so the map holds only the users of the window
			continue
		}
		active++
	}
	header(w, "fieldcrm_active_users", "gauge", "Users with a request in the last 15 minutes.")
	fmt.Fprintf(w, "fieldcrm_active_users %d\n", active)

	if size >= 0 {
		header(w, "fieldcrm_storage_bytes", "gauge", "Bytes the data takes: the bbolt file, or the PostgreSQL database.")
		fmt.Fprintf(w, "fieldcrm_storage_bytes %d\n", size)
	}

	header(w, "fieldcrm_start_time_seconds", "gauge", "When this server process started, in seconds since 1970.")
	fmt.Fprintf(w, "fieldcrm_start_time_seconds %d\n", m.started.Unix())
	for _, write := range m.sources {
		write(w)
	}
}

func header(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// quote writes a label value as the text format wants it: backslash,
// double quote and newline escaped.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func sortedKeys[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return keys
}

// serveMetrics serves /metrics on cfg.MetricsAddr, a listener of its own:
// the API's port faces the laptops, often the internet, while the
// metrics are for the operator's Prometheus on the inside, so they are
// reachable only where that address is (loopback or a private network)
// and no token has to be handed out or rotated for them. Without
// MetricsAddr it returns no metrics and counts nothing.
func serveMetrics(cfg Config, st Storage) (*Metrics, func(), error) {
	if cfg.MetricsAddr == "" {
		return nil, func() {}, nil
	}
	m := NewMetrics(st, cfg.Now)
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	cfg.Logger.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	return m, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
