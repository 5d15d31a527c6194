package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Options tune the HTTP API.
type Options struct {
	// Logger gets one line per request; nil discards.
	Logger *slog.Logger
	// Rate and Burst limit requests per token (per address without one):
	// Rate per second on average, Burst at once. Zero means 50 and 200.
	Rate  float64
	Burst float64
	// FailRate and FailBurst limit failed authentications (no token, an
	// unknown or a revoked one) per client address: FailBurst at once,
	// then FailRate per second. While an address has none left, every
	// request from it that needs a token is answered 429 before its token
	// is looked at, so guessing is slowed whatever tokens are tried; a
	// request that authenticates costs nothing, so a busy client is never
	// slowed. Zero means 0.1 (one every 10 s) and 10.
	FailRate  float64
	FailBurst float64
	// TrustedProxies are the networks of the reverse proxies or load
	// balancers in front of the server, if they pass the client's address
	// in X-Forwarded-For: a request from one of them counts against the
	// last address there that is not itself a trusted proxy, so that one
	// client's failures do not lock out everyone behind the balancer.
	// X-Forwarded-For from anyone else is ignored.
	TrustedProxies []netip.Prefix
	// Metrics, when set, counts the requests (metrics.go).
	Metrics *Metrics
}

// Defaults of Options.
const (
	DefaultFailRate  = 0.1
	DefaultFailBurst = 10
)

// Handler returns the sync API over svc.
func Handler(svc *Service, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Rate == 0 {
		opts.Rate = 50
	}
	if opts.Burst == 0 {
		opts.Burst = 200
	}
	if opts.FailRate == 0 {
		opts.FailRate = DefaultFailRate
	}
	if opts.FailBurst == 0 {
		opts.FailBurst = DefaultFailBurst
	}
	h := &api{svc: svc, log: opts.Logger, limiter: newLimiter(opts.Rate, opts.Burst), fails: newLimiter(opts.FailRate, opts.FailBurst),
		proxies: opts.TrustedProxies}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", h.health)
	mux.HandleFunc("GET /v1/whoami", h.authed(h.whoami))
	mux.HandleFunc("POST /v1/push", h.authed(h.push))
	mux.HandleFunc("GET /v1/pull", h.authed(h.namingSettings(h.pull)))
	mux.HandleFunc("POST /v1/invite", h.redeem) // invite_http.go
	mux.HandleFunc("GET /v1/settings", h.authed(h.settings))
	mux.HandleFunc("GET /v1/keys", h.authed(h.listKeys)) // keys_http.go
	mux.HandleFunc("POST /v1/keys", h.authed(h.addKey))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "there is no "+r.Method+" "+r.URL.Path+" here; the API is /v1/push, /v1/pull, /v1/health")
	})
	return h.logged(opts.Metrics.instrument(compressed(mux))) // compress.go
}

type api struct {
	svc     *Service
	log     *slog.Logger
	limiter *limiter // requests per token
	fails   *limiter // failed authentications per client address
	proxies []netip.Prefix
}

// reqInfo collects what the log line says about a request.
type reqInfo struct {
	user string
	ops  int
}

type infoKey struct{}

// statusWriter remembers the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// logged writes one line per request: never the token, never op contents.
func (h *api) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				h.log.Error("panic", "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, "internal", "the server failed on this request; it is logged")
				}
			}
			h.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"user", info.user, "ops", info.ops, "bytes", sw.bytes, "ms", time.Since(start).Milliseconds(),
				"remote", r.RemoteAddr)
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
	})
}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// authed checks the bearer token and the rate limits, then calls next with
// the token's user.
func (h *api) authed(next func(http.ResponseWriter, *http.Request, User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if name, ok := r.Context().Value(inProcessKey{}).(string); ok {
			h.inProcess(w, r, name, next) // keys_http.go: the SSH front's replicas
			return
		}
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		addr := h.clientAddr(r)
		key := "addr:" + addr
		if ok && secret != "" {
			sum := sha256.Sum256([]byte(secret))
			key = string(sum[:16])
		}
		if !h.limiter.allow(key) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests with this token; wait a moment and try again")
			return
		}
		// An address that has used its allowance is refused before its
		// token is looked at, so the answer cannot tell a good guess
		// apart. Only a failure is charged, afterwards: any number of
		// good requests in flight from one address (an office behind
		// one NAT address) pass, and guesses in flight together are
		// each charged, into debt, so they cannot slip past the limit.
		if wait := h.fails.wait(addr); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, http.StatusTooManyRequests, "rate_limited", fmt.Sprintf(
				"too many failed sign-ins from your address; wait %d s and try again (if this device's token was revoked or mistyped, ask your administrator for a new one and run 'fieldcrm login')", secs))
			return
		}
		if !ok || secret == "" {
			h.fails.charge(addr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="fieldcrm"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "a bearer token is required; run 'fieldcrm login'")
			return
		}
		u, err := h.svc.Authenticate(r.Context(), secret)
		if errors.Is(err, ErrBadToken) {
			h.fails.charge(addr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="fieldcrm"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		}
		if err != nil { // the server failed: not the client's doing
			h.internal(w, r, err)
			return
		}
		info(r).user = u.Name
		next(w, r, u)
	}
}

