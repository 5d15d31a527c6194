package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PGStorage keeps the server's state in PostgreSQL, so several `fieldcrm
// serve` processes can share one database behind a load balancer. The
// schema is created and migrated by OpenPostgres (pgmigrations.go).
//
// Every Update transaction first locks the one-row counter table log_head
// (SELECT ... FOR UPDATE). Writers therefore take turns exactly as on
// bbolt: each sees every earlier commit, Append numbers entries from the
// locked counter, and a higher seq can never commit before a lower one,
// whichever server process runs the transaction. Reads (View) run in a
// REPEATABLE READ snapshot, so a pull sees a prefix of the log.
type PGStorage struct {
	pool *pgxpool.Pool
	// MaxRetries bounds how often Update reruns fn after a serialization
	// failure, a deadlock or a concurrent insert of the same op id.
	MaxRetries int
	// childrenMet says a COPY of new records' children met a row already
	// there (a record a repair dropped, made again): from then on this
	// storage upserts every child (sendChildren).
	childrenMet atomic.Bool
}

// IsPostgresURL reports whether s names a PostgreSQL database.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenPostgres connects to the database at url (postgres://...) and
// migrates its schema to this build's version.
func OpenPostgres(ctx context.Context, url string) (*PGStorage, error) {
	return openPostgres(ctx, url, 0)
}

func openPostgres(ctx context.Context, url string, upTo int) (*PGStorage, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("the database URL is not valid: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", redactURL(url), err)
	}
	if err := migratePostgres(pctx, pool, upTo); err != nil {
		pool.Close()
		return nil, err
	}
	return &PGStorage{pool: pool, MaxRetries: 20}, nil
}

// redactURL drops a password from a connection URL for messages.
func redactURL(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "the given URL"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// Close implements Storage.
func (s *PGStorage) Close() error { s.pool.Close(); return nil }

// View implements Storage: fn runs in a read-only REPEATABLE READ snapshot.
func (s *PGStorage) View(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

// Update implements Storage: fn runs in a transaction that holds the
// counter row. It is rerun (from scratch, as Storage allows) after a
// serialization failure, a deadlock or a unique violation on an op id
// (two servers applying the same resent op at once: the rerun answers
// duplicate), and once after a COPY of children met a row already there
// (sendChildren).
func (s *PGStorage) Update(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, true, fn)
}

func (s *PGStorage) run(ctx context.Context, opts pgx.TxOptions, write bool, fn func(Tx) error) error {
	rerun := false // for a child met (copyMetChild), once
	for attempt := 0; ; attempt++ {
		err := s.once(ctx, opts, write, fn)
		if copyMetChild(err) && !rerun {
			s.childrenMet.Store(true)
			rerun = true
			continue // again at once, every child upserted
		}
		if err == nil || !retryable(err) || attempt >= s.MaxRetries {
			return err
		}
		// Back off a little, with jitter, before trying again.
		d := time.Duration(1+rand.IntN(1<<min(attempt, 6))) * time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(d):
		}
	}
}

func (s *PGStorage) once(ctx context.Context, opts pgx.TxOptions, write bool, fn func(Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin a PostgreSQL transaction: %w", err)
	}
	defer func() { _ = ptx.Rollback(context.Background()) }()
	t := &pgTx{ctx: ctx, tx: ptx, write: write, copyChildren: !s.childrenMet.Load()}
	if write {
		if err := ptx.QueryRow(ctx, `SELECT seq FROM log_head WHERE one FOR UPDATE`).Scan(&t.head); err != nil {
			return fmt.Errorf("lock the log's counter row: %w", err)
		}
		t.start = t.head
	}
	if err := fn(t); err != nil {
		return err
	}
	if write && t.head != t.start {
		// Sent with the transaction's last queued writes, in one round trip.
		t.batch.Queue(`UPDATE log_head SET seq = $1 WHERE one`, int64(t.head))
	}
	for user, n := range t.added {
		t.batch.Queue(`INSERT INTO usage (username, op_bytes) VALUES ($1, $2)
			ON CONFLICT (username) DO UPDATE SET op_bytes = usage.op_bytes + excluded.op_bytes`, user, n)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return ptx.Commit(ctx)
}

// copyMetChild reports whether err is a COPY of children meeting a row
// already there (sendChildren).
func copyMetChild(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "children_pkey"
}

// retryable reports whether err is a conflict that a rerun resolves.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return true
	case "23505": // unique_violation: the same op id applied meanwhile
		return pe.ConstraintName == "log_op_id_key"
	}
	return false
}

