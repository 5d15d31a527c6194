// Package wire holds the sync protocol's types and limits (DESIGN.md
// section 5), shared by the client (remote) and the server, and the
// codings of their bodies (coding.go). It imports only model and a zstd
// library, so the server never links the client's store or sync loop,
// and both sides agree on every cap from one place.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/fieldcrm/fieldcrm/model"
)

// Protocol limits.
const (
	// MaxPushOps and MaxPushBytes bound a push that every server takes:
	// at most this many ops, and this many bytes for a batch of several
	// (a single op may be up to model.MaxOpBytes, a long note).
	MaxPushOps   = 500
	MaxPushBytes = 1 << 20
	// MaxBatchOps and MaxBatchBytes bound a push that servers since
	// issue 15 take: a first sync of a hundred thousand changes then
	// goes in about sixty requests, not hundreds. A client tries a batch
	// this large only when more than MaxPushOps wait, and goes back to
	// MaxPushOps when a server refuses it as too large. Larger batches
	// saved little time and doubled a server's peak memory (BENCHMARKS.md).
	MaxBatchOps   = 2000
	MaxBatchBytes = 4 << 20
	// MaxBodyBytes is the hard cap on any push body.
	MaxBodyBytes = 8<<20 + 64<<10
	// DefaultPullLimit and MaxPullLimit bound the changes in one pull.
	DefaultPullLimit = 1000
	MaxPullLimit     = 5000

	// PullPageBytes is the server's byte budget for one pull answer: it
	// stops adding changes once a page holds this much (a page always
	// holds one change, so a pull always moves on), and says "more".
	// MaxPullBytes is what the client reads of one answer before it gives
	// up on it. They agree because a page can pass the budget only by its
	// last change, and one change is one op (at most model.MaxOpBytes as
	// sent; the server's JSON escaping of <, > and & can make it up to
	// six times that as stored) or one record's state, which the server
	// keeps under MaxRecordBytes: so a page is at most about 8 + 16 MiB,
	// a tenth of the cap, and no user's data can make a page the client
	// refuses, while the budget keeps a pull's memory on the server and
	// the client a few MiB whatever the log holds. TestPullBudgetFitsCap
	// keeps them so.
	PullPageBytes = 8 << 20
	MaxPullBytes  = 256 << 20
	// PullPackedRatio is what the budget counts for each byte of an op
	// the server sends as its log stores it, packed (jsonpack): the demo
	// book's ops unpack to 2.2 times their bytes, so a page of them holds
	// about what it held of their JSON. Whatever an op holds, its JSON is
	// at most 64 times its packed bytes and 1 KiB (jsonpack's bound), so
	// a page's JSON is at most 64/PullPackedRatio times the budget, and 1
	// KiB a change, besides its last change: TestPullBudgetFitsCap keeps
	// that under MaxPullBytes too.
	PullPackedRatio = 3
	// MaxRecordBytes bounds one record's state (its fields, the last
	// values each field had, its append-only lists such as a note's
	// revisions): the server refuses an addition that would take a record
	// past it, so that a record always fits in a pull answer.
	MaxRecordBytes = 16 << 20
)

