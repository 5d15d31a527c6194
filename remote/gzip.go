package remote

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Compression (issue 15, docs/protocol.md): the client asks for gzip
// answers itself, rather than leaving it to Go's transport, so that the
// bytes it reads are the bytes on the wire and its answer cap applies to
// what they inflate to. It compresses a push only once the server has
// said it takes gzip (the Accept-Encoding header of any answer): a server
// from before issue 15 never gets a body it cannot read.
//
// Packing goes under gzip the same way: the client asks for packed
// answers (wire.PackType) and unpacks an answer when, and only when, its
// Content-Type says it is packed; it packs a push only once the server
// has named the type in wire.AcceptHeader. gzip of the packed bytes is
// about 1.4 times smaller than gzip of the JSON (BENCHMARKS.md).

// What a Client knows of its server's taking gzip, or packed, pushes.
const (
	acceptUnknown int32 = iota
	acceptYes
	acceptNo
)

// minGzipPush is the smallest push worth compressing or packing, and the
// smallest worth a health request to learn whether the server takes
// either.
const minGzipPush = 4 << 10

// noteAccepts records what an answer says about the server's gzip and
// packing.
func (c *Client) noteAccepts(resp *http.Response) {
	state := acceptNo
	for _, v := range resp.Header.Values("Accept-Encoding") {
		if strings.Contains(strings.ToLower(v), "gzip") {
			state = acceptYes
		}
	}
	c.gzip.Store(state)
	state = acceptNo
	for _, v := range resp.Header.Values(wire.AcceptHeader) {
		if strings.Contains(strings.ToLower(v), wire.PackType) {
			state = acceptYes
		}
	}
	c.pack.Store(state)
}

// pushBody returns a request body, packed when it is a push (the server
// unpacks pushes only) and the server takes packed pushes, then
// compressed when the server takes gzip, with the Content-Type and the
// Content-Encoding to send it with. Before the client has heard from the
// server, a large body first asks /v1/health, once.
func (c *Client) pushBody(ctx context.Context, body []byte, push bool) (_ []byte, contentType, encoding string) {
	contentType = "application/json"
	if (c.NoGzip && c.NoPack) || len(body) < minGzipPush {
		return body, contentType, ""
	}
	if c.gzip.Load() == acceptUnknown {
		_, _ = c.Health(ctx) // an error leaves it unknown: plain this time
	}
	if push && !c.NoPack && c.pack.Load() == acceptYes {
		body = jsonpack.Pack(make([]byte, 0, len(body)/2), body)
		contentType = wire.PackType
	}
	if c.NoGzip || c.gzip.Load() != acceptYes {
		return body, contentType, ""
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 4)
	zw := gzip.NewWriter(&buf) // the default level, as the server's answers (server/gzip.go)
	_, _ = zw.Write(body)      // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes(), contentType, "gzip"
}

// accept is the Accept header of a request: packed answers first, unless
// the client is not to pack.
func (c *Client) accept() string {
	if c.NoPack {
		return "application/json"
	}
	return wire.PackType + ", application/json"
}

// answerBody returns the reader of an answer's body, inflated when the
// server compressed it.
func answerBody(resp *http.Response) (io.Reader, error) {
	if !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp.Body, nil
	}
	return gzip.NewReader(resp.Body)
}

// unpackAnswer returns the JSON of an answer's body data: unpacked, within
// limit bytes, when its Content-Type says it is packed, or data itself.
func unpackAnswer(resp *http.Response, data []byte, limit int64) ([]byte, error) {
	t, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if t != wire.PackType {
		return data, nil
	}
	out, err := jsonpack.UnpackMax(make([]byte, 0, min(3*int64(len(data))+1024, limit)), data, int(limit))
	if errors.Is(err, jsonpack.ErrTooLarge) {
		return nil, fmt.Errorf("the server's answer is larger than %d bytes", limit)
	}
	if err != nil {
		return nil, &OfflineError{fmt.Errorf("read the answer: the packed answer is damaged: %w", err)}
	}
	return out, nil
}