// pgTx implements Tx on one PostgreSQL transaction. Writes of records,
// indexes and log entries are queued and sent (flush) before the next
// query that could read them and before commit: the log's new rows by
// COPY, the rest as one pipelined batch. A push so costs a round trip per
// read, not per write; records written in the transaction are read back
// from memory. COPY, against a batch of INSERTs, took the first push of
// a 10,000-lead book from 11.15-12.32 s to 10.53-11.04 s and PostgreSQL's
// CPU for it from 3.4 s to 2.9 s (BENCHMARKS.md, "Whole processes on
// PostgreSQL").
type pgTx struct {
	ctx   context.Context
	tx    pgx.Tx
	write bool
	head  uint64 // write: the counter as this transaction moves it
	start uint64
	batch pgx.Batch
	// log entries appended and not yet sent: flush copies them in (COPY)
	// before it sends the batch
	logRows [][]any
	// records written and not yet sent (their data in written), in the
	// order first written, and children added and not yet sent
	unsent      map[model.EntityRef]bool
	unsentOrder []model.EntityRef
	childRows   []child
	// copyChildren: the children of new records may be copied in
	// (sendChildren)
	copyChildren bool
	// pending op ids appended in this transaction, for OpSeq before flush
	pending map[string]uint64
	// records written in this transaction, encoded (read back from here;
	// those in unsent are not yet in the table)
	written map[model.EntityRef][]byte
	// write: what prefetch read for a push before its ops are applied:
	// op id -> seq (0: not in the log), ref -> record (nil: none). The
	// transaction holds the counter row, so no other writer changes them.
	seqs    map[string]uint64
	fetched map[model.EntityRef][]byte
	// usage read in this transaction (stable: writers hold the counter
	// row), and the bytes its appends add, written at commit
	usage, added map[string]int64
	// rows of visible added and not yet queued (queueVisible): users and
	// their leads, in the order added
	visUsers, visLeads []string
	// read-only: whether any of seenUsers may see each lead met so far,
	// and the leads of the log chunk being scanned (see VisibleToAny)
	seen       map[string]bool
	seenUsers  []string
	chunkLeads []string
}

func (t *pgTx) flush() error {
	if len(t.logRows) > 0 {
		// Log rows go first, by COPY: a quarantine row queued in the batch
		// refers to its entry.
		rows := t.logRows
		t.logRows = nil
		if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"log"}, logColumns, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("write the log: %w", err)
		}
	}
	if err := t.flushRecords(); err != nil {
		return err
	}
	t.queueVisible()
	if t.batch.Len() == 0 {
		return nil
	}
	b := t.batch
	t.batch = pgx.Batch{}
	if err := t.tx.SendBatch(t.ctx, &b).Close(); err != nil {
		return fmt.Errorf("write the transaction's changes: %w", err)
	}
	return nil
}

// copyMin is the fewest rows worth a COPY into a staging table and one
// INSERT from it; fewer are queued as INSERTs in the batch.
const copyMin = 64

// staged is how rows of one table reach it: one INSERT each (one), or by
// COPY into a temporary staging table (create, columns) and one INSERT
// from it that empties it again (many).
type staged struct {
	what, table, create, one, many string
	columns                        []string
}

var recordsStaged = staged{
	what:  "write records",
	table: "records_in", columns: []string{"type", "id", "data"},
	create: `CREATE TEMP TABLE IF NOT EXISTS records_in (type text, id text, data bytea) ON COMMIT DELETE ROWS`,
	one: `INSERT INTO records (type, id, data) VALUES ($1, $2, $3)
		ON CONFLICT (type, id) DO UPDATE SET data = excluded.data`,
	many: `INSERT INTO records (type, id, data) SELECT type, id, data FROM records_in
		ON CONFLICT (type, id) DO UPDATE SET data = excluded.data; TRUNCATE records_in`,
}

