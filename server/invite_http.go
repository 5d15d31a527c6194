package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/fieldcrm/fieldcrm/wire"
)

// redeem serves POST /v1/invite: an invitation code for a token. It needs
// no token, so it is guarded like a sign-in: an address that has used its
// allowance of failed sign-ins is refused, and every attempt but a good
// code is charged, so codes cannot be guessed faster than tokens.
func (h *api) redeem(w http.ResponseWriter, r *http.Request) {
	addr := h.clientAddr(r)
	if !h.limiter.allow("addr:" + addr) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests from your address; wait a moment and try again")
		return
	}
	if wait := h.fails.wait(addr); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, "rate_limited", fmt.Sprintf(
			"too many failed sign-ins from your address; wait %d s and try again", secs))
		return
	}
	var req wire.RedeemRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&req); err != nil {
		h.fails.charge(addr)
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be JSON: {"code": "XXXX-XXXX-XXXX-XXXX"}`)
		return
	}
	res, err := h.svc.Redeem(r.Context(), req.Code, addr)
	var ie InviteError
	switch {
	case errors.As(err, &ie), errors.Is(err, ErrBadToken):
		h.fails.charge(addr)
		writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	info(r).user = res.User
	writeJSON(w, http.StatusOK, wire.Redeemed(res))
}
