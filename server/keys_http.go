package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// The API's key routes: a user lists and adds their own SSH keys with
// their token (`fieldcrm keys`), as an administrator does for anyone
// (`fieldcrm admin user key`). Removing stays with the administrator, so
// a stolen token cannot swap a user's keys for its own in one step
// unnoticed: every addition is in the audit log.

// keyRequest is the body of POST /v1/keys.
type keyRequest struct {
	Key string `json:"key"` // one line of a .pub file
}

func (h *api) listKeys(w http.ResponseWriter, r *http.Request, u User) {
	keys, err := h.svc.SSHKeys(r.Context(), u.Name)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keys)
}

func (h *api) addKey(w http.ResponseWriter, r *http.Request, u User) {
	var req keyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 2*maxKeyLine)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be JSON: {"key": "ssh-ed25519 AAAA... comment"}`)
		return
	}
	ctx := WithAuditActor(r.Context(), AuditActor{By: u.Name, From: h.clientAddr(r) + " via the API"})
	k, err := h.svc.AddSSHKey(ctx, u.Name, []byte(req.Key))
	var kp keyProblem
	switch {
	case errors.As(err, &kp):
		writeError(w, http.StatusBadRequest, "bad_key", err.Error())
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

type inProcessKey struct{}

// AsUser returns ctx for a request that Handler serves as the user
// called name, without a token: for the server's own fronts that have
// authenticated the user another way (the SSH front's replicas, which
// sync through the API in process, with a key checked at sign-in). Only
// code in this process can put it in a request's context; a request
// from the network never carries it. Each request still checks that the
// user exists and is not disabled.
func AsUser(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, inProcessKey{}, name)
}

// inProcess serves a request AsUser marked: the user's standing is read
// at every request, as a token's is.
func (h *api) inProcess(w http.ResponseWriter, r *http.Request, name string, next func(http.ResponseWriter, *http.Request, User)) {
	if !h.limiter.allow("user:" + name) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests; wait a moment and try again")
		return
	}
	u, err := h.svc.ActiveUser(r.Context(), name)
	switch {
	case errors.Is(err, ErrDisabled):
		writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
		return
	case errors.Is(err, ErrNoUser):
		writeError(w, http.StatusUnauthorized, "unauthorized", "your account no longer exists; ask your administrator")
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	info(r).user = u.Name
	next(w, r, u)
}
