package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgMigration is one step of the PostgreSQL schema. Steps are applied in
// order, each in its own transaction with its version recorded in
// schema_migrations; a step, once released, never changes.
type pgMigration struct {
	Version int
	Name    string
	SQL     string
}

// pgMigrations is the PostgreSQL schema, oldest first.
//
// The log's seq is written by the server from the one-row counter table
// log_head, locked (SELECT ... FOR UPDATE) by every writing transaction,
// never from a sequence or serial column: a sequence hands out numbers at
// insert time, so a later number can commit before an earlier one and a
// puller's cursor would pass the earlier one for good.
var pgMigrations = []pgMigration{
	{1, "tables", `
CREATE TABLE meta (
	key   text PRIMARY KEY,
	value text NOT NULL
);
INSERT INTO meta (key, value) VALUES ('epoch', md5(random()::text || clock_timestamp()::text));

CREATE TABLE users (
	name    text PRIMARY KEY,
	role    text NOT NULL,
	created timestamptz NOT NULL
);

CREATE TABLE tokens (
	hash     bytea PRIMARY KEY,
	id       text NOT NULL,
	username text NOT NULL REFERENCES users (name),
	created  timestamptz NOT NULL,
	revoked  timestamptz
);

-- The counter row: the log's head, locked by every writing transaction.
CREATE TABLE log_head (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint NOT NULL
);
INSERT INTO log_head (one, seq) VALUES (true, 0);

-- kind: 0 op, 1 grant, 2 revoke. op_id is unique: an op is applied once.
CREATE TABLE log (
	seq      bigint PRIMARY KEY,
	kind     smallint NOT NULL,
	lead     text NOT NULL,
	username text NOT NULL DEFAULT '',
	op_id    text,
	op       bytea,
	CONSTRAINT log_op_id_key UNIQUE (op_id)
);

CREATE TABLE records (
	type text NOT NULL,
	id   text NOT NULL,
	data bytea NOT NULL,
	PRIMARY KEY (type, id)
);

CREATE TABLE children (
	lead text NOT NULL,
	type text NOT NULL,
	id   text NOT NULL,
	PRIMARY KEY (lead, type, id)
);

-- Who (besides managers) sees a lead: the authorisation lookup of every
-- pull and push is (username, lead), the primary key.
CREATE TABLE visible (
	username text NOT NULL,
	lead     text NOT NULL,
	PRIMARY KEY (username, lead)
);
`},
	{2, "indexes for tokens by user and visibility by lead", `
CREATE INDEX tokens_username ON tokens (username);
CREATE INDEX visible_lead ON visible (lead);
`},
	// Usage is counted by the push transaction from here on; the ops
	// already in the log are counted once, here, with the counter row
	// locked so that no push commits between the count and the table.
	// The user is the op's actor (json, not jsonb: it takes any escape).
	{3, "bytes of ops per user, for the storage quota", `
SELECT seq FROM log_head WHERE one FOR UPDATE;
CREATE TABLE usage (
	username text PRIMARY KEY,
	op_bytes bigint NOT NULL
);
INSERT INTO usage (username, op_bytes)
SELECT actor, sum(n) FROM (
	SELECT convert_from(op, 'UTF8')::json -> 'actor' ->> 'user' AS actor, octet_length(op) AS n
	FROM log WHERE kind = 0 AND op IS NOT NULL) o
WHERE actor IS NOT NULL AND actor <> ''
GROUP BY actor;
`},
	// A grant or revoke keeps the seqs below it free, so that a pull can
	// stop inside it (LogEntry.Slots); entries logged before have none.
	{4, "seqs kept free below grants and revokes", `
ALTER TABLE log ADD COLUMN slots bigint NOT NULL DEFAULT 0;
`},
	// An op an operator took out of pulls (repair.go): its log entry
	// stays, pulls skip it; the row is also the audit record.
	{5, "ops taken out of pulls by an operator", `
CREATE TABLE quarantine (
	seq            bigint PRIMARY KEY REFERENCES log (seq),
	op_id          text NOT NULL,
	reason         text NOT NULL DEFAULT '',
	quarantined_by text NOT NULL DEFAULT '',
	quarantined_at timestamptz NOT NULL
);
`},
	// Accounts (accounts.go, invite.go, audit.go): a disabled user keeps
	// every row; a token may expire; invitations are kept hashed; the
	// audit log is append-only, numbered by its own sequence (its order
	// matters to no cursor). IF NOT EXISTS: a database taken back to an
	// earlier version by hand (the upgrade tests do) still migrates.
	{6, "disabled users, token expiry, invitations and the audit log", `
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled timestamptz;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires timestamptz;
CREATE TABLE IF NOT EXISTS invites (
	hash       bytea PRIMARY KEY,
	id         text NOT NULL,
	username   text NOT NULL,
	role       text NOT NULL,
	created    timestamptz NOT NULL,
	expires    timestamptz NOT NULL,
	token_ttl  bigint NOT NULL DEFAULT 0,
	created_by text NOT NULL DEFAULT '',
	used       timestamptz,
	used_from  text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS audit (
	seq        bigserial PRIMARY KEY,
	at         timestamptz NOT NULL,
	by_whom    text NOT NULL,
	from_where text NOT NULL,
	action     text NOT NULL,
	target     text NOT NULL DEFAULT '',
	detail     text NOT NULL DEFAULT ''
);
`},
	// Company settings (settings.go): one row per version, never
	// changed; stages is the JSON of the version's pipeline, which the
	// push checks read without parsing the text.
	{7, "company settings, versioned", `
CREATE TABLE IF NOT EXISTS settings (
	version bigint PRIMARY KEY,
	text    text NOT NULL,
	at      timestamptz NOT NULL,
	by_whom text NOT NULL,
	stages  bytea NOT NULL
);
`},
	// SSH keys (keys.go): a key names one user, so its fingerprint is
	// the primary key.
	{8, "ssh keys", `
CREATE TABLE IF NOT EXISTS ssh_keys (
	fingerprint text PRIMARY KEY,
	username    text NOT NULL REFERENCES users (name),
	type        text NOT NULL,
	key         text NOT NULL,
	comment     text NOT NULL DEFAULT '',
	added       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ssh_keys_username ON ssh_keys (username);
`},
	// The approval and hand-off rules of each settings version, as JSON
	// (settings_pg.go); NULL in versions stored before, which means the
	// defaults.
	{9, "settings' approval and hand-off rules", `
ALTER TABLE settings ADD COLUMN IF NOT EXISTS rules bytea;
`},
	// Ops in the log are written packed (jsonpack) from this version on,
	// about half their JSON; rows written before stay JSON and read as
	// they are. The version number keeps an older server, which would
	// read a packed op as JSON, from opening the database.
	{10, "ops in the log packed", `
COMMENT ON COLUMN log.op IS 'the op as JSON, packed by jsonpack (rows from before schema 10: JSON)';
`},
	// Names and ids are compared byte by byte, as bbolt orders its keys
	// (collation "C"). A database made with a language's collation (the
	// cluster's locale, en_US.UTF-8 on many systems) compared every key
	// a push writes by that language's rules: on one made with ICU's
	// en-US, PostgreSQL took 1.79-2.26 CPU-s in the demo book's first push
	// against 1.44-1.61 on a "C" one, and 1.46-1.51 once this ran
	// (BENCHMARKS.md); and it ordered names otherwise than a bbolt server
	// ("amy" before "Bob"). A database whose default is already "C" is
	// left as it is: changing a column's collation rebuilds its indexes.
	// datlocprovider is PostgreSQL 15's; an older one has libc's alone.
	{11, "names and ids compared byte by byte", `
DO $$
DECLARE bytewise boolean;
BEGIN
	IF current_setting('server_version_num')::int >= 150000 THEN
		EXECUTE 'SELECT datlocprovider = ''c'' AND datcollate IN (''C'', ''POSIX'') FROM pg_database WHERE datname = current_database()' INTO bytewise;
	ELSE
		SELECT datcollate IN ('C', 'POSIX') INTO bytewise FROM pg_database WHERE datname = current_database();
	END IF;
	IF bytewise THEN
		RETURN;
	END IF;
	ALTER TABLE meta ALTER COLUMN key TYPE text COLLATE "C";
	ALTER TABLE users ALTER COLUMN name TYPE text COLLATE "C";
	ALTER TABLE tokens ALTER COLUMN username TYPE text COLLATE "C";
	ALTER TABLE ssh_keys ALTER COLUMN username TYPE text COLLATE "C",
		ALTER COLUMN fingerprint TYPE text COLLATE "C";
	ALTER TABLE log ALTER COLUMN lead TYPE text COLLATE "C",
		ALTER COLUMN username TYPE text COLLATE "C",
		ALTER COLUMN op_id TYPE text COLLATE "C";
	ALTER TABLE records ALTER COLUMN type TYPE text COLLATE "C",
		ALTER COLUMN id TYPE text COLLATE "C";
	ALTER TABLE children ALTER COLUMN lead TYPE text COLLATE "C",
		ALTER COLUMN type TYPE text COLLATE "C",
		ALTER COLUMN id TYPE text COLLATE "C";
	ALTER TABLE visible ALTER COLUMN username TYPE text COLLATE "C",
		ALTER COLUMN lead TYPE text COLLATE "C";
	ALTER TABLE usage ALTER COLUMN username TYPE text COLLATE "C";
	ALTER TABLE quarantine ALTER COLUMN op_id TYPE text COLLATE "C";
	ALTER TABLE invites ALTER COLUMN id TYPE text COLLATE "C",
		ALTER COLUMN username TYPE text COLLATE "C";
END $$;
`},
}

// pgSchemaVersion is the schema this build writes.
func pgSchemaVersion() int { return pgMigrations[len(pgMigrations)-1].Version }

// migratePostgres brings the database's schema up to version upTo (all
// when upTo is 0). Several servers may start at once: an advisory lock
// makes them take turns, and each sees the others' steps as done.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, upTo int) error {
	if upTo == 0 {
		upTo = pgSchemaVersion()
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Release()
	const lockKey = 0x6669656c64 // "field"
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("lock the schema: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey) }()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name    text NOT NULL,
		applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if current > pgSchemaVersion() {
		return fmt.Errorf("the database's schema is version %d, newer than this fieldcrm knows (%d); update fieldcrm", current, pgSchemaVersion())
	}
	for _, m := range pgMigrations {
		if m.Version <= current || m.Version > upTo {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("schema migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// errNotEmpty says a migration target already holds data.
var errNotEmpty = errors.New("the PostgreSQL database already holds fieldcrm data")
