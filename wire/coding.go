package wire

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Content codings of request and answer bodies (docs/protocol.md). A
// server since zstd names both in the Accept-Encoding of every answer; a
// client sends a push in the first of them the server named, and asks
// for answers in either.
//
// zstd is github.com/klauspost/compress/zstd at its default level with a
// window of 1 MiB. On the packed pull pages of the demo book of 10,000
// leads it makes 9.43 MB in 0.18 CPU-s where gzip at its default level
// makes 10.11 MB in 0.85, and reads them back in 0.05 CPU-s where gzip
// takes 0.11; a larger window, or its better level (9.15 MB, 0.24 CPU-s),
// gains too little to be worth the memory or the time (BENCHMARKS.md,
// "zstd on the wire"; BenchmarkWireCompression). A stream's encoder holds
// 2.6 MB where gzip's holds 0.8; encoders and decoders are pooled.
const (
	Zstd = "zstd"
	Gzip = "gzip"
)

// MaxZstdWindow is the largest window a zstd body may ask its reader to
// keep: the 8 MiB every decoder is to support (RFC 8878, 3.1.1.1.2).
// Ours write 1 MiB; a frame that asks for more is refused as damaged
// rather than costing the reader its memory.
const MaxZstdWindow = 8 << 20

// PreferredCoding returns the coding an answer goes in for a request
// whose Accept-Encoding is h: zstd or gzip, whichever h weighs more (zstd
// when they weigh the same), or "" when h takes neither. A coding with
// q=0 is refused. "*" stands for gzip when h does not name it, never for
// zstd: a client that says "*" gets what every HTTP library reads.
func PreferredCoding(h string) string {
	q := codingWeights(h)
	switch {
	case q[0] <= 0 && q[1] <= 0:
		return ""
	case q[0] >= q[1]:
		return Zstd
	}
	return Gzip
}

// Takes reports whether Accept-Encoding values (of an answer: the codings
// a server takes in requests) take coding, one of Zstd and Gzip.
func Takes(values []string, coding string) bool {
	q := codingWeights(strings.Join(values, ","))
	if coding == Zstd {
		return q[0] > 0
	}
	return q[1] > 0
}

// codingWeights returns the weights an Accept-Encoding header gives zstd
// and gzip: 1 when it names them without q, 0 when it does not name them.
func codingWeights(h string) [2]float64 {
	var q [2]float64
	var named [2]bool
	star := 0.0
	for part := range strings.SplitSeq(h, ",") {
		coding, params, _ := strings.Cut(part, ";")
		weight := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			// A weight is from 0 to 1 (RFC 9110, 12.4.2); anything else,
			// NaN included, refuses the coding.
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || !(f >= 0 && f <= 1) {
				f = 0
			}
			weight = f
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case Zstd:
			q[0], named[0] = weight, true
		case Gzip, "x-gzip":
			q[1], named[1] = weight, true
		case "*":
			star = weight
		}
	}
	if !named[1] {
		q[1] = star
	}
	return q
}

var zstdEncoders = sync.Pool{New: func() any {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1<<20),
		zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true), zstd.WithSingleSegment(false))
	if err != nil {
		panic(err) // the options are constants
	}
	return e
}}

var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(MaxZstdWindow))
	if err != nil {
		panic(err) // the options are constants
	}
	return d
}}

// ZstdAppend appends src, compressed as one zstd frame, to dst.
func ZstdAppend(dst, src []byte) []byte {
	e := zstdEncoders.Get().(*zstd.Encoder)
	defer zstdEncoders.Put(e)
	return e.EncodeAll(src, dst)
}

// ZstdWriter is a zstd stream written to an io.Writer, with an encoder
// kept between streams.
type ZstdWriter struct{ e *zstd.Encoder }

// NewZstdWriter returns a zstd stream written to w. Close ends it and
// gives its encoder back; nothing may be written after.
func NewZstdWriter(w io.Writer) *ZstdWriter {
	e := zstdEncoders.Get().(*zstd.Encoder)
	e.Reset(w)
	return &ZstdWriter{e}
}

func (z *ZstdWriter) Write(p []byte) (int, error) { return z.e.Write(p) }

// Close ends the stream and gives its encoder back.
func (z *ZstdWriter) Close() error {
	if z.e == nil {
		return nil
	}
	err := z.e.Close()
	z.e.Reset(nil)
	zstdEncoders.Put(z.e)
	z.e = nil
	return err
}

// ZstdReader reads a zstd stream from r, keeping no window larger than
// MaxZstdWindow. Release gives its decoder back once nothing reads it
// any more; a read after that fails.
type ZstdReader struct{ d *zstd.Decoder }

// NewZstdReader returns a reader of the zstd stream r.
func NewZstdReader(r io.Reader) (*ZstdReader, error) {
	d := zstdDecoders.Get().(*zstd.Decoder)
	if err := d.Reset(r); err != nil {
		_ = d.Reset(nil)
		zstdDecoders.Put(d)
		return nil, err
	}
	return &ZstdReader{d}, nil
}

func (z *ZstdReader) Read(p []byte) (int, error) {
	if z.d == nil {
		return 0, io.ErrClosedPipe
	}
	return z.d.Read(p)
}

// Release gives the decoder back. It may be called more than once, from
// the goroutine that reads.
func (z *ZstdReader) Release() {
	if z.d == nil {
		return
	}
	_ = z.d.Reset(nil)
	zstdDecoders.Put(z.d)
	z.d = nil
}

// Decompress returns body, sent with Content-Encoding coding (zstd, gzip,
// or none), as it was before. It reads whatever size body inflates to,
// so it is for bodies this process made, not for what comes off the
// network.
func Decompress(coding string, body []byte) ([]byte, error) {
	var rd io.Reader
	switch strings.ToLower(strings.TrimSpace(coding)) {
	case "", "identity":
		return body, nil
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		rd = zr
	case Zstd:
		zr, err := NewZstdReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer zr.Release()
		rd = zr
	default:
		return nil, fmt.Errorf("the coding %.40q is not zstd or gzip", coding)
	}
	return io.ReadAll(rd)
}
