// Package remote is the client side of sync: an HTTP client for the
// server, Sync, which pushes the outbox and pulls until the replica is up
// to date, and Loop, which runs Sync in the background and reports its
// Status. The protocol's types live in package wire.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Client talks to a fieldcrm server.
type Client struct {
	base  *url.URL
	token string
	// HTTP does the requests; its Timeout bounds each one.
	HTTP *http.Client
	// User, when set, is the account the token logs in as: Sync binds a
	// book bound to no account to it and refuses a book bound to another
	// (see CheckAccount).
	User string
	// NoCompression sends and asks for bodies without compression
	// (compress.go): for measuring, or behind a proxy that mangles
	// compressed bodies.
	NoCompression bool
	// NoZstd sends and asks for gzip, not zstd (compress.go): for
	// measuring, and to stand in for a client from before zstd.
	NoZstd bool
	// NoPack sends and asks for JSON bodies, not wire.PackType
	// (compress.go): for measuring, or to read bodies on the wire. With
	// NoCompression as well, bodies are plain JSON.
	NoPack bool

	gzip     atomic.Int32 // whether the server takes gzip pushes: acceptUnknown, ...
	zstd     atomic.Bool  // whether it takes zstd pushes
	pack     atomic.Int32 // whether it takes packed pushes, likewise
	embed    atomic.Bool  // whether it takes pushes of ops packed each on its own (wire.PackEmbed)
	settings atomic.Int64 // the settings version the server last named, plus one (settings.go)
}

// Server returns the server's address as books record it: scheme and host
// in lower case, no trailing slash.
func (c *Client) Server() string {
	u := *c.base
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	return u.String()
}

// NewClient returns a client for the server at baseURL ("https://host:port")
// using token.
func NewClient(baseURL, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %q is not an http:// or https:// address", baseURL)
	}
	return &Client{base: u, token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}, nil
}

// APIError is an error answer from the server.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("the server refused the request (%d %s): %s", e.Status, e.Code, e.Message)
}

// OfflineError says the server could not be reached or did not answer
// completely: the request may or may not have been applied.
type OfflineError struct{ Err error }

func (e *OfflineError) Error() string { return "cannot reach the server: " + e.Err.Error() }
func (e *OfflineError) Unwrap() error { return e.Err }

// IsOffline reports whether err means the server was not reached (as
// opposed to the server answering with an error).
func IsOffline(err error) bool {
	var oe *OfflineError
	return errors.As(err, &oe)
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, limit int64) ([]byte, error) {
	var b *Body
	if body != nil {
		b = c.prepare(ctx, body, path == "/v1/push")
	}
	return c.send(ctx, method, path, query, b, limit)
}

// Body is a request's body made ready to send: packed and compressed as
// the server takes them (pushBody).
type Body struct {
	data                  []byte
	contentType, encoding string
}

// prepare makes body ready to send; push says it is a push's.
func (c *Client) prepare(ctx context.Context, body []byte, push bool) *Body {
	data, contentType, encoding := c.pushBody(ctx, body, push)
	return &Body{data, contentType, encoding}
}

// send is do with a body made ready (nil: none).
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body *Body, limit int64) ([]byte, error) {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body.data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", body.contentType)
		if body.encoding != "" {
			req.Header.Set("Content-Encoding", body.encoding)
		}
	}
	req.Header.Set("Accept", c.accept())
	req.Header.Set("Accept-Encoding", c.acceptEncoding())
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if o, ok := ctx.Value(ownKey{}).(wire.Own); ok && o.Replica != "" {
		req.Header.Set(wire.OwnHeader, o.String())
	}
	if r, ok := ctx.Value(reachKey{}).(wire.Reach); ok && r.Sendable() {
		req.Header.Set(wire.ReachHeader, r.String())
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &OfflineError{err}
	}
	defer resp.Body.Close()
	c.noteSettings(resp.Header) // settings.go
	c.noteAccepts(resp)
	rb, release, err := answerBody(resp)
	if err != nil {
		return nil, &OfflineError{fmt.Errorf("read the answer: %w", err)}
	}
	buf := answerBufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(rb, limit+1))
	release()
	if err != nil {
		return nil, &OfflineError{fmt.Errorf("read the answer: %w", err)}
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("the server's answer is larger than %d bytes", limit)
	}
	data, err := unpackAnswer(resp, buf.Bytes(), limit)
	if err != nil {
		return nil, err
	}
	if packed(resp) && buf.Cap() <= maxPooledAnswer {
		answerBufs.Put(buf) // unpacked into data of its own: buf may read the next answer
	}
	if resp.StatusCode != http.StatusOK {
		var eb wire.ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Message == "" {
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusBadGateway {
				return nil, &OfflineError{fmt.Errorf("the server answered %s", resp.Status)}
			}
			eb = wire.ErrorBody{Code: "http", Message: resp.Status}
		}
		return nil, &APIError{Status: resp.StatusCode, Code: eb.Code, Message: eb.Message}
	}
	return data, nil
}

