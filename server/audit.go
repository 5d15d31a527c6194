package server

import (
	"context"
	"time"
)

// AuditEntry is one admin action in the audit log, kept in the server's
// storage beside what it changed (the same transaction), so the log
// cannot miss an action that took effect.
type AuditEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`   // who asked: the operator's login, or the user redeeming an invitation
	From   string    `json:"from"` // where from: the admin's host and path in, or a client address
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"` // the user or object acted on
	Detail string    `json:"detail,omitempty"`
}

// AuditActor says who runs an admin action and from where.
type AuditActor struct {
	By   string `json:"by"`
	From string `json:"from"`
}

type auditActorKey struct{}

// WithAuditActor returns ctx carrying who acts, for the audit log.
func WithAuditActor(ctx context.Context, a AuditActor) context.Context {
	return context.WithValue(ctx, auditActorKey{}, a)
}

// auditActor returns who acts in ctx; an action without one is still
// logged, as by "unknown".
func auditActor(ctx context.Context) AuditActor {
	a, _ := ctx.Value(auditActorKey{}).(AuditActor)
	if a.By == "" {
		a.By = "unknown"
	}
	if a.From == "" {
		a.From = "unknown"
	}
	return a
}

// audit appends an entry for the action in tx, by the actor in ctx.
func (s *Service) audit(ctx context.Context, tx Tx, action, target, detail string) error {
	a := auditActor(ctx)
	return tx.AppendAudit(AuditEntry{At: s.now().UTC(), By: a.By, From: a.From, Action: action, Target: target, Detail: detail})
}

// Audit returns the newest limit entries of the audit log (all when
// limit <= 0), oldest first.
func (s *Service) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Audit(limit)
		return err
	})
	if out == nil {
		out = []AuditEntry{}
	}
	return out, err
}

// auditHeader carries the AuditActor of a request on the admin socket.
const auditHeader = "Fieldcrm-Audit-Actor"
