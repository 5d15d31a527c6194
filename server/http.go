package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"github.com/fieldcrm/fieldcrm/wire"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options tune the HTTP API.
type Options struct {
	// Logger gets one line per request; nil discards.
	Logger *slog.Logger
	// Rate and Burst limit requests per token (per address without one):
	// Rate per second on average, Burst at once. Zero means 50 and 200.
	Rate  float64
	Burst float64
}

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
	h := &api{svc: svc, log: opts.Logger, limiter: newLimiter(opts.Rate, opts.Burst)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", h.health)
	mux.HandleFunc("GET /v1/whoami", h.authed(h.whoami))
	mux.HandleFunc("POST /v1/push", h.authed(h.push))
	mux.HandleFunc("GET /v1/pull", h.authed(h.pull))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "there is no "+r.Method+" "+r.URL.Path+" here; the API is /v1/push, /v1/pull, /v1/health")
	})
	return h.logged(mux)
}

type api struct {
	svc     *Service
	log     *slog.Logger
	limiter *limiter
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

// authed checks the bearer token and the rate limit, then calls next with
// the token's user.
func (h *api) authed(next func(http.ResponseWriter, *http.Request, User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		key := ""
		if ok && secret != "" {
			sum := sha256.Sum256([]byte(secret))
			key = string(sum[:16])
		} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			key = "addr:" + host
		}
		if !h.limiter.allow(key) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests with this token; wait a moment and try again")
			return
		}
		if !ok || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fieldcrm"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "a bearer token is required; run 'fieldcrm login'")
			return
		}
		u, err := h.svc.Authenticate(r.Context(), secret)
		if errors.Is(err, ErrBadToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fieldcrm"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		}
		if err != nil {
			h.internal(w, r, err)
			return
		}
		info(r).user = u.Name
		next(w, r, u)
	}
}

func (h *api) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		writeError(w, 499, "canceled", "the request was canceled")
		return
	}
	h.log.Error("request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "the server could not complete the request; try again later")
}

func (h *api) health(w http.ResponseWriter, r *http.Request) {
	var epoch string
	err := h.svc.Store.View(r.Context(), func(tx Tx) error {
		var err error
		epoch, err = tx.Epoch()
		return err
	})
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Health{Status: "ok", Epoch: epoch})
}

func (h *api) whoami(w http.ResponseWriter, r *http.Request, u User) {
	writeJSON(w, http.StatusOK, wire.WhoAmI{User: u.Name, Role: u.Role})
}

func (h *api) push(w http.ResponseWriter, r *http.Request, u User) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "bad_request", "the body must be JSON (Content-Type: application/json)")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than the server accepts; push fewer ops at once")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the request body could not be read")
		return
	}
	req, err := wire.DecodePushRequest(body)
	if err != nil {
		code := http.StatusBadRequest
		if len(body) > wire.MaxPushBytes {
			code = http.StatusRequestEntityTooLarge
		}
		writeError(w, code, "bad_request", err.Error())
		return
	}
	info(r).ops = len(req.Ops)
	resp, err := h.svc.Push(r.Context(), u, req.Ops)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h *api) pull(w http.ResponseWriter, r *http.Request, u User) {
	q, err := wire.ParsePullQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	resp, err := h.svc.Pull(r.Context(), u, q.Cursor, q.Limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	info(r).ops = len(resp.Changes)
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var data []byte
	var err error
	if m, ok := v.(json.Marshaler); ok {
		data, err = m.MarshalJSON() // as is: json.Marshal would compact it again
	} else {
		data, err = json.Marshal(v)
	}
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

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.swept) > time.Minute {
		// Forget idle keys so the map cannot grow without bound.
		for k, b := range l.buckets {
			if now.Sub(b.last) > time.Minute {
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
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
