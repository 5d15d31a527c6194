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

// Compression (issue 15, docs/protocol.md): the client asks for zstd or
// gzip answers itself, rather than leaving it to Go's transport, so that
// the bytes it reads are the bytes on the wire and its answer cap applies
// to what they inflate to. It compresses a push only once the server has
// said it takes a coding (the Accept-Encoding header of any answer), in
// zstd when the server named it and gzip otherwise: a server from before
// issue 15, or from before zstd, never gets a body it cannot read.
//
// Packing goes under compression the same way: the client asks for packed
// answers (wire.PackType) and unpacks an answer when, and only when, its
// Content-Type says it is packed; it packs a push only once the server
// has named the type in wire.AcceptHeader. gzip of the packed bytes is
// about 1.4 times smaller than gzip of the JSON (BENCHMARKS.md).

// What a Client knows of its server's taking gzip, or packed, pushes. Of
// zstd it knows only whether the last answer named it (Client.zstd).
const (
	acceptUnknown int32 = iota
	acceptYes
	acceptNo
)

// minCompressPush is the smallest push worth compressing or packing, and
// the smallest worth a health request to learn whether the server takes
// either.
const minCompressPush = 4 << 10

// noteAccepts records what an answer says about the codings and packing
// the server takes.
func (c *Client) noteAccepts(resp *http.Response) {
	codings := resp.Header.Values("Accept-Encoding")
	state := acceptNo
	if wire.Takes(codings, wire.Gzip) {
		state = acceptYes
	}
	c.zstd.Store(wire.Takes(codings, wire.Zstd))
	c.gzip.Store(state)
	state = acceptNo
	embed := false
	for _, v := range resp.Header.Values(wire.AcceptHeader) {
		for part := range strings.SplitSeq(v, ",") {
			t, params, err := mime.ParseMediaType(part)
			if err == nil && t == wire.PackType {
				state = acceptYes
				embed = embed || params[wire.PackEmbed] == "1"
			} else if err != nil && strings.Contains(strings.ToLower(part), wire.PackType) {
				state = acceptYes // as clients before embedding read it
			}
		}
	}
	c.pack.Store(state)
	c.embed.Store(embed)
}

// pushBody returns a request body, packed when it is a push (the server
// unpacks pushes only) and the server takes packed pushes, then
// compressed in zstd or gzip when the server takes it, with the
// Content-Type and the Content-Encoding to send it with. Before the
// client has heard from the server, a large body first asks /v1/health,
// once.
func (c *Client) pushBody(ctx context.Context, body []byte, push bool) (_ []byte, contentType, encoding string) {
	contentType = "application/json"
	if (c.NoCompression && c.NoPack) || len(body) < minCompressPush {
		return body, contentType, ""
	}
	if c.gzip.Load() == acceptUnknown {
		_, _ = c.Health(ctx) // an error leaves it unknown: plain this time
	}
	if push && !c.NoPack && c.pack.Load() == acceptYes {
		body = jsonpack.Pack(make([]byte, 0, len(body)/2), body)
		contentType = wire.PackType
	}
	data, encoding := c.compress(body)
	return data, contentType, encoding
}

// compress returns body compressed in zstd or gzip when the server takes
// it, and the Content-Encoding to send it with.
func (c *Client) compress(body []byte) (_ []byte, encoding string) {
	if !c.NoCompression && !c.NoZstd && c.zstd.Load() {
		return wire.ZstdAppend(make([]byte, 0, len(body)/4), body), wire.Zstd
	}
	if c.NoCompression || c.gzip.Load() != acceptYes {
		return body, ""
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 4)
	zw := gzip.NewWriter(&buf) // the default level, as the server's answers (server/compress.go)
	_, _ = zw.Write(body)      // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes(), wire.Gzip
}

// acceptEncoding is the Accept-Encoding header of a request.
func (c *Client) acceptEncoding() string {
	switch {
	case c.NoCompression:
		return "identity"
	case c.NoZstd:
		return wire.Gzip
	}
	return wire.Zstd + ", " + wire.Gzip
}

// accept is the Accept header of a request: packed answers first, unless
// the client is not to pack.
func (c *Client) accept() string {
	if c.NoPack {
		return "application/json"
	}
	return wire.PackType + ";" + wire.PackEmbed + "=1, application/json"
}

// answerBody returns the reader of an answer's body, decompressed when the
// server compressed it, and what to call once it is read. An answer in a
// coding the client did not ask for is an error that names it.
func answerBody(resp *http.Response) (io.Reader, func(), error) {
	switch coding := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); coding {
	case "", "identity":
	case wire.Gzip:
		zr, err := gzip.NewReader(resp.Body)
		return zr, func() {}, err
	case wire.Zstd:
		zr, err := wire.NewZstdReader(resp.Body)
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Release, nil
	default:
		return nil, nil, fmt.Errorf("the answer is encoded as %.40q, which this client did not ask for", coding)
	}
	return resp.Body, func() {}, nil
}

// packed reports whether an answer's Content-Type says it is packed.
func packed(resp *http.Response) bool {
	t, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return t == wire.PackType
}

// unpackAnswer returns the JSON of an answer's body data: unpacked, within
// limit bytes, when its Content-Type says it is packed, or data itself.
func unpackAnswer(resp *http.Response, data []byte, limit int64) ([]byte, error) {
	if !packed(resp) {
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
