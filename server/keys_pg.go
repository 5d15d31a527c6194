package server

import (
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

// KeysTx on PostgreSQL: the ssh_keys table (schema migration 8), one row
// per key, its fingerprint the primary key, so two servers adding one
// key for two users at once cannot both succeed.

func (t *pgTx) SSHKey(fingerprint string) (SSHKey, bool, error) {
	k := SSHKey{Fingerprint: fingerprint}
	if err := t.flush(); err != nil {
		return k, false, err
	}
	err := t.tx.QueryRow(t.ctx, `SELECT username, type, key, comment, added FROM ssh_keys WHERE fingerprint = $1`, fingerprint).
		Scan(&k.User, &k.Type, &k.Key, &k.Comment, &k.Added)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, false, nil
	}
	k.Added = k.Added.UTC()
	return k, err == nil, wrap(err, "read an SSH key")
}

func (t *pgTx) PutSSHKey(k SSHKey) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO ssh_keys (fingerprint, username, type, key, comment, added) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (fingerprint) DO UPDATE SET username = $2, type = $3, key = $4, comment = $5, added = $6`,
		k.Fingerprint, k.User, k.Type, k.Key, k.Comment, k.Added)
	return wrap(err, "store an SSH key")
}

func (t *pgTx) DeleteSSHKey(fingerprint string) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, `DELETE FROM ssh_keys WHERE fingerprint = $1`, fingerprint)
	return wrap(err, "remove an SSH key")
}

func (t *pgTx) SSHKeys(user string) ([]SSHKey, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT fingerprint, username, type, key, comment, added FROM ssh_keys
		WHERE $1 = '' OR username = $1`, user)
	var out []SSHKey
	var k SSHKey
	_, err := pgx.ForEachRow(rows, []any{&k.Fingerprint, &k.User, &k.Type, &k.Key, &k.Comment, &k.Added}, func() error {
		k.Added = k.Added.UTC()
		out = append(out, k)
		return nil
	})
	sortKeys(out)
	return out, wrap(err, "list SSH keys")
}

// copySSHKeys copies a bbolt server's SSH keys into PostgreSQL, for
// MigrateBoltToPostgres.
func copySSHKeys(btx *bolt.Tx, copyRows func(table string, cols []string, rows [][]any) (int, error)) error {
	b := btx.Bucket(bSSHKeys)
	if b == nil {
		return nil
	}
	var rows [][]any
	err := b.ForEach(func(_, v []byte) error {
		var k SSHKey
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		rows = append(rows, []any{k.Fingerprint, k.User, k.Type, k.Key, k.Comment, k.Added})
		return nil
	})
	if err != nil {
		return err
	}
	_, err = copyRows("ssh_keys", []string{"fingerprint", "username", "type", "key", "comment", "added"}, rows)
	return err
}
