package remote

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
)

// Compression (issue 15, docs/protocol.md): the client asks for gzip
// answers itself, rather than leaving it to Go's transport, so that the
// bytes it reads are the bytes on the wire and its answer cap applies to
// what they inflate to. It compresses a push only once the server has
// said it takes gzip (the Accept-Encoding header of any answer): a server
// from before issue 15 never gets a body it cannot read.

// Gzip states of a Client: whether its server takes gzip request bodies.
const (
	gzipUnknown int32 = iota
	gzipYes
	gzipNo
)

// minGzipPush is the smallest push worth compressing, and the smallest
// worth a health request to learn whether the server takes gzip.
const minGzipPush = 4 << 10

// noteAccepts records what an answer says about the server's gzip.
func (c *Client) noteAccepts(resp *http.Response) {
	state := gzipNo
	for _, v := range resp.Header.Values("Accept-Encoding") {
		if strings.Contains(strings.ToLower(v), "gzip") {
			state = gzipYes
		}
	}
	c.gzip.Store(state)
}

// pushBody returns body, compressed when the server takes gzip, and the
// Content-Encoding to send with it. Before the client has heard from the
// server, a large push first asks /v1/health, once.
func (c *Client) pushBody(ctx context.Context, body []byte) ([]byte, string) {
	if c.NoGzip || len(body) < minGzipPush {
		return body, ""
	}
	if c.gzip.Load() == gzipUnknown {
		_, _ = c.Health(ctx) // an error leaves it unknown: plain this time
	}
	if c.gzip.Load() != gzipYes {
		return body, ""
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 4)
	zw := gzip.NewWriter(&buf) // the default level, as the server's answers (server/gzip.go)
	_, _ = zw.Write(body)      // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes(), "gzip"
}

// answerBody returns the reader of an answer's body, inflated when the
// server compressed it.
func answerBody(resp *http.Response) (io.Reader, error) {
	if !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp.Body, nil
	}
	return gzip.NewReader(resp.Body)
}
