package server

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Packed bodies (issue 15, docs/protocol.md "Compression"): pushes and
// pull answers may travel as wire.PackType, their JSON passed through
// jsonpack.Pack, with zstd or gzip on top. On the demo book's bodies gzip
// then sends about 1.4 times fewer bytes than gzip of the JSON, and has
// 2.7 times fewer bytes to compress (BENCHMARKS.md). compressed says in every
// answer that the server takes packed pushes (wire.AcceptHeader), and
// pushes whose ops are packed each on its own (wire.PackEmbed: the push
// handler reads them with wire.DecodeEmbeddedPush and the log keeps them
// as they came); the push and pull answers are packed for requests that
// accept the type.

// mediaType returns the media type of a Content-Type or Accept element,
// lower case, without parameters.
func mediaType(v string) string {
	t, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// acceptsPack reports whether a request's Accept headers take
// wire.PackType (and do not refuse it with q=0), and whether they say
// that the client reads values embedded in it (wire.PackEmbed).
func acceptsPack(r *http.Request) (pack, embed bool) {
	for _, h := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(h, ",") {
			if mediaType(part) != wire.PackType {
				continue
			}
			_, params, err := mime.ParseMediaType(part)
			if err != nil {
				return false, false
			}
			embed = params[wire.PackEmbed] == "1"
			q, ok := params["q"]
			if !ok {
				return true, embed
			}
			v, err := strconv.ParseFloat(q, 64)
			ok = err == nil && v > 0
			return ok, ok && embed
		}
	}
	return false, false
}

// packedAnswer is an answer that packs itself, with values embedded
// (PullPage.AppendPacked).
type packedAnswer interface {
	AppendPacked(dst []byte) ([]byte, error)
}

// pushIsPacked says whether a push body is wire.PackType, or JSON (also
// when no Content-Type is given, as old clients may); ok is false for
// any other type.
func pushIsPacked(r *http.Request) (packed, ok bool) {
	switch mediaType(r.Header.Get("Content-Type")) {
	case "", "application/json":
		return false, true
	case wire.PackType:
		return true, true
	}
	return false, false
}

// unpackPush returns the JSON of a packed push body. Its JSON is held to
// the cap a plain body has: a small body that unpacks past it is refused
// (jsonpack.ErrTooLarge) having grown no more than the cap allows.
func unpackPush(body []byte) ([]byte, error) {
	return jsonpack.UnpackMax(make([]byte, 0, min(4*len(body)+1024, wire.MaxBodyBytes)), body, wire.MaxBodyBytes)
}

// packBuffers keeps the buffers packed answers are written into: a pull
// page of 8 MB packs to about 3 MB. One that is too small is replaced by
// one of half the JSON, rather than grown by Pack's appends (on a page of
// 5,000 changes, 10 MB allocated less: BenchmarkPullPage).
var packBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writeAnswer writes v as writeJSON does, or packed when the request
// accepts wire.PackType. The packed form is of the JSON without
// writeJSON's newline, which Pack would decline.
func writeAnswer(w http.ResponseWriter, r *http.Request, code int, v any) {
	w.Header().Add("Vary", "Accept")
	pack, embed := acceptsPack(r)
	if !pack {
		writeJSON(w, code, v)
		return
	}
	buf := packBuffers.Get().(*[]byte)
	defer packBuffers.Put(buf)
	embedded := false
	if pa, ok := v.(packedAnswer); ok && embed {
		// A pull page's ops go out as the log stores them: neither
		// unpacked nor packed again (on the demo book's fresh pull, about
		// 0.3 of the server's 0.9 CPU-s; BENCHMARKS.md). A page with an
		// op that cannot be embedded (pushed as JSON with spaces, which
		// the log keeps as it came) goes out packed whole, as to any
		// client: one push must not stop others' pulls.
		out, err := pa.AppendPacked((*buf)[:0])
		if embedded = err == nil; embedded {
			*buf = out
		}
	}
	if !embedded {
		data, err := marshalAnswer(v)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "the server could not encode its answer")
			return
		}
		if cap(*buf) < len(data)/2 {
			*buf = make([]byte, 0, len(data)/2)
		}
		*buf = jsonpack.Pack((*buf)[:0], data)
	}
	w.Header().Set("Content-Type", wire.PackType)
	w.WriteHeader(code)
	_, _ = w.Write(*buf)
}
