package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func pgQuery[T any](t testing.TB, dbURL, sql string, args ...any) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func pgExec(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestPGMigrationsStepByStep applies each schema migration on its own and
// checks what it made, that data written before a step survives it, and
// that opening again changes nothing.
func TestPGMigrationsStepByStep(t *testing.T) {
	db := freshDatabase(t)
	ctx := context.Background()
	// What each version must have made: relations that exist afterwards.
	made := map[int][]string{
		1:  {"meta", "users", "tokens", "log_head", "log", "records", "children", "visible", "log_op_id_key", "log_pkey", "visible_pkey"},
		2:  {"tokens_username", "visible_lead"},
		3:  {"usage", "usage_pkey"},
		4:  {}, // a column, log.slots: TestPGMigrationCountsUsageAndKeepsOldGrantsWhole
		5:  {"quarantine", "quarantine_pkey"},
		6:  {"invites", "invites_pkey", "audit", "audit_pkey"}, // and users.disabled, tokens.expires: TestMigrateKeepsAccounts
		7:  {"settings", "settings_pkey"},
		8:  {"ssh_keys", "ssh_keys_pkey", "ssh_keys_username"}, // keys.go
		9:  {},                                                 // a column, settings.rules: TestWonGateFollowsTheSettings
		10: {},                                                 // a comment; packed ops: TestPGLogStoresOpsPacked
		11: {},                                                 // key columns' collation: TestPostgresComparesKeysByteByByte
	}
	versions := server.PGMigrationVersions()
	if len(made) != len(versions) {
		t.Fatalf("%d migrations but checks for %d: add the new step's checks here", len(versions), len(made))
	}
	for i, v := range versions {
		st, err := server.OpenPostgresUpTo(ctx, db, v)
		if err != nil {
			t.Fatalf("migrate to %d: %v", v, err)
		}
		st.Close()
		if got := pgQuery[int32](t, db, `SELECT max(version) FROM schema_migrations`); int(got) != v {
			t.Fatalf("after step %d the schema says version %d", v, got)
		}
		for _, rel := range made[v] {
			if !pgQuery[bool](t, db, `SELECT to_regclass($1) IS NOT NULL`, rel) {
				t.Fatalf("migration %d did not make %s", v, rel)
			}
		}
		for _, later := range versions[i+1:] {
			for _, rel := range made[later] {
				if pgQuery[bool](t, db, `SELECT to_regclass($1) IS NOT NULL`, rel) {
					t.Fatalf("%s exists at version %d, before migration %d", rel, v, later)
				}
			}
		}
		if v == 1 {
			if seq := pgQuery[int64](t, db, `SELECT seq FROM log_head`); seq != 0 {
				t.Fatalf("a new log's counter is %d", seq)
			}
			pgExec(t, db, `INSERT INTO users (name, role, created) VALUES ('ann', 'rep', now())`)
		}
	}
	st, err := server.OpenPostgres(ctx, db) // again: nothing to do
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := pgQuery[int64](t, db, `SELECT count(*) FROM schema_migrations`); int(n) != len(versions) {
		t.Fatalf("%d migrations recorded, want %d", n, len(versions))
	}
	svc := &server.Service{Store: st}
	users, err := svc.Users(ctx)
	if err != nil || len(users) != 1 || users[0].Name != "ann" {
		t.Fatalf("the user written at version 1 did not survive the later steps: %+v %v", users, err)
	}
}

func TestPGRefusesANewerSchema(t *testing.T) {
	db := freshDatabase(t)
	openPG(t, db).Close()
	pgExec(t, db, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'from the future')`)
	_, err := server.OpenPostgres(context.Background(), db)
	if err == nil || !strings.Contains(err.Error(), "newer than this fieldcrm knows") {
		t.Fatalf("opening a newer schema: %v", err)
	}
}

// TestPGServersStartingTogetherMigrateOnce: several servers starting at
// once on an empty database each find it migrated, once.
func TestPGServersStartingTogetherMigrateOnce(t *testing.T) {
	db := freshDatabase(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := server.OpenPostgres(context.Background(), db)
			if err != nil {
				errs <- err
				return
			}
			st.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := pgQuery[int64](t, db, `SELECT count(*) FROM schema_migrations`); int(n) != len(server.PGMigrationVersions()) {
		t.Fatalf("%d migrations recorded", n)
	}
	if n := pgQuery[int64](t, db, `SELECT count(*) FROM meta WHERE key = 'epoch'`); n != 1 {
		t.Fatalf("%d epochs", n)
	}
}

// TestPGPushIsIdempotentAcrossConnections: the same op pushed through two
// storages (two server processes) at once is applied once.
func TestPGPushIsIdempotentAcrossConnections(t *testing.T) {
	db := freshDatabase(t)
	a, b := openPG(t, db), openPG(t, db)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	sa, sb := &server.Service{Store: a}, &server.Service{Store: b}
	if _, err := sa.AddUser(ctx, "ann", "rep"); err != nil {
		t.Fatal(err)
	}
	u := server.User{Name: "ann", Role: "rep"}
	for round := range 20 {
		op := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{"company": fmt.Sprint("Co ", round), "owner": "ann"})
		raw := mustJSON(op)
		var wg sync.WaitGroup
		statuses := make([]string, 2)
		for i, s := range []*server.Service{sa, sb} {
			wg.Go(func() {
				resp, err := s.Push(ctx, u, []json.RawMessage{raw})
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = resp.Results[0].Status
			})
		}
		wg.Wait()
		applied := 0
		for _, s := range statuses {
			if s == "applied" {
				applied++
			} else if s != "duplicate" {
				t.Fatalf("round %d: statuses %v", round, statuses)
			}
		}
		if applied != 1 {
			t.Fatalf("round %d: the same op was applied %d times", round, applied)
		}
	}
	if n := pgQuery[int64](t, db, `SELECT count(*) FROM log WHERE kind = 0`); n != 20 {
		t.Fatalf("%d ops in the log, want 20", n)
	}
}

// TestPGUpdateRetriesConflicts: a serialization failure or a deadlock
// reported by PostgreSQL makes Update run its function again from scratch,
// keeping only the last run's writes; other errors are not retried.
func TestPGUpdateRetriesConflicts(t *testing.T) {
	db := freshDatabase(t)
	st := openPG(t, db)
	defer st.Close()
	ctx := context.Background()
	for _, code := range []string{"40001", "40P01"} {
		runs := 0
		err := st.Update(ctx, func(tx server.Tx) error {
			runs++
			name := fmt.Sprintf("%s-run%d", code, runs)
			if err := tx.PutUser(server.User{Name: name, Role: "rep", Created: time.Now()}); err != nil {
				return err
			}
			if _, err := tx.Append(server.LogEntry{Kind: server.EntryGrant, Lead: "L", User: name}); err != nil {
				return err
			}
			if runs < 3 {
				return fmt.Errorf("push: %w", &pgconn.PgError{Code: code, Message: "conflict"})
			}
			return nil
		})
		if err != nil || runs != 3 {
			t.Fatalf("%s: %v after %d runs", code, err, runs)
		}
	}
	var names []string
	_ = st.View(ctx, func(tx server.Tx) error {
		us, err := tx.Users()
		for _, u := range us {
			names = append(names, u.Name)
		}
		return err
	})
	if strings.Join(names, ",") != "40001-run3,40P01-run3" {
		t.Fatalf("users after the retries: %v; want only the last runs' writes", names)
	}
	if head := pgQuery[int64](t, db, `SELECT seq FROM log_head`); head != 2*(server.VisibilitySlots+1) {
		t.Fatalf("log head %d after two committed grants (each %d seqs above the last)", head, server.VisibilitySlots+1)
	}
	runs := 0
	err := st.Update(ctx, func(tx server.Tx) error { runs++; return &pgconn.PgError{Code: "23502"} })
	if err == nil || runs != 1 {
		t.Fatalf("a not-null violation: %v after %d runs; want the error at once", err, runs)
	}
}

// TestPGHotQueriesUseIndexes: every query a push, a pull or a request's
// authentication runs per op or per entry can be answered from an index
// (with sequential scans disabled, the plan must not fall back to one).
func TestPGHotQueriesUseIndexes(t *testing.T) {
	db := freshDatabase(t)
	openPG(t, db).Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{
		"token by hash":         `SELECT hash, id, username, created, revoked FROM tokens WHERE hash = '\x00'::bytea`,
		"user by name":          `SELECT role, created FROM users WHERE name = 'x'`,
		"op id (idempotency)":   `SELECT seq FROM log WHERE op_id = 'x'`,
		"record":                `SELECT data FROM records WHERE type = 'lead' AND id = 'x'`,
		"children of a lead":    `SELECT type, id FROM children WHERE lead = 'x' ORDER BY type, id`,
		"visibility":            `SELECT EXISTS (SELECT 1 FROM visible WHERE username = 'u' AND lead = 'x')`,
		"visibility of a chunk": `SELECT lead FROM visible WHERE username = 'u' AND lead = ANY(ARRAY['x','y'])`,
		"who sees a lead":       `DELETE FROM visible WHERE lead = 'x' AND username = ANY(ARRAY['u'])`,
		"log page":              `SELECT seq, kind, lead, username, op FROM log WHERE seq > 5 ORDER BY seq LIMIT 2000`,
		"tokens of a user":      `SELECT id FROM tokens WHERE username = 'u'`,
		"usage of a user":       `SELECT op_bytes FROM usage WHERE username = 'u'`,
		"a rep's log chunk, cut by bytes": `SELECT seq, kind, lead, username, slots, vis, CASE WHEN vis THEN op END, fetched
			FROM (SELECT *, sum(CASE WHEN vis THEN coalesce(octet_length(op), 0) ELSE 0 END) OVER (ORDER BY seq) AS upto,
					count(*) OVER () AS fetched
				FROM (SELECT seq, kind, lead, username, slots, op,
					EXISTS (SELECT 1 FROM visible v WHERE v.username = 'u' AND v.lead = log.lead) AS vis
					FROM log WHERE seq > 5 ORDER BY seq LIMIT 2000) c) w
			WHERE upto - CASE WHEN vis THEN coalesce(octet_length(op), 0) ELSE 0 END < 8388608
			ORDER BY seq`,
	}
	for name, q := range queries {
		rows, err := conn.Query(ctx, "EXPLAIN "+q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "Seq Scan") {
			t.Errorf("%s needs a sequential scan:\n%s", name, text)
		}
	}
}