// clientAddr names the client for the failed-authentication limit: its IP
// address (behind trusted proxies, the one they name), or for IPv6 its /64
// network (one host usually holds all of it).
func (h *api) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if h.trusted(ip) {
		// Each proxy appends the address it got the request from: read
		// from the right, past our own proxies, to the first one that
		// is not (what a client wrote further left is not believed).
		var hops []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(v, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			a, err := netip.ParseAddr(hop)
			if err != nil {
				return "forwarded:" + hop
			}
			if ip = a.Unmap(); !h.trusted(ip) {
				break
			}
		}
	}
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

func (h *api) trusted(ip netip.Addr) bool {
	for _, p := range h.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (h *api) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		writeError(w, 499, "canceled", "the request was canceled")
		return
	}
	h.log.Error("request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "the server could not complete the request; try again later")
}

func (h *api) whoami(w http.ResponseWriter, r *http.Request, u User) {
	writeJSON(w, http.StatusOK, wire.WhoAmI{User: u.Name, Role: u.Role})
}

func (h *api) push(w http.ResponseWriter, r *http.Request, u User) {
	packed, ok := pushIsPacked(r) // pack.go
	if !ok {
		writeError(w, http.StatusUnsupportedMediaType, "bad_request",
			"the body must be JSON (Content-Type: application/json) or packed JSON ("+wire.PackType+")")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than the server accepts; push fewer ops at once")
		return
	}
	if err != nil {
		// A damaged compressed body lands here; the decoder's words say
		// how (a zstd window over wire.MaxZstdWindow, a cut stream).
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("the request body could not be read (%.100s)", err))
		return
	}
	var req wire.PushRequest
	var embedded [][]byte // each op as it came, when each came packed on its own
	isEmbedded := false
	if packed {
		req, embedded, isEmbedded, err = wire.DecodeEmbeddedPush(body)
	}
	if !isEmbedded {
		if packed {
			body, err = unpackPush(body)
		}
		if err == nil {
			req, err = wire.DecodePushRequest(body)
		}
	}
	switch {
	case errors.Is(err, jsonpack.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the request body unpacks to more than the server accepts; push fewer ops at once")
		return
	case errors.Is(err, jsonpack.ErrDamaged):
		writeError(w, http.StatusBadRequest, "bad_request", "the request body says it is packed ("+wire.PackType+") but is damaged")
		return
	case errors.Is(err, wire.ErrTooLarge):
		// Over a limit by its bytes or by its count of ops: since the
		// body cap grew to MaxBatchBytes, most oversized pushes are read
		// whole and refused here, not by the MaxBytesReader above.
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", err.Error()+"; push fewer ops at once")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	reach, err := wire.ParseReach(r.Header.Get(wire.ReachHeader))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	info(r).ops = len(req.Ops)
	resp, err := h.svc.pushReach(r.Context(), u, req.Ops, embedded, reach)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeAnswer(w, r, http.StatusOK, resp) // pack.go
}

func (h *api) pull(w http.ResponseWriter, r *http.Request, u User) {
	q, err := wire.ParsePullQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	own, err := wire.ParseOwn(r.Header.Get(wire.OwnHeader))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	resp, err := h.svc.PullOwn(r.Context(), u, q.Cursor, q.Limit, own)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	info(r).ops = len(resp.Changes)
	writeAnswer(w, r, http.StatusOK, resp) // pack.go
}

// marshalAnswer returns the JSON of an answer.
func marshalAnswer(v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		return m.MarshalJSON() // as is: json.Marshal would compact it again
	}
	return json.Marshal(v)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := marshalAnswer(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "the server could not encode its answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

func writeError(w http.ResponseWriter, code int, short, msg string) {
	data, _ := json.Marshal(wire.ErrorBody{Code: short, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// limiter is a token bucket per key.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst, buckets: map[string]*bucket{}}
}

// bucket returns key's bucket filled up to now; l.mu must be held.
func (l *limiter) bucket(key string, now time.Time) *bucket {
	if now.Sub(l.swept) > time.Minute {
		// Forget keys whose buckets have filled up again, so the map
		// cannot grow without bound and a key is never let off early.
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	return b
}

func (l *limiter) allow(key string) bool { return l.take(key) == 0 }

// take spends one of key's tokens and returns 0, or, when it has none,
// how long until it has one again.
func (l *limiter) take(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, time.Now())
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return 0
}

// wait returns 0 when key has a token, else how long until it has one
// again; it spends nothing.
func (l *limiter) wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.bucket(key, time.Now()); b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	return 0
}

// charge spends one of key's tokens even when it has none left: the debt
// is paid back at the rate before wait lets key in again.
func (l *limiter) charge(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, time.Now()).tokens--
}
