package server

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/fieldcrm/fieldcrm/wire"
)

// Compression of request and answer bodies (issue 15, docs/protocol.md).
//
// Every answer says "Accept-Encoding: gzip" (RFC 9110, 12.5.3: a server
// names the codings it takes in requests): a client compresses its pushes
// only after it has seen that, so a new client never sends gzip to an old
// server. An answer is compressed when the request asked for gzip; Go's
// HTTP client asks by itself and undoes it, so old clients keep working.
//
// The standard library's gzip at its default level (6). On a fresh pull
// of 10,000 leads (120 MB as JSON) level 6 sends 14.1 MB for 0.90 s of
// CPU, BestSpeed 18.3 MB for 0.46 s: a fifth fewer bytes for field
// laptops on mobile networks is worth half a second of the server's CPU
// once per new laptop (BENCHMARKS.md, "Compact wire and file";
// BenchmarkWireCompression). github.com/klauspost/compress v1.20.5, in
// place of it on both ends, saved about 0.5-1 CPU-s of a first push and
// 0.4 of a fresh pull at its level 6 for 3.4% more bytes, and at level 9 sent
// 0.7% fewer bytes for more CPU than this (BENCHMARKS.md, "The typed
// decode of a record's plain fields"): no win on a slow network, where
// the bytes cost the time the CPU saves.

// minGzip is the smallest answer worth compressing: below one packet it
// saves nothing on the wire.
const minGzip = 1400

// gzipped decompresses gzip request bodies within the body cap and
// compresses answers for clients that ask for it.
func gzipped(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Accept-Encoding", "gzip")
		w.Header().Set(wire.AcceptHeader, wire.PackType) // and packed pushes (pack.go)
		switch enc := strings.TrimSpace(strings.ToLower(r.Header.Get("Content-Encoding"))); enc {
		case "", "identity":
		case "gzip":
			// The compressed bytes are capped as a plain body is, and the
			// handler's own MaxBytesReader caps what they inflate to: a
			// gzip bomb is refused 413 once it passes wire.MaxBodyBytes,
			// having cost no more memory than a plain body may.
			zr, err := gzip.NewReader(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes))
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", "the request body says it is gzip but is not")
				return
			}
			r.Body = &gunzipBody{zr: zr, raw: r.Body}
			r.Header.Del("Content-Encoding")
			r.ContentLength = -1
		default:
			writeError(w, http.StatusUnsupportedMediaType, "bad_request",
				fmt.Sprintf("the request body is encoded as %.40q; the server takes gzip or none", enc))
			return
		}
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Accept-Encoding")
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip (and
// does not refuse it with q=0).
func acceptsGzip(h string) bool {
	for part := range strings.SplitSeq(h, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// gunzipBody is a request body read through gzip; a corrupt stream reads
// as an error, which the handler answers as an unreadable body.
type gunzipBody struct {
	zr  *gzip.Reader
	raw io.ReadCloser
}

func (b *gunzipBody) Read(p []byte) (int, error) { return b.zr.Read(p) }
func (b *gunzipBody) Close() error               { return b.raw.Close() }

// gzipWriters keeps compressors between answers: each holds about a
// megabyte of tables that would otherwise be allocated per answer.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// gzipWriter compresses an answer once its first write shows it is worth
// it; the handlers write a whole answer at once (writeJSON).
type gzipWriter struct {
	http.ResponseWriter
	code    int
	decided bool
	zw      *gzip.Writer
}

func (w *gzipWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.decided = true
		if w.code == 0 {
			w.code = http.StatusOK
		}
		if len(b) >= minGzip && w.Header().Get("Content-Encoding") == "" {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Del("Content-Length")
			w.zw = gzipWriters.Get().(*gzip.Writer)
			w.zw.Reset(w.ResponseWriter)
		}
		w.ResponseWriter.WriteHeader(w.code)
	}
	if w.zw != nil {
		return w.zw.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// close ends the gzip stream, or sends a header no write has sent.
func (w *gzipWriter) close() {
	switch {
	case w.zw != nil:
		_ = w.zw.Close()
		gzipWriters.Put(w.zw)
	case !w.decided && w.code != 0:
		w.ResponseWriter.WriteHeader(w.code)
	}
}
