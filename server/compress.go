package server

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/fieldcrm/fieldcrm/wire"
)

// Compression of request and answer bodies (issue 15, docs/protocol.md).
//
// Every answer says "Accept-Encoding: zstd, gzip" (RFC 9110, 12.5.3: a
// server names the codings it takes in requests): a client compresses its
// pushes only after it has seen that, and only in a coding named, so a new
// client never sends an old server what it cannot read. An answer is
// compressed in the coding the request weighs most (wire.PreferredCoding);
// Go's HTTP client asks for gzip by itself and undoes it, so old clients
// keep working.
//
// zstd (wire/coding.go says how it is set and what it measured) came
// after gzip and is preferred: on the packed pages of a fresh pull it
// makes 7% fewer bytes than gzip for a fifth of the CPU. gzip stays for
// clients and servers from before it. gzip is the standard library's at
// its default level (6): on a fresh pull of 10,000 leads (120 MB as JSON)
// level 6 sends 14.1 MB for 0.90 s of CPU, BestSpeed 18.3 MB for 0.46 s
// (BENCHMARKS.md, "Compact wire and file"; BenchmarkWireCompression).
// github.com/klauspost/compress's gzip, in place of it on both ends, saved
// about 0.5-1 CPU-s of a first push and 0.4 of a fresh pull at its level 6
// for 3.4% more bytes, and at level 9 sent 0.7% fewer bytes for more CPU
// than this (BENCHMARKS.md, "The typed decode of a record's plain
// fields"); the same library's zstd is what won (BENCHMARKS.md, "zstd on
// the wire").

// minCompress is the smallest answer worth compressing: below one packet it
// saves nothing on the wire.
const minCompress = 1400

// compressed decompresses gzip and zstd request bodies within the body cap
// and compresses answers for clients that ask for either.
func compressed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Accept-Encoding", wire.Zstd+", "+wire.Gzip)
		// and packed pushes, their ops embedded whole too (pack.go)
		w.Header().Set(wire.AcceptHeader, wire.PackType+";"+wire.PackEmbed+"=1")
		// The compressed bytes are capped as a plain body is, and the
		// handler's own MaxBytesReader caps what they inflate to: a bomb
		// is refused 413 once it passes wire.MaxBodyBytes, having cost no
		// more memory than a plain body may.
		switch enc := strings.TrimSpace(strings.ToLower(r.Header.Get("Content-Encoding"))); enc {
		case "", "identity":
		case wire.Gzip:
			zr, err := gzip.NewReader(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes))
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", "the request body says it is gzip but is not")
				return
			}
			inflate(r, zr)
		case wire.Zstd:
			zr, err := wire.NewZstdReader(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes))
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", "the request body says it is zstd but is not")
				return
			}
			defer zr.Release() // the handler is done with the body when it returns
			inflate(r, zr)
		default:
			writeError(w, http.StatusUnsupportedMediaType, "bad_request",
				fmt.Sprintf("the request body is encoded as %.40q; the server takes zstd, gzip or none", enc))
			return
		}
		coding := wire.PreferredCoding(r.Header.Get("Accept-Encoding"))
		if coding == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Accept-Encoding")
		cw := &compressWriter{ResponseWriter: w, coding: coding}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// inflate makes r's body read through rd, which decompresses it.
func inflate(r *http.Request, rd io.Reader) {
	r.Body = &inflated{rd: rd, raw: r.Body}
	r.Header.Del("Content-Encoding")
	r.ContentLength = -1
}

// inflated is a request body read through gzip or zstd; a corrupt stream
// reads as an error, which the handler answers as an unreadable body.
type inflated struct {
	rd  io.Reader
	raw io.ReadCloser
}

func (b *inflated) Read(p []byte) (int, error) { return b.rd.Read(p) }
func (b *inflated) Close() error               { return b.raw.Close() }

// gzipWriters keeps compressors between answers: each holds about a
// megabyte of tables that would otherwise be allocated per answer.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// compressWriter compresses an answer in coding once its first write
// shows it is worth it; the handlers write a whole answer at once
// (writeJSON).
type compressWriter struct {
	http.ResponseWriter
	coding  string
	code    int
	decided bool
	zw      io.WriteCloser // a *gzip.Writer from gzipWriters, or a *wire.ZstdWriter
}

func (w *compressWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.decided = true
		if w.code == 0 {
			w.code = http.StatusOK
		}
		if len(b) >= minCompress && w.Header().Get("Content-Encoding") == "" {
			w.Header().Set("Content-Encoding", w.coding)
			w.Header().Del("Content-Length")
			if w.coding == wire.Zstd {
				w.zw = wire.NewZstdWriter(w.ResponseWriter)
			} else {
				zw := gzipWriters.Get().(*gzip.Writer)
				zw.Reset(w.ResponseWriter)
				w.zw = zw
			}
		}
		w.ResponseWriter.WriteHeader(w.code)
	}
	if w.zw != nil {
		return w.zw.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// close ends the compressed stream, or sends a header no write has sent.
func (w *compressWriter) close() {
	switch {
	case w.zw != nil:
		_ = w.zw.Close() // a ZstdWriter gives its encoder back
		if zw, ok := w.zw.(*gzip.Writer); ok {
			gzipWriters.Put(zw)
		}
	case !w.decided && w.code != 0:
		w.ResponseWriter.WriteHeader(w.code)
	}
}