// flushRecords sends the records and children written since the last
// flush. A record the transaction found missing when it read ahead
// (prefetchRecords) and has not sent since is new: no other writer can
// have added it, as every writer holds the counter row first, so when
// enough are new they are copied into the table itself, without the
// staging table and its upsert. The rest are upserted.
func (t *pgTx) flushRecords() error {
	refs, kids := t.unsentOrder, t.childRows
	t.unsent, t.unsentOrder, t.childRows = nil, nil, nil
	var fresh, rows [][]any
	for _, ref := range refs {
		data, ok := t.written[ref]
		if !ok {
			continue // dropped since it was written (DropRecord): not sent
		}
		row := []any{ref.Type, ref.ID, data}
		if got, ok := t.fetched[ref]; ok && got == nil {
			fresh = append(fresh, row)
			delete(t.fetched, ref) // in the table from now on
		} else {
			rows = append(rows, row)
		}
	}
	if len(fresh) < copyMin {
		rows = append(rows, fresh...)
	} else if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"records"}, recordsStaged.columns, pgx.CopyFromRows(fresh)); err != nil {
		return wrap(err, recordsStaged.what)
	}
	if err := t.send(recordsStaged, rows); err != nil {
		return err
	}
	return t.sendChildren(kids)
}

// child is a row of the children table: a record that belongs to lead;
// fresh says the record was found missing when the transaction read
// ahead.
type child struct {
	lead  string
	ref   model.EntityRef
	fresh bool
}

// sendChildren writes the children rows: those of new records by COPY
// into the table itself when enough are, the rest queued (queueChildren).
// A new record's child is new too, but for a record a repair dropped
// (DropRecord keeps its row) and a push then made again: the COPY then
// fails on the table's key, and Update runs the transaction again with
// every child upserted (PGStorage.childrenMet). On a first push of the
// demo book, the children copied in took the server's part of the push
// on PostgreSQL from 3.38-3.52 s to 3.21-3.30 s (BenchmarkPGServerPush,
// BENCHMARKS.md): an upsert looks each row up before it inserts it.
func (t *pgTx) sendChildren(kids []child) error {
	var fresh [][]any
	if t.copyChildren {
		n := 0
		for _, k := range kids {
			if k.fresh {
				n++
			}
		}
		if n >= copyMin {
			fresh = make([][]any, 0, n)
			rest := kids[:0:0]
			for _, k := range kids {
				if k.fresh {
					fresh = append(fresh, []any{k.lead, k.ref.Type, k.ref.ID})
				} else {
					rest = append(rest, k)
				}
			}
			kids = rest
		}
	}
	if len(fresh) > 0 {
		if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"children"}, childColumns, pgx.CopyFromRows(fresh)); err != nil {
			return wrap(err, "write a lead's records")
		}
	}
	t.queueChildren(kids)
	return nil
}

// childColumns are the children table's columns as sendChildren fills them.
var childColumns = []string{"lead", "type", "id"}

// queueChildren queues the children rows in the batch, in one INSERT of
// three lists however many there are. They went into a staging table by
// COPY and then into the table by one INSERT from it, as records do: on
// a first push of the demo book (108,434 children in 60 batches) the
// four statements a batch took PostgreSQL 483-576 ms in all that way,
// and the one 377-429 ms this way (pg_stat_statements, BENCHMARKS.md).
// An existing row is left as it is: a record dropped by a repair keeps
// its place among its lead's children.
func (t *pgTx) queueChildren(kids []child) {
	if len(kids) == 0 {
		return
	}
	leads, types, ids := make([]string, len(kids)), make([]string, len(kids)), make([]string, len(kids))
	for i, k := range kids {
		leads[i], types[i], ids[i] = k.lead, k.ref.Type, k.ref.ID
	}
	t.batch.Queue(`INSERT INTO children (lead, type, id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
		ON CONFLICT DO NOTHING`, leads, types, ids)
}

// send writes rows the way s says: few queued in the batch, many by COPY.
func (t *pgTx) send(s staged, rows [][]any) error {
	if len(rows) < copyMin {
		for _, r := range rows {
			t.batch.Queue(s.one, r...)
		}
		return nil
	}
	if _, err := t.tx.Exec(t.ctx, s.create); err != nil {
		return wrap(err, s.what)
	}
	if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{s.table}, s.columns, pgx.CopyFromRows(rows)); err != nil {
		return wrap(err, s.what)
	}
	_, err := t.tx.Exec(t.ctx, s.many)
	return wrap(err, s.what)
}

