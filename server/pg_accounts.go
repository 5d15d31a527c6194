package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

// AccountTx on PostgreSQL: users.disabled, tokens.expires and the invites
// and audit tables (schema migration 6). Each method first sends the
// writes the transaction has queued, so it reads and writes after them.

func optTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (t *pgTx) Standing(user string, hash [32]byte) (disabled, expires time.Time, err error) {
	if err = t.flush(); err != nil {
		return
	}
	var d, e *time.Time
	err = t.tx.QueryRow(t.ctx, `SELECT (SELECT disabled FROM users WHERE name = $1), (SELECT expires FROM tokens WHERE hash = $2)`,
		user, hash[:]).Scan(&d, &e)
	return optTime(d), optTime(e), wrap(err, "read the account's standing")
}

func (t *pgTx) SetDisabled(user string, at time.Time) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `UPDATE users SET disabled = $2 WHERE name = $1`, user, nullTime(at))
	return wrap(err, "disable user")
}

func (t *pgTx) SetTokenExpiry(hash [32]byte, at time.Time) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `UPDATE tokens SET expires = $2 WHERE hash = $1`, hash[:], nullTime(at))
	return wrap(err, "set the token's expiry")
}

func (t *pgTx) AccountStates() (map[string]time.Time, map[[32]byte]time.Time, error) {
	if err := t.flush(); err != nil {
		return nil, nil, err
	}
	disabled, expires := map[string]time.Time{}, map[[32]byte]time.Time{}
	rows, _ := t.tx.Query(t.ctx, `SELECT name, disabled FROM users WHERE disabled IS NOT NULL`)
	var name string
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&name, &at}, func() error { disabled[name] = at.UTC(); return nil }); err != nil {
		return nil, nil, wrap(err, "list disabled users")
	}
	var hash []byte
	rows, _ = t.tx.Query(t.ctx, `SELECT hash, expires FROM tokens WHERE expires IS NOT NULL`)
	_, err := pgx.ForEachRow(rows, []any{&hash, &at}, func() error {
		var h [32]byte
		copy(h[:], hash)
		expires[h] = at.UTC()
		return nil
	})
	return disabled, expires, wrap(err, "list token expiries")
}

const inviteColumns = `hash, id, username, role, created, expires, token_ttl, created_by, used, used_from`

func scanInvite(r pgx.Row) (Invite, error) {
	var inv Invite
	var hash []byte
	var ttl int64
	var used *time.Time
	err := r.Scan(&hash, &inv.ID, &inv.User, &inv.Role, &inv.Created, &inv.Expires, &ttl, &inv.By, &used, &inv.UsedFrom)
	copy(inv.Hash[:], hash)
	inv.Created, inv.Expires, inv.Used = inv.Created.UTC(), inv.Expires.UTC(), optTime(used)
	inv.TokenTTL = time.Duration(ttl)
	return inv, err
}

func (t *pgTx) Invite(hash [32]byte) (Invite, bool, error) {
	if err := t.flush(); err != nil {
		return Invite{}, false, err
	}
	inv, err := scanInvite(t.tx.QueryRow(t.ctx, `SELECT `+inviteColumns+` FROM invites WHERE hash = $1`, hash[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return Invite{}, false, nil
	}
	return inv, err == nil, wrap(err, "read invitation")
}

func (t *pgTx) PutInvite(inv Invite) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO invites (`+inviteColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		inv.Hash[:], inv.ID, inv.User, inv.Role, inv.Created, inv.Expires, int64(inv.TokenTTL), inv.By, nullTime(inv.Used), inv.UsedFrom)
	return wrap(err, "write invitation")
}

// UseInvite: the row's own condition decides, so that of two servers
// redeeming one code at once only one updates it.
func (t *pgTx) UseInvite(hash [32]byte, at time.Time, from string) (bool, error) {
	if err := t.flush(); err != nil {
		return false, err
	}
	tag, err := t.tx.Exec(t.ctx, `UPDATE invites SET used = $2, used_from = $3 WHERE hash = $1 AND used IS NULL`, hash[:], at, from)
	if err != nil {
		return false, wrap(err, "use invitation")
	}
	return tag.RowsAffected() == 1, nil
}

func (t *pgTx) Invites() ([]Invite, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT `+inviteColumns+` FROM invites ORDER BY created`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invite, error) { return scanInvite(r) })
	return out, wrap(err, "list invitations")
}

func (t *pgTx) AppendAudit(e AuditEntry) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO audit (at, by_whom, from_where, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.At, e.By, e.From, e.Action, e.Target, e.Detail)
	return wrap(err, "write the audit log")
}

func (t *pgTx) Audit(limit int) ([]AuditEntry, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	n := int64(limit)
	if limit <= 0 {
		n = math.MaxInt64
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT at, by_whom, from_where, action, target, detail FROM
		(SELECT * FROM audit ORDER BY seq DESC LIMIT $1::bigint) a ORDER BY seq`, n)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.At, &e.By, &e.From, &e.Action, &e.Target, &e.Detail)
		e.At = e.At.UTC()
		return e, err
	})
	return out, wrap(err, "read the audit log")
}

func (t *pgTx) SetEpoch(epoch string) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `UPDATE meta SET value = $1 WHERE key = 'epoch'`, epoch)
	return wrap(err, "set the epoch")
}

// copyAccounts copies a bbolt server's account buckets into PostgreSQL
// for MigrateBoltToPostgres, after users and tokens: a disabled user
// stays disabled, a token keeps its expiry, and the invitations and the
// audit log come along.
func copyAccounts(ctx context.Context, btx *bolt.Tx, ptx pgx.Tx, copyRows func(table string, cols []string, rows [][]any) (int, error)) error {
	t := &boltTx{tx: btx}
	disabled, expires, err := t.AccountStates()
	if err != nil {
		return err
	}
	for name, at := range disabled {
		if _, err := ptx.Exec(ctx, `UPDATE users SET disabled = $2 WHERE name = $1`, name, at); err != nil {
			return fmt.Errorf("copy disabled users: %w", err)
		}
	}
	for hash, at := range expires {
		if _, err := ptx.Exec(ctx, `UPDATE tokens SET expires = $2 WHERE hash = $1`, hash[:], at); err != nil {
			return fmt.Errorf("copy token expiry: %w", err)
		}
	}
	invs, err := t.Invites()
	if err != nil {
		return err
	}
	var rows [][]any
	for _, inv := range invs {
		rows = append(rows, []any{inv.Hash[:], inv.ID, inv.User, inv.Role, inv.Created, inv.Expires, int64(inv.TokenTTL), inv.By, nullTime(inv.Used), inv.UsedFrom})
	}
	if _, err := copyRows("invites", strings.Split(inviteColumns, ", "), rows); err != nil {
		return err
	}
	log, err := t.Audit(0)
	if err != nil {
		return err
	}
	rows = nil
	for _, e := range log {
		rows = append(rows, []any{e.At, e.By, e.From, e.Action, e.Target, e.Detail})
	}
	_, err = copyRows("audit", []string{"at", "by_whom", "from_where", "action", "target", "detail"}, rows)
	return err
}