// answerBufs hold what answers are read into before they are unpacked:
// a first sync's pull reads two dozen pages of megabytes each, and read
// into a new buffer each time, grown as it came, that was a tenth of the
// bytes it allocated. A buffer larger than maxPooledAnswer is let go.
var answerBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledAnswer = 16 << 20

// Health asks whether the server is up.
func (c *Client) Health(ctx context.Context) (wire.Health, error) {
	var h wire.Health
	data, err := c.do(ctx, http.MethodGet, "/v1/health", nil, nil, 1<<20)
	if err != nil {
		return h, err
	}
	return h, json.Unmarshal(data, &h)
}

// WhoAmI returns the user and role the token belongs to.
func (c *Client) WhoAmI(ctx context.Context) (wire.WhoAmI, error) {
	var w wire.WhoAmI
	data, err := c.do(ctx, http.MethodGet, "/v1/whoami", nil, nil, 1<<20)
	if err != nil {
		return w, err
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return w, fmt.Errorf("the server's answer is not valid: %w", err)
	}
	return w, nil
}

// Push sends ops and returns the server's answer for each.
func (c *Client) Push(ctx context.Context, ops []model.Op) (wire.PushResponse, error) {
	body, err := EncodePush(ops)
	if err != nil {
		return wire.PushResponse{}, err
	}
	return c.PushRaw(ctx, body, len(ops))
}

// EncodePush returns the body of a push of ops.
func EncodePush(ops []model.Op) ([]byte, error) {
	req := struct {
		Ops []model.Op `json:"ops"`
	}{ops}
	if req.Ops == nil {
		req.Ops = []model.Op{}
	}
	return json.Marshal(req)
}

// PushRaw sends an encoded push of n ops.
func (c *Client) PushRaw(ctx context.Context, body []byte, n int) (wire.PushResponse, error) {
	return c.PushPrepared(ctx, c.PreparePush(ctx, body), n)
}

// PreparePush packs and compresses a push's body (a PushRequest in JSON)
// as the server takes them, so that a caller can do it while the server
// is busy with the push before (Sync does).
func (c *Client) PreparePush(ctx context.Context, body []byte) *Body {
	return c.prepare(ctx, body, true)
}

// PreparePushOps is PreparePush for a push of ops, each compact JSON. To
// a server that takes it (wire.PackEmbed in wire.AcceptHeader), each op
// is packed on its own and embedded whole in the packed body
// (wire.AppendEmbeddedPush): the server keeps each as it came, and
// unpacks only the ops. Otherwise, or when an op cannot be packed so, the
// body is the push's JSON, made ready as PreparePush makes it.
func (c *Client) PreparePushOps(ctx context.Context, ops []json.RawMessage) *Body {
	n := len(`{"ops":[]}`)
	for _, op := range ops {
		n += len(op) + 1
	}
	if !c.NoPack && n >= minCompressPush {
		if c.gzip.Load() == acceptUnknown {
			_, _ = c.Health(ctx) // an error leaves it unknown: JSON this time
		}
		if c.pack.Load() == acceptYes && c.embed.Load() {
			if b, err := wire.AppendEmbeddedPush(make([]byte, 0, n/2), ops); err == nil {
				data, encoding := c.compress(b)
				return &Body{data, wire.PackType, encoding}
			}
		}
	}
	body := append(make([]byte, 0, n), `{"ops":[`...)
	for i, op := range ops {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, op...)
	}
	return c.PreparePush(ctx, append(body, "]}"...))
}

// PushPrepared is PushRaw for a body PreparePush made ready.
func (c *Client) PushPrepared(ctx context.Context, body *Body, n int) (wire.PushResponse, error) {
	data, err := c.send(ctx, http.MethodPost, "/v1/push", nil, body, 64<<20)
	if err != nil {
		return wire.PushResponse{}, err
	}
	return wire.DecodePushResponse(data, n)
}

// Pull asks for up to limit changes after cursor. A change that cannot be
// read fails the whole answer; PullChanges returns it apart instead.
func (c *Client) Pull(ctx context.Context, cursor uint64, limit int) (wire.PullResponse, error) {
	data, err := c.pull(ctx, cursor, limit)
	if err != nil {
		return wire.PullResponse{}, err
	}
	return wire.DecodePullResponse(data)
}

// PullChanges asks for up to limit changes after cursor, and returns the
// changes that could not be read apart from the others, each with why
// (wire.DecodePullChanges). Sync sets those aside and goes on.
func (c *Client) PullChanges(ctx context.Context, cursor uint64, limit int) (wire.PullResponse, []wire.BadChange, error) {
	data, err := c.pull(ctx, cursor, limit)
	if err != nil {
		return wire.PullResponse{}, nil, err
	}
	return wire.DecodePullChanges(data)
}

func (c *Client) pull(ctx context.Context, cursor uint64, limit int) ([]byte, error) {
	q := url.Values{"cursor": {strconv.FormatUint(cursor, 10)}, "limit": {strconv.Itoa(limit)}}
	return c.do(ctx, http.MethodGet, "/v1/pull", q, nil, wire.MaxPullBytes)
}
