package server

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// healthAnswer is GET /v1/health: wire.Health's status and epoch, which
// clients read, and what was checked. Status is "ok" only when the
// database answered, so a load balancer or a probe takes a server whose
// database is gone out of rotation (503).
type healthAnswer struct {
	Status   string `json:"status"`
	Epoch    string `json:"epoch,omitempty"`
	Database string `json:"database"` // "ok", or why not
	Backend  string `json:"backend"`  // bbolt or postgresql
}

// HealthTimeout bounds the database check of /v1/health: a database that
// does not answer within it counts as down.
const HealthTimeout = 3 * time.Second

// health answers whether the server can serve: it reads the epoch in a
// transaction, which on PostgreSQL is a round trip to the database.
func (h *api) health(w http.ResponseWriter, r *http.Request) {
	ans := healthAnswer{Backend: backendName(h.svc.Store)}
	ctx, cancel := context.WithTimeout(r.Context(), HealthTimeout)
	defer cancel()
	err := h.svc.Store.View(ctx, func(tx Tx) error {
		var err error
		ans.Epoch, err = tx.Epoch()
		return err
	})
	switch {
	case err == nil:
		ans.Status, ans.Database = "ok", "ok"
		writeJSON(w, http.StatusOK, ans)
	case errors.Is(r.Context().Err(), context.Canceled):
		h.internal(w, r, r.Context().Err())
	default:
		h.log.Error("health: the database did not answer", "err", err)
		ans.Status, ans.Database = "unavailable", "the database did not answer; the server's log says why"
		writeJSON(w, http.StatusServiceUnavailable, ans)
	}
}

func backendName(st Storage) string {
	if _, ok := st.(*PGStorage); ok {
		return "postgresql"
	}
	return "bbolt"
}
