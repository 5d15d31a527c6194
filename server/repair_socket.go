package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// handleRepair adds the repair routes to the admin socket's mux.
func handleRepair(mux *http.ServeMux, a Repairer) {
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
		rep, err := fn(r.Context(), args)
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