func (t *pgTx) Epoch() (string, error) {
	var e string
	err := t.tx.QueryRow(t.ctx, `SELECT value FROM meta WHERE key = 'epoch'`).Scan(&e)
	return e, wrap(err, "read the epoch")
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (t *pgTx) User(name string) (User, bool, error) {
	u := User{Name: name}
	err := t.tx.QueryRow(t.ctx, `SELECT role, created FROM users WHERE name = $1`, name).Scan(&u.Role, &u.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, wrap(err, "read user")
	}
	u.Created = u.Created.UTC()
	return u, true, nil
}

func (t *pgTx) PutUser(u User) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO users (name, role, created) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, created = excluded.created`, u.Name, u.Role, u.Created)
	return wrap(err, "write user")
}

func (t *pgTx) Users() ([]User, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT name, role, created FROM users ORDER BY name`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
		var u User
		err := r.Scan(&u.Name, &u.Role, &u.Created)
		u.Created = u.Created.UTC()
		return u, err
	})
	return out, wrap(err, "list users")
}

func scanToken(r pgx.Row) (Token, error) {
	var tok Token
	var hash []byte
	var revoked *time.Time
	if err := r.Scan(&hash, &tok.ID, &tok.User, &tok.Created, &revoked); err != nil {
		return tok, err
	}
	copy(tok.Hash[:], hash)
	tok.Created = tok.Created.UTC()
	if revoked != nil {
		tok.Revoked = revoked.UTC()
	}
	return tok, nil
}

