package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// The repair commands over the admin socket (see AdminHandler): a running
// bbolt server holds its file, so `fieldcrm admin ops ...` and `admin
// check` ask it.

type quarantineArgs struct {
	OpID   string `json:"op_id"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"by,omitempty"`
}

type checkArgs struct {
	Max int `json:"max,omitempty"`
}

// handleRepair adds the repair and account routes to the admin socket's
// mux.
func handleRepair(mux *http.ServeMux, a Admin) {
	handleAccounts(mux, a)
	route(mux, "/admin/ops/list", func(ctx context.Context, q OpQuery) (OpList, error) { return a.ListOps(ctx, q) })
	route(mux, "/admin/ops/quarantine", func(ctx context.Context, q quarantineArgs) (QuarantineResult, error) {
		return a.QuarantineOp(ctx, q.OpID, q.Reason, q.By)
	})
	route(mux, "/admin/check", func(ctx context.Context, c checkArgs) (CheckReport, error) { return a.CheckData(ctx, c.Max) })
}

func route[A, R any](mux *http.ServeMux, path string, fn func(context.Context, A) (R, error)) {
	mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		var args A
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&args); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "the admin request is not valid JSON")
			return
		}
		rep, err := fn(withSocketActor(r), args)
		if err != nil {
			writeError(w, http.StatusBadRequest, "failed", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, rep)
	})
}

// maxRepairReply bounds an answer read from the admin socket (a list
// with values carries up to maxListValueBytes of ops).
const maxRepairReply = 2*maxListValueBytes + 16<<20

// callRepair posts args to the running server and decodes its answer
// into reply. The caller's context bounds it, not the client's timeout:
// a check reads the whole log.
func (c *AdminClient) callRepair(ctx context.Context, path string, args, reply any) error {
	body, err := json.Marshal(args)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://admin"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	setAuditActor(req)
	hc := *c.hc
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRepairReply))
	if err != nil {
		return fmt.Errorf("read the running server's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.Unmarshal(data, &e)
		if e.Message == "" {
			e.Message = fmt.Sprintf("the running server answered %s", resp.Status)
		}
		return errors.New(e.Message)
	}
	return json.Unmarshal(data, reply)
}

// ListOps implements Repairer.
func (c *AdminClient) ListOps(ctx context.Context, q OpQuery) (OpList, error) {
	var out OpList
	err := c.callRepair(ctx, "/admin/ops/list", q, &out)
	return out, err
}

// QuarantineOp implements Repairer.
func (c *AdminClient) QuarantineOp(ctx context.Context, opID, reason, by string) (QuarantineResult, error) {
	var out QuarantineResult
	err := c.callRepair(ctx, "/admin/ops/quarantine", quarantineArgs{OpID: opID, Reason: reason, By: by}, &out)
	return out, err
}

// CheckData implements Repairer.
func (c *AdminClient) CheckData(ctx context.Context, max int) (CheckReport, error) {
	var out CheckReport
	err := c.callRepair(ctx, "/admin/check", checkArgs{Max: max}, &out)
	return out, err
}

// AccountAdmin is the part of Admin that hands out and takes back access
// (accounts.go, invite.go), keeps the audit log (audit.go) and backs the
// data up (backup.go).
type AccountAdmin interface {
	IssueToken(ctx context.Context, req TokenRequest) (Issued, error)
	SetDisabled(ctx context.Context, name string, disabled bool) error
	CreateInvite(ctx context.Context, req InviteRequest) (InviteCode, error)
	Invites(ctx context.Context) ([]Invite, error)
	Audit(ctx context.Context, limit int) ([]AuditEntry, error)
	// Backup writes a consistent copy of the data; sized is called with
	// its size before the first byte and returns where to write.
	Backup(ctx context.Context, sized func(size int64) io.Writer) (int64, error)
	BumpEpoch(ctx context.Context) (string, error)
}

type disableArgs struct {
	Name     string `json:"name"`
	Disabled bool   `json:"disabled"`
}

type limitArgs struct {
	Limit int `json:"limit,omitempty"`
}

type epochReply struct {
	Epoch string `json:"epoch"`
}

type none struct{}

