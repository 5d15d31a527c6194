package server

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	bolt "go.etcd.io/bbolt"
)

// MigrateReport says what MigrateBoltToPostgres copied.
type MigrateReport struct {
	Users, Tokens, LogEntries, Records, Children, Visible int
	Head                                                  uint64
	Epoch                                                 string
}

// MigrateBoltToPostgres copies a bbolt server's data (the folder dir) into
// the empty PostgreSQL database at url, in one PostgreSQL transaction:
// users, token hashes, the log with the same seqs, merged records, the
// child and visibility indexes, and the epoch. Because seqs and the epoch
// are kept, clients carry on from their cursors against the new database.
// The bbolt server must be stopped (its file lock is taken). The copy is
// checked before it commits: entry counts and the head must match.
func MigrateBoltToPostgres(ctx context.Context, dir, url string) (MigrateReport, error) {
	var rep MigrateReport
	if _, err := os.Stat(BoltPath(dir)); err != nil {
		return rep, fmt.Errorf("%s holds no fieldcrm server data (%s): %w", dir, filepath.Base(BoltPath(dir)), err)
	}
	src, err := OpenBolt(dir, true)
	if err != nil {
		return rep, err
	}
	defer src.Close()
	dst, err := OpenPostgres(ctx, url)
	if err != nil {
		return rep, err
	}
	defer dst.Close()
	err = src.db.View(func(btx *bolt.Tx) error {
		ptx, err := dst.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
		if err != nil {
			return err
		}
		defer func() { _ = ptx.Rollback(context.Background()) }()
		var head int64
		if err := ptx.QueryRow(ctx, `SELECT seq FROM log_head WHERE one FOR UPDATE`).Scan(&head); err != nil {
			return err
		}
		var users int
		if err := ptx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
			return err
		}
		if head != 0 || users != 0 {
			return fmt.Errorf("%w (%d users, log head %d); migrate into an empty database", errNotEmpty, users, head)
		}
		copyRows := func(table string, cols []string, rows [][]any) (int, error) {
			n, err := ptx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			if err != nil {
				return 0, fmt.Errorf("copy %s: %w", table, err)
			}
			return int(n), nil
		}
		var rows [][]any
		// Users and tokens.
		err = btx.Bucket(bUsers).ForEach(func(_, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			rows = append(rows, []any{u.Name, u.Role, u.Created})
			return nil
		})
		if err != nil {
			return err
		}
		if rep.Users, err = copyRows("users", []string{"name", "role", "created"}, rows); err != nil {
			return err
		}
		rows = nil
		err = btx.Bucket(bTokens).ForEach(func(k, v []byte) error {
			var tok Token
			if err := json.Unmarshal(v, &tok); err != nil {
				return err
			}
			var revoked *time.Time
			if !tok.Revoked.IsZero() {
				revoked = &tok.Revoked
			}
			rows = append(rows, []any{append([]byte(nil), k...), tok.ID, tok.User, tok.Created, revoked})
			return nil
		})
		if err != nil {
			return err
		}
		if rep.Tokens, err = copyRows("tokens", []string{"hash", "id", "username", "created", "revoked"}, rows); err != nil {
			return err
		}
		// The log, seq for seq, in chunks.
		cols := []string{"seq", "kind", "lead", "username", "op_id", "op", "slots"}
		rows = nil
		flush := func() error {
			n, err := copyRows("log", cols, rows)
			rep.LogEntries += n
			rows = rows[:0]
			return err
		}
		c := btx.Bucket(bLog).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			e, err := decodeEntry(seq, v, true)
			if err != nil {
				return err
			}
			var opID *string
			var op []byte
			if e.Raw != nil {
				op = append([]byte(nil), e.Raw...)
				if e.Kind == EntryOp {
					var id struct {
						ID string `json:"op_id"`
					}
					if err := json.Unmarshal(op, &id); err != nil || id.ID == "" {
						return fmt.Errorf("log entry %d has no op id", seq)
					}
					opID = &id.ID
				}
			}
			if op != nil {
				op = jsonpack.Pack(nil, op) // as pgTx.Append stores it
			}
			rows = append(rows, []any{int64(seq), int16(slices.Index(entryKinds, e.Kind)), e.Lead, e.User, opID, op, int64(e.Slots)})
			if len(rows) == 5000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		// Records, then the indexes.
		rows = nil
		err = btx.Bucket(bRecords).ForEachBucket(func(typ []byte) error {
			return btx.Bucket(bRecords).Bucket(typ).ForEach(func(k, v []byte) error {
				id, ok := recordID(k)
				if !ok {
					return fmt.Errorf("the %s record keyed %x: the key is no id", typ, k)
				}
				rows = append(rows, []any{string(typ), id, append([]byte(nil), v...)})
				return nil
			})
		})
		if err != nil {
			return err
		}
		if rep.Records, err = copyRows("records", []string{"type", "id", "data"}, rows); err != nil {
			return err
		}
		rows = nil
		err = btx.Bucket(bChildren).ForEach(func(k, _ []byte) error {
			lead, ref, ok := parseChildKey(k)
			if !ok {
				return fmt.Errorf("child index key %q is corrupt", k)
			}
			rows = append(rows, []any{lead, ref.Type, ref.ID})
			return nil
		})
		if err != nil {
			return err
		}
		if rep.Children, err = copyRows("children", []string{"lead", "type", "id"}, rows); err != nil {
			return err
		}
		rows = nil
		err = btx.Bucket(bVisible).ForEach(func(k, _ []byte) error {
			parts := splitZero(string(k), 2)
			if parts == nil {
				return fmt.Errorf("visibility key %q is corrupt", k)
			}
			rows = append(rows, []any{parts[0], parts[1]})
			return nil
		})
		if err != nil {
			return err
		}
		if rep.Visible, err = copyRows("visible", []string{"username", "lead"}, rows); err != nil {
			return err
		}
		rows = nil
		err = btx.Bucket(bUsage).ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("usage of %q is corrupt", k)
			}
			rows = append(rows, []any{string(k), int64(binary.BigEndian.Uint64(v))})
			return nil
		})
		if err != nil {
			return err
		}
		if _, err = copyRows("usage", []string{"username", "op_bytes"}, rows); err != nil {
			return err
		}
		if _, err := copyQuarantine(btx, copyRows); err != nil {
			return err
		}
		if err := copyAccounts(ctx, btx, ptx, copyRows); err != nil { // pg_accounts.go
			return err
		}
		if err := copySettings(btx, copyRows); err != nil { // settings_pg.go
			return err
		}
		if err := copySSHKeys(btx, copyRows); err != nil { // keys_pg.go
			return err
		}
		// The head and the epoch, so clients' cursors stay valid.
		rep.Head = btx.Bucket(bLog).Sequence()
		rep.Epoch = string(btx.Bucket(bMeta).Get(kEpoch))
		if _, err := ptx.Exec(ctx, `UPDATE log_head SET seq = $1 WHERE one`, int64(rep.Head)); err != nil {
			return err
		}
		if _, err := ptx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'epoch'`, rep.Epoch); err != nil {
			return err
		}
		// Check before committing: every entry arrived, none twice.
		var n, maxSeq int64
		if err := ptx.QueryRow(ctx, `SELECT count(*), coalesce(max(seq), 0) FROM log`).Scan(&n, &maxSeq); err != nil {
			return err
		}
		if int(n) != btx.Bucket(bLog).Stats().KeyN || uint64(maxSeq) > rep.Head {
			return fmt.Errorf("the copied log does not match: %d entries up to %d, the source has %d up to %d",
				n, maxSeq, btx.Bucket(bLog).Stats().KeyN, rep.Head)
		}
		return ptx.Commit(ctx)
	})
	if err != nil {
		return MigrateReport{}, fmt.Errorf("migrate %s to PostgreSQL: %w", dir, err)
	}
	return rep, nil
}

// splitZero splits s at 0x00 bytes into exactly n parts, or returns nil.
func splitZero(s string, n int) []string {
	var out []string
	start := 0
	for i := 0; i < len(s) && len(out) < n-1; i++ {
		if s[i] == 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	out = append(out, s[start:])
	if len(out) != n {
		return nil
	}
	return out
}