func (t *pgTx) Token(hash [32]byte) (Token, bool, error) {
	tok, err := scanToken(t.tx.QueryRow(t.ctx, `SELECT hash, id, username, created, revoked FROM tokens WHERE hash = $1`, hash[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, false, nil
	}
	return tok, err == nil, wrap(err, "read token")
}

func (t *pgTx) PutToken(tok Token) error {
	var revoked *time.Time
	if !tok.Revoked.IsZero() {
		revoked = &tok.Revoked
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO tokens (hash, id, username, created, revoked) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (hash) DO UPDATE SET id = excluded.id, username = excluded.username, created = excluded.created, revoked = excluded.revoked`,
		tok.Hash[:], tok.ID, tok.User, tok.Created, revoked)
	return wrap(err, "write token")
}

func (t *pgTx) Tokens() ([]Token, error) {
	rows, _ := t.tx.Query(t.ctx, `SELECT hash, id, username, created, revoked FROM tokens ORDER BY username, created`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) { return scanToken(r) })
	return out, wrap(err, "list tokens")
}

// decodeRecord reads a record stored as boltRecord JSON (the same
// encoding on both backends).
func decodeRecord(ref model.EntityRef, v []byte) (*model.Record, error) {
	v, err := jsonpack.Unpack(nil, v)
	if err != nil {
		return nil, fmt.Errorf("%s %s is corrupt: %w", ref.Type, ref.ID, err)
	}
	rec := model.NewRecord(ref.Type)
	if readRecord(v, rec) {
		return rec, nil
	}
	if rec, err = unmarshalRecord(ref.Type, v); err != nil {
		return nil, fmt.Errorf("%s %s is corrupt: %w", ref.Type, ref.ID, err)
	}
	return rec, nil
}

// unmarshalRecord reads v, a record's JSON, with encoding/json into a
// boltRecord: what readRecord declines.
func unmarshalRecord(typ string, v []byte) (*model.Record, error) {
	rec := model.NewRecord(typ)
	br := boltRecord{Record: rec}
	if err := json.Unmarshal(v, &br); err != nil {
		return nil, err
	}
	return settleRecord(rec, br.Fields), nil
}

// settleRecord gives rec its fields, and empty maps for none.
func settleRecord(rec *model.Record, fields map[string]json.RawMessage) *model.Record {
	if fields == nil {
		fields = map[string]json.RawMessage{}
	}
	rec.Fields = fields
	if rec.Stamps == nil {
		rec.Stamps = map[string]model.Stamp{}
	}
	return rec
}

// readRecord reads v, a record as encodeRecord writes it, into rec, as
// json.Unmarshal into a boltRecord would, and reports whether it could:
// the fields by the one-pass scanner of ops (model.ScanFields), the merge
// state after them by encoding/json. Anything else it leaves to
// json.Unmarshal (TestReadRecordAgreesWithEncodingJSON, FuzzReadRecord).
// encoding/json's decode of the whole record was most of the start-up
// check's records half, 1.46 CPU-s of 2.2 for the demo book's 118,539
// records; the check took 3.6-4.1 s before and 2.9-3.0 s with it
// (BENCHMARKS.md). v is the caller's own copy: its byte before the merge
// state is overwritten.
func readRecord(v []byte, rec *model.Record) bool {
	const head = `{"f":`
	if !bytes.HasPrefix(v, []byte(head)) {
		return false
	}
	fields, end, ok := model.ScanFields(v, len(head))
	if !ok || end >= len(v) {
		return false
	}
	switch rest := v[end:]; {
	case len(rest) == 1 && rest[0] == '}':
	case len(rest) > 2 && rest[0] == ',' && rest[1] == '"': // a member follows, as encodeRecord writes it
		// The merge state is the rest, as an object of its own. A second
		// "f" in it (any case, as encoding/json matches keys) would have
		// been the fields: json.Unmarshal decides that one.
		rest[0] = '{'
		var state struct {
			F json.RawMessage `json:"f"`
			*model.Record
		}
		state.Record = rec
		if json.Unmarshal(rest, &state) != nil || state.F != nil {
			rest[0] = ','
			*rec = *model.NewRecord(rec.Type)
			return false
		}
	default:
		return false
	}
	settleRecord(rec, fields)
	return true
}

func (t *pgTx) Record(ref model.EntityRef) (*model.Record, bool, error) {
	if !slices.Contains(model.EntityTypes, ref.Type) {
		return nil, false, fmt.Errorf("unknown entity type %q", ref.Type)
	}
	if data, ok := t.written[ref]; ok {
		rec, err := decodeRecord(ref, data)
		return rec, err == nil, err
	}
	if data, ok := t.fetched[ref]; ok {
		if data == nil {
			return model.NewRecord(ref.Type), false, nil
		}
		rec, err := decodeRecord(ref, data)
		return rec, err == nil, err
	}
	var v []byte
	err := t.tx.QueryRow(t.ctx, `SELECT data FROM records WHERE type = $1 AND id = $2`, ref.Type, ref.ID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.NewRecord(ref.Type), false, nil
	}
	if err != nil {
		return nil, false, wrap(err, "read record")
	}
	rec, err := decodeRecord(ref, v)
	return rec, err == nil, err
}

func (t *pgTx) PutRecord(ref model.EntityRef, rec *model.Record) error {
	data, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	return t.putEncoded(ref, data)
}

// putEncoded stores a record encodeRecord encoded as data (encodedPutter).
func (t *pgTx) putEncoded(ref model.EntityRef, data []byte) error {
	if !slices.Contains(model.EntityTypes, ref.Type) {
		return fmt.Errorf("unknown entity type %q", ref.Type)
	}
	if t.written == nil {
		t.written = map[model.EntityRef][]byte{}
	}
	if _, ok := t.unsent[ref]; !ok {
		if t.unsent == nil {
			t.unsent = map[model.EntityRef]bool{}
		}
		t.unsent[ref] = true
		t.unsentOrder = append(t.unsentOrder, ref)
	}
	t.written[ref] = data
	return nil
}

func (t *pgTx) Children(lead string) ([]model.EntityRef, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT type, id FROM children WHERE lead = $1 ORDER BY type, id`, lead)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.EntityRef, error) {
		var ref model.EntityRef
		return ref, r.Scan(&ref.Type, &ref.ID)
	})
	return out, wrap(err, "list a lead's records")
}

func (t *pgTx) ChildRecords(lead string, types ...string) (map[model.EntityRef]*model.Record, error) {
	if err := t.flush(); err != nil { // the records and children this transaction wrote
		return nil, err
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT c.type, c.id, r.data FROM children c JOIN records r ON r.type = c.type AND r.id = c.id
		WHERE c.lead = $1 AND c.type = ANY($2)`, lead, types)
	out := map[model.EntityRef]*model.Record{}
	var ref model.EntityRef
	var data []byte
	_, err := pgx.ForEachRow(rows, []any{&ref.Type, &ref.ID, &data}, func() error {
		rec, err := decodeRecord(ref, data)
		out[ref] = rec
		return err
	})
	return out, wrap(err, "read a lead's records")
}

func (t *pgTx) AddChild(lead string, ref model.EntityRef) error {
	got, ok := t.fetched[ref]
	t.childRows = append(t.childRows, child{lead, ref, ok && got == nil})
	return nil
}

// Visible implements Tx.
func (t *pgTx) Visible(user, lead string) (bool, error) {
	return t.VisibleToAny([]string{user}, lead)
}

// VisibleToAny implements Tx. In a read-only transaction (a pull asks
// about every lead in the log it scans, for one user and their queue)
// answers come from the log chunk Scan is reading: the first question
// reads the users' visibility of all the chunk's leads in one query, and
// later chunks bring it in each row.
func (t *pgTx) VisibleToAny(users []string, lead string) (bool, error) {
	if !t.write {
		if t.seen == nil || !slices.Equal(t.seenUsers, users) {
			t.seen, t.seenUsers = map[string]bool{}, slices.Clone(users)
		}
		if v, ok := t.seen[lead]; ok {
			return v, nil
		}
		leads := append([]string{lead}, t.chunkLeads...)
		rows, _ := t.tx.Query(t.ctx, `SELECT DISTINCT lead FROM visible WHERE username = ANY($1) AND lead = ANY($2)`, users, leads)
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return false, wrap(err, "read visibility")
		}
		for _, l := range leads {
			t.seen[l] = false
		}
		for _, l := range found {
			t.seen[l] = true
		}
		return t.seen[lead], nil
	}
	if err := t.flush(); err != nil {
		return false, err
	}
	var ok bool
	err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM visible WHERE username = ANY($1) AND lead = $2)`, users, lead).Scan(&ok)
	return ok, wrap(err, "read visibility")
}

func (t *pgTx) SetVisible(lead string, remove, add []string) error {
	if len(remove) > 0 {
		t.queueVisible() // the rows added before, before this removal
		t.batch.Queue(`DELETE FROM visible WHERE lead = $1 AND username = ANY($2)`, lead, remove)
	}
	for _, u := range add {
		t.visUsers, t.visLeads = append(t.visUsers, u), append(t.visLeads, lead)
	}
	return nil
}

// queueVisible queues the rows SetVisible added since it last ran, in
// one INSERT of two lists; SetVisible runs it before it queues a removal,
// so the rows change in the order they were changed. Queued one
// statement per lead, a first push of the demo book sent PostgreSQL
// 10,188 of them, each parsed, planned and run on its own; now 60, one
// a batch (BENCHMARKS.md).
func (t *pgTx) queueVisible() {
	if len(t.visUsers) == 0 {
		return
	}
	t.batch.Queue(`INSERT INTO visible (username, lead) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
		t.visUsers, t.visLeads)
	t.visUsers, t.visLeads = nil, nil
}

func (t *pgTx) OpSeq(opID string) (uint64, bool, error) {
	if seq, ok := t.pending[opID]; ok {
		return seq, true, nil
	}
	if seq, ok := t.seqs[opID]; ok {
		return seq, seq != 0, nil
	}
	var seq int64
	err := t.tx.QueryRow(t.ctx, `SELECT seq FROM log WHERE op_id = $1`, opID).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return uint64(seq), err == nil, wrap(err, "look up op id")
}

// prefetchSeqs reads in one query the seqs of the op ids that a push is
// about to look up one by one (prefetcher), so that a batch of 2,000 ops
// costs a round trip instead of one per op. Only a writer prefetches: it
// holds the counter row, so the answers stay true for the transaction
// (its own writes are looked up first).
func (t *pgTx) prefetchSeqs(ids []string) error {
	if !t.write {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	if t.seqs == nil {
		t.seqs = map[string]uint64{}
	}
	for _, id := range ids {
		t.seqs[id] = 0
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT op_id, seq FROM log WHERE op_id = ANY($1)`, ids)
	var id string
	var seq int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &seq}, func() error {
		t.seqs[id] = uint64(seq)
		return nil
	}); err != nil {
		return wrap(err, "look up op ids")
	}
	return nil
}

