package server

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

// Operator repair on PostgreSQL (repair.go): the table quarantine
// (migration 5) holds the marks.

// Quarantine implements RepairTx.
func (t *pgTx) Quarantine(q Quarantine) error {
	t.batch.Queue(`INSERT INTO quarantine (seq, op_id, reason, quarantined_by, quarantined_at) VALUES ($1, $2, $3, $4, $5)`,
		int64(q.Seq), q.OpID, q.Reason, q.By, q.At)
	return nil
}

// Quarantined implements RepairTx.
func (t *pgTx) Quarantined(after uint64) ([]Quarantine, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT seq, op_id, reason, quarantined_by, quarantined_at FROM quarantine WHERE seq > $1 ORDER BY seq`, int64(after))
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Quarantine, error) {
		var q Quarantine
		var seq int64
		err := r.Scan(&seq, &q.OpID, &q.Reason, &q.By, &q.At)
		q.Seq, q.At = uint64(seq), q.At.UTC()
		return q, err
	})
	return out, wrap(err, "read the quarantined ops")
}

// DropRecord implements RepairTx. The delete is sent at once, so that a
// later Record in the transaction finds nothing.
func (t *pgTx) DropRecord(ref model.EntityRef) error {
	if !slices.Contains(model.EntityTypes, ref.Type) {
		return fmt.Errorf("unknown entity type %q", ref.Type)
	}
	delete(t.written, ref)
	t.batch.Queue(`DELETE FROM records WHERE type = $1 AND id = $2`, ref.Type, ref.ID)
	return t.flush()
}

// eachRecordChunk is how many records EachRecord reads per query.
const eachRecordChunk = 500

// EachRecord implements RepairTx, a chunk of records per query. Rows are
// handled as they arrive, not collected, so a chunk of large records (a
// record may hold 16 MiB of notes) costs the memory of one at a time; fn
// must therefore not query the database itself.
func (t *pgTx) EachRecord(after model.EntityRef, fn func(ref model.EntityRef, rec *model.Record, bad error) (bool, error)) error {
	if err := t.flush(); err != nil {
		return err
	}
	last := after
	for {
		rows, err := t.tx.Query(t.ctx, `SELECT type, id, data FROM records WHERE (type, id) > ($1, $2) ORDER BY type, id LIMIT $3`,
			last.Type, last.ID, eachRecordChunk)
		if err != nil {
			return wrap(err, "read the records")
		}
		n := 0
		for rows.Next() {
			var ref model.EntityRef
			var data []byte
			if err := rows.Scan(&ref.Type, &ref.ID, &data); err != nil {
				rows.Close()
				return wrap(err, "read the records")
			}
			n, last = n+1, ref
			rec, bad := decodeRecord(ref, data)
			if !slices.Contains(model.EntityTypes, ref.Type) {
				rec, bad = nil, fmt.Errorf("unknown entity type %q", ref.Type)
			}
			more, err := fn(ref, rec, bad)
			if err != nil || !more {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap(err, "read the records")
		}
		if n < eachRecordChunk {
			return nil
		}
	}
}

// copyQuarantine copies a bbolt server's quarantine marks, for
// MigrateBoltToPostgres; it returns how many.
func copyQuarantine(btx *bolt.Tx, copyRows func(table string, cols []string, rows [][]any) (int, error)) (int, error) {
	b := btx.Bucket(bQuarantine)
	if b == nil {
		return 0, nil
	}
	var rows [][]any
	err := b.ForEach(func(k, v []byte) error {
		var q Quarantine
		if err := json.Unmarshal(v, &q); err != nil {
			return fmt.Errorf("quarantine mark %x is corrupt: %w", k, err)
		}
		rows = append(rows, []any{int64(q.Seq), q.OpID, q.Reason, q.By, q.At})
		return nil
	})
	if err != nil {
		return 0, err
	}
	return copyRows("quarantine", []string{"seq", "op_id", "reason", "quarantined_by", "quarantined_at"}, rows)
}