// Push answers.
const (
	StatusApplied   = "applied"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// PushRequest is the body of POST /v1/push.
type PushRequest struct {
	Ops []json.RawMessage `json:"ops"`
}

// PushResult answers one op of a push, in the order of the request.
type PushResult struct {
	OpID   string `json:"op_id,omitempty"`
	Status string `json:"status"`
	Seq    uint64 `json:"seq,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// PushResponse answers a push. For every entity with a rejected op, States
// carries the server's current record (when the user may see it) and
// Removes names it otherwise, so the client can show what the server holds.
type PushResponse struct {
	Results []PushResult      `json:"results"`
	States  []State           `json:"states,omitempty"`
	Removes []model.EntityRef `json:"removes,omitempty"`
	// CaughtUp, only for a push that said how far its replica had pulled
	// (ReachHeader), says that it may move its cursor past the batch.
	CaughtUp *CaughtUp `json:"caught_up,omitempty"`
}

// State is the full merge state of one record, sent when a lead becomes
// visible to a user or after a refused change.
type State struct {
	Entity  model.EntityRef            `json:"entity"`
	Fields  map[string]json.RawMessage `json:"fields"`
	Base    model.Stamp                `json:"base"`
	Stamps  map[string]model.Stamp     `json:"stamps,omitempty"`
	History []model.Overwritten        `json:"history,omitempty"`
}

// StateOf returns the wire form of rec.
func StateOf(ref model.EntityRef, rec *model.Record) State {
	return State{Entity: ref, Fields: rec.Fields, Base: rec.Base, Stamps: rec.Stamps, History: rec.History}
}

// Record returns the record the state describes.
func (s *State) Record() *model.Record {
	rec := model.NewRecord(s.Entity.Type)
	for k, v := range s.Fields {
		rec.Fields[k] = v
	}
	for k, v := range s.Stamps {
		rec.Stamps[k] = v
	}
	rec.Base = s.Base
	rec.History = append(rec.History, s.History...)
	return rec
}

// Change is one element of a pull: an op, a record's full state, or a
// remove (the user may no longer see the entity: delete the local copy).
type Change struct {
	Seq    uint64           `json:"seq"`
	Op     *model.Op        `json:"op,omitempty"`
	State  *State           `json:"state,omitempty"`
	Remove *model.EntityRef `json:"remove,omitempty"`
}

// PullResponse answers GET /v1/pull. Cursor is the highest seq scanned,
// including ops the user may not see; More says a further pull has more.
type PullResponse struct {
	Changes []Change `json:"changes"`
	Cursor  uint64   `json:"cursor"`
	Epoch   string   `json:"epoch"`
	More    bool     `json:"more"`
}

// ErrorBody is every error answer: a code for programs, a sentence for
// people.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Health answers GET /v1/health.
type Health struct {
	Status string `json:"status"`
	Epoch  string `json:"epoch"`
}

// WhoAmI answers GET /v1/whoami: who the token belongs to.
type WhoAmI struct {
	User string `json:"user"`
	Role string `json:"role"`
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the end of the JSON value")
	}
	return nil
}

// DecodePushRequest parses a push body. It checks the frame (strict JSON,
// at most MaxBatchOps ops, size) but not the ops themselves: each op is
// checked on its own by model.DecodeOp so one bad op is answered alone.
func DecodePushRequest(data []byte) (PushRequest, error) {
	if len(data) > MaxBodyBytes {
		return PushRequest{}, tooLarge(fmt.Sprintf("the request is %d bytes; at most %d", len(data), MaxBodyBytes))
	}
	req, ok := scanPush(data)
	if !ok {
		if err := decodeStrict(data, &req); err != nil {
			return PushRequest{}, fmt.Errorf("the request is not a valid push: %w", err)
		}
	}
	if req.Ops == nil {
		return PushRequest{}, errors.New("the request has no \"ops\" list")
	}
	if len(req.Ops) > MaxBatchOps {
		return PushRequest{}, tooLarge(fmt.Sprintf("the request carries %d ops; at most %d", len(req.Ops), MaxBatchOps))
	}
	if len(req.Ops) > 1 && len(data) > MaxBatchBytes {
		return PushRequest{}, tooLarge(fmt.Sprintf("the request is %d bytes; a batch may be at most %d (send a long op alone)", len(data), MaxBatchBytes))
	}
	return req, nil
}

// ErrTooLarge is what DecodePushRequest's error Is when the push is over
// a limit (bytes or ops) rather than malformed: the server answers it
// 413, which tells a client to send smaller batches.
var ErrTooLarge = errors.New("the push is too large")

type tooLarge string

func (e tooLarge) Error() string        { return string(e) }
func (e tooLarge) Is(target error) bool { return target == ErrTooLarge }

// DecodePushResponse parses and checks a push answer for n ops.
func DecodePushResponse(data []byte, n int) (PushResponse, error) {
	var resp PushResponse
	if err := decodeStrict(data, &resp); err != nil {
		return PushResponse{}, fmt.Errorf("the server's push answer is not valid: %w", err)
	}
	if len(resp.Results) != n {
		return PushResponse{}, fmt.Errorf("the server answered %d ops of %d", len(resp.Results), n)
	}
	for i, r := range resp.Results {
		switch r.Status {
		case StatusApplied, StatusDuplicate, StatusRejected:
		default:
			return PushResponse{}, fmt.Errorf("the server's answer %d has status %q", i, r.Status)
		}
	}
	for _, s := range resp.States {
		if err := checkRef(s.Entity); err != nil {
			return PushResponse{}, err
		}
	}
	for _, r := range resp.Removes {
		if err := checkRef(r); err != nil {
			return PushResponse{}, err
		}
	}
	if c := resp.CaughtUp; c != nil {
		if c.Epoch == "" || len(c.Epoch) > 64 {
			return PushResponse{}, fmt.Errorf("the server's push answer names the epoch %q", c.Epoch)
		}
		for _, r := range resp.Results {
			if r.Seq > c.Cursor {
				return PushResponse{}, fmt.Errorf("the server's push answer says it is caught up to %d but applied an op at %d", c.Cursor, r.Seq)
			}
		}
	}
	return resp, nil
}

// checkRef validates an entity reference the way an op's is validated.
func checkRef(ref model.EntityRef) error {
	if err := model.CheckRef(ref); err != nil {
		return fmt.Errorf("the server named a bad entity: %w", err)
	}
	return nil
}

// DecodePullResponse parses and checks a pull answer: every op is
// validated as model.DecodeOp would, so nothing malformed reaches the
// replica.
func DecodePullResponse(data []byte) (PullResponse, error) {
	resp, ok := scanPull(data)
	if !ok {
		if err := decodeStrict(data, &resp); err != nil {
			return PullResponse{}, fmt.Errorf("the server's pull answer is not valid: %w", err)
		}
	}
	for i, c := range resp.Changes {
		n := 0
		if c.Op != nil {
			n++
			if err := c.Op.Validate(); err != nil {
				return PullResponse{}, fmt.Errorf("change %d: %w", i, err)
			}
		}
		if c.State != nil {
			n++
			if err := checkRef(c.State.Entity); err != nil {
				return PullResponse{}, fmt.Errorf("change %d: %w", i, err)
			}
		}
		if c.Remove != nil {
			n++
			if err := checkRef(*c.Remove); err != nil {
				return PullResponse{}, fmt.Errorf("change %d: %w", i, err)
			}
		}
		if n != 1 {
			return PullResponse{}, fmt.Errorf("change %d must hold exactly one of op, state, remove", i)
		}
	}
	return resp, nil
}

// PullQuery is what a pull asks for.
type PullQuery struct {
	Cursor uint64
	Limit  int
}

// ParsePullQuery reads cursor and limit from a pull's query string.
func ParsePullQuery(q url.Values) (PullQuery, error) {
	p := PullQuery{Limit: DefaultPullLimit}
	for k := range q {
		if k != "cursor" && k != "limit" {
			return p, fmt.Errorf("unknown parameter %q (known: cursor, limit)", k)
		}
	}
	if v := q["cursor"]; len(v) > 0 {
		if len(v) > 1 {
			return p, errors.New("cursor is given more than once")
		}
		c, err := strconv.ParseUint(v[0], 10, 64)
		if err != nil {
			return p, fmt.Errorf("cursor %q is not a whole number", v[0])
		}
		p.Cursor = c
	}
	if v := q["limit"]; len(v) > 0 {
		if len(v) > 1 {
			return p, errors.New("limit is given more than once")
		}
		l, err := strconv.Atoi(v[0])
		if err != nil || l < 1 || l > MaxPullLimit {
			return p, fmt.Errorf("limit %q must be a whole number from 1 to %d", v[0], MaxPullLimit)
		}
		p.Limit = l
	}
	return p, nil
}