// prefetchRecords is prefetchSeqs for the records of refs.
func (t *pgTx) prefetchRecords(refs []model.EntityRef) error {
	if !t.write {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	if t.fetched == nil {
		t.fetched = map[model.EntityRef][]byte{}
	}
	var types, keys []string
	for _, ref := range refs {
		if _, ok := t.fetched[ref]; ok {
			continue // named twice, or known already
		}
		if _, ok := t.written[ref]; ok {
			continue
		}
		types, keys = append(types, ref.Type), append(keys, ref.ID)
		t.fetched[ref] = nil
	}
	if len(types) == 0 {
		return nil
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT r.type, r.id, r.data FROM records r
		JOIN unnest($1::text[], $2::text[]) AS k(type, id) ON r.type = k.type AND r.id = k.id`, types, keys)
	var ref model.EntityRef
	var data []byte
	kept := 0
	_, err := pgx.ForEachRow(rows, []any{&ref.Type, &ref.ID, &data}, func() error {
		if kept += len(data); kept > maxPrefetchBytes {
			delete(t.fetched, ref) // Record reads it when it is needed
			return nil
		}
		t.fetched[ref] = slices.Clone(data)
		return nil
	})
	return wrap(err, "read records")
}

// maxPrefetchBytes bounds the records prefetchRecords keeps for a batch
// (a record may hold 16 MiB of notes): those beyond are read one by one,
// as before, so a push of large records costs no more memory than it did.
// A variable so that a test can make every record go beyond it.
var maxPrefetchBytes = 16 << 20

// Usage implements Tx.
func (t *pgTx) Usage(user string) (int64, error) {
	if n, ok := t.usage[user]; ok {
		return n + t.added[user], nil
	}
	var n int64
	err := t.tx.QueryRow(t.ctx, `SELECT op_bytes FROM usage WHERE username = $1`, user).Scan(&n)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, wrap(err, "read usage")
	}
	if t.usage == nil {
		t.usage = map[string]int64{}
	}
	t.usage[user] = n
	return n + t.added[user], nil
}

// Append implements Tx: the seq is the locked counter plus one (plus the
// slots a grant or revoke keeps free below it).
func (t *pgTx) Append(e LogEntry) (uint64, error) {
	if !t.write {
		return 0, errors.New("append in a read-only transaction")
	}
	k := slices.Index(entryKinds, e.Kind)
	if k < 0 {
		return 0, fmt.Errorf("log entry kind %q", e.Kind)
	}
	var opID *string
	var op []byte
	if e.Op != nil {
		op = e.Raw // the op's JSON, when the caller encoded it already
		if op == nil {
			data, err := json.Marshal(e.Op)
			if err != nil {
				return 0, err
			}
			op = data
		}
		if e.Kind == EntryOp {
			opID = &e.Op.ID
		}
	}
	e.Slots = 0
	if e.Kind == EntryGrant || e.Kind == EntryRevoke {
		e.Slots = VisibilitySlots
	}
	t.head += e.Slots + 1
	seq := t.head
	var stored []byte
	if op != nil {
		// Packed, about half the bytes of the log table; Scan unpacks,
		// and reads a row written before as it is.
		if stored = e.Packed; stored == nil || e.Raw == nil {
			stored = jsonpack.Pack(nil, op)
		}
	}
	t.logRows = append(t.logRows, []any{int64(seq), int16(k), e.Lead, e.User, opID, stored, int64(e.Slots)})
	if opID != nil {
		if t.pending == nil {
			t.pending = map[string]uint64{}
		}
		t.pending[*opID] = seq
		if user := e.Op.Actor.User; user != "" {
			if t.added == nil {
				t.added = map[string]int64{}
			}
			t.added[user] += int64(len(op))
		}
	}
	return seq, nil
}

func (t *pgTx) Head() (uint64, error) {
	if t.write {
		return t.head, nil
	}
	var seq int64
	err := t.tx.QueryRow(t.ctx, `SELECT seq FROM log_head WHERE one`).Scan(&seq)
	return uint64(seq), wrap(err, "read the log's head")
}

// logColumns are the log's columns as Append fills them.
var logColumns = []string{"seq", "kind", "lead", "username", "op_id", "op", "slots"}

// scanChunk is how many log rows Scan fetches per query, and
// scanChunkBytes about how many bytes of ops as stored (packed, about half
// their JSON; rows from before as JSON): a chunk ends before the
// row that would take it past that (it always holds one row), so a scan
// over a log of long notes holds a few MiB at a time, not 2,000 notes.
const (
	scanChunk      = 2000
	scanChunkBytes = 8 << 20
)

// Scan implements Tx. Once a read-only transaction has been asked what
// a user may see (VisibleToAny: a rep's pull), later chunks bring that in each
// row, and leave out the JSON of ops on leads the user may not see: the
// pull skips those entries and needs only their seq, so a rep's pull
// does not carry the whole team's ops from the database.
func (t *pgTx) Scan(after uint64, fn func(LogEntry) (bool, error)) error {
	return t.scan(after, true, fn)
}

func (t *pgTx) ScanPacked(after uint64, fn func(LogEntry) (bool, error)) error {
	return t.scan(after, false, fn)
}

func (t *pgTx) scan(after uint64, unpack bool, fn func(LogEntry) (bool, error)) error {
	if err := t.flush(); err != nil {
		return err
	}
	defer func() { t.chunkLeads = nil }()
	for first := true; ; first = false {
		chunk := scanChunk
		if first && !t.write && t.seen == nil {
			chunk = 64 // a rep's pull asks about visibility on the way
		}
		filtered := t.seen != nil && !t.write
		var rows pgx.Rows
		var err error
		// The innermost query picks the chunk's rows (and, filtered, which
		// the user may see); the window sums the op bytes the chunk would
		// carry, never reading them (octet_length reads a TOAST header),
		// and the outer query cuts the chunk at scanChunkBytes. fetched
		// says whether rows were left out for bytes, not for the log's end.
		visible := `true`
		if filtered {
			visible = `EXISTS (SELECT 1 FROM visible v WHERE v.username = ANY($4) AND v.lead = log.lead)`
		}
		args := []any{int64(after), chunk, scanChunkBytes}
		if filtered {
			args = append(args, t.seenUsers)
		}
		rows, err = t.tx.Query(t.ctx, `SELECT seq, kind, lead, username, slots, vis, CASE WHEN vis THEN op END, fetched
			FROM (SELECT *, sum(CASE WHEN vis THEN coalesce(octet_length(op), 0) ELSE 0 END) OVER (ORDER BY seq) AS upto,
					count(*) OVER () AS fetched
				FROM (SELECT seq, kind, lead, username, slots, op, `+visible+` AS vis
					FROM log WHERE seq > $1 ORDER BY seq LIMIT $2) c) w
			WHERE upto - CASE WHEN vis THEN coalesce(octet_length(op), 0) ELSE 0 END < $3
			ORDER BY seq`, args...)
		if err != nil {
			return wrap(err, "read the log")
		}
		var entries []LogEntry
		var fetched int64
		t.chunkLeads = t.chunkLeads[:0]
		lastLead := ""
		for rows.Next() {
			var seq, slots int64
			var kind int16
			var e LogEntry
			var vis bool
			var op []byte
			if err := rows.Scan(&seq, &kind, &e.Lead, &e.User, &slots, &vis, &op, &fetched); err != nil {
				rows.Close()
				return wrap(err, "read the log")
			}
			if kind < 0 || int(kind) >= len(entryKinds) || slots < 0 || slots >= seq {
				rows.Close()
				return fmt.Errorf("log entry %d is corrupt", seq)
			}
			e.Seq, e.Kind, e.Slots = uint64(seq), entryKinds[kind], uint64(slots)
			if op != nil && !unpack {
				e.Packed = op // pgx gives each row's bytes their own slice
			} else if op != nil {
				if op, err = jsonpack.UnpackNew(op); err != nil {
					rows.Close()
					return fmt.Errorf("log entry %d is corrupt: %w", seq, err)
				}
				e.Raw, e.OwnRaw = json.RawMessage(op), true
			}
			if filtered {
				t.seen[e.Lead] = vis
			} else if e.Lead != lastLead && len(t.chunkLeads) < 5000 {
				t.chunkLeads = append(t.chunkLeads, e.Lead)
				lastLead = e.Lead
			}
			entries = append(entries, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap(err, "read the log")
		}
		for _, e := range entries {
			more, err := fn(e)
			if err != nil || !more {
				return err
			}
			after = e.Seq
		}
		if int64(len(entries)) == fetched && fetched < int64(chunk) {
			return nil // the log's end
		}
	}
}

// OpenStorage opens the server's storage: PostgreSQL when database is set
// (postgres://...), else the bbolt file in dir.
func OpenStorage(ctx context.Context, dir, database string, noSync bool) (Storage, error) {
	if database != "" {
		if !IsPostgresURL(database) {
			return nil, errors.New("--database must be a postgres:// (or postgresql://) URL")
		}
		return OpenPostgres(ctx, database)
	}
	if dir == "" {
		return nil, errors.New("give --data DIR or --database postgres://...")
	}
	return OpenBolt(dir, noSync)
}

// OpenAdminDatabase returns the admin interface on a PostgreSQL database.
// Every server over that database reads users and tokens from it on each
// request, so a change (a revoked token) takes effect at once everywhere.
func OpenAdminDatabase(ctx context.Context, url string) (Admin, func() error, error) {
	st, err := OpenStorage(ctx, "", url, false)
	if err != nil {
		return nil, nil, err
	}
	return &Service{Store: st}, st.Close, nil
}