// handleAccounts adds the account, audit and backup routes.
func handleAccounts(mux *http.ServeMux, a AccountAdmin) {
	route(mux, "/admin/token/issue", a.IssueToken)
	route(mux, "/admin/user/disable", func(ctx context.Context, d disableArgs) (none, error) {
		return none{}, a.SetDisabled(ctx, d.Name, d.Disabled)
	})
	route(mux, "/admin/invite", a.CreateInvite)
	route(mux, "/admin/invites", func(ctx context.Context, _ none) ([]Invite, error) { return a.Invites(ctx) })
	route(mux, "/admin/audit", func(ctx context.Context, l limitArgs) ([]AuditEntry, error) { return a.Audit(ctx, l.Limit) })
	route(mux, "/admin/epoch/bump", func(ctx context.Context, _ none) (epochReply, error) {
		e, err := a.BumpEpoch(ctx)
		return epochReply{e}, err
	})
	// The copy streams: its size goes first, as Content-Length, so the
	// client can tell a whole copy from one cut short.
	mux.HandleFunc("POST /admin/backup", func(w http.ResponseWriter, r *http.Request) {
		started := false
		_, err := a.Backup(withSocketActor(r), func(size int64) io.Writer {
			started = true
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			w.WriteHeader(http.StatusOK)
			return w
		})
		if err != nil && !started {
			writeError(w, http.StatusBadRequest, "failed", err.Error())
		}
	})
}

// setAuditActor passes the actor of the request's context to the server.
func setAuditActor(req *http.Request) {
	a := auditActor(req.Context())
	data, _ := json.Marshal(a)
	req.Header.Set(auditHeader, base64.RawURLEncoding.EncodeToString(data))
}

// withSocketActor returns the request's context with the actor the
// admin command named, marked as come through the socket (only the
// server's account can open it, so whoever names themselves there could
// act on the data directly anyway).
func withSocketActor(r *http.Request) context.Context {
	var a AuditActor
	data, err := base64.RawURLEncoding.DecodeString(r.Header.Get(auditHeader))
	if err == nil {
		_ = json.Unmarshal(data, &a)
	}
	a = auditActor(WithAuditActor(r.Context(), a))
	a.From += " via the admin socket"
	return WithAuditActor(r.Context(), a)
}

// IssueToken implements AccountAdmin.
func (c *AdminClient) IssueToken(ctx context.Context, req TokenRequest) (Issued, error) {
	var out Issued
	err := c.callRepair(ctx, "/admin/token/issue", req, &out)
	return out, err
}

// SetDisabled implements AccountAdmin.
func (c *AdminClient) SetDisabled(ctx context.Context, name string, disabled bool) error {
	var out none
	return c.callRepair(ctx, "/admin/user/disable", disableArgs{name, disabled}, &out)
}

// CreateInvite implements AccountAdmin.
func (c *AdminClient) CreateInvite(ctx context.Context, req InviteRequest) (InviteCode, error) {
	var out InviteCode
	err := c.callRepair(ctx, "/admin/invite", req, &out)
	return out, err
}

// Invites implements AccountAdmin.
func (c *AdminClient) Invites(ctx context.Context) ([]Invite, error) {
	var out []Invite
	err := c.callRepair(ctx, "/admin/invites", none{}, &out)
	return out, err
}

// Audit implements AccountAdmin.
func (c *AdminClient) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := c.callRepair(ctx, "/admin/audit", limitArgs{limit}, &out)
	return out, err
}

// BumpEpoch implements AccountAdmin.
func (c *AdminClient) BumpEpoch(ctx context.Context) (string, error) {
	var out epochReply
	err := c.callRepair(ctx, "/admin/epoch/bump", none{}, &out)
	return out.Epoch, err
}

// Backup implements AccountAdmin: the running server streams the copy.
func (c *AdminClient) Backup(ctx context.Context, sized func(size int64) io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://admin/admin/backup", nil)
	if err != nil {
		return 0, err
	}
	setAuditActor(req)
	hc := *c.hc
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("ask the running server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		if e.Message == "" {
			e.Message = fmt.Sprintf("the running server answered %s", resp.Status)
		}
		return 0, errors.New(e.Message)
	}
	if resp.ContentLength < 0 {
		return 0, errors.New("the running server did not say how large the copy is")
	}
	n, err := io.Copy(sized(resp.ContentLength), resp.Body)
	if err == nil && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return n, fmt.Errorf("the copy was cut short after %d of %d bytes: %w", n, resp.ContentLength, err)
	}
	return n, nil
}
