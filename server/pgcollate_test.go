package server_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/server"
)

// TestPostgresComparesKeysByteByByte: on a database made with a
// language's collation (ICU's en-US, as a cluster's locale gives many),
// the migrations leave names and ids compared byte by byte, as bbolt
// orders its keys: users are listed in the same order by both storages,
// those added before the step that sets it (11) as well as after, with
// their tokens; and every key column's collation is "C".
func TestPostgresComparesKeysByteByByte(t *testing.T) {
	url := freshDatabaseWith(t, `TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`)
	ctx := context.Background()
	names := []string{"amy", "Bob", "zoe", "Zed", "émile", "Émile", "a_b", "a-b", "ab"}
	before, err := server.OpenPostgresUpTo(ctx, url, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names[:4] {
		if _, err := (&server.Service{Store: before}).AddUser(ctx, n, "rep"); err != nil {
			t.Fatal(err)
		}
	}
	before.Close()
	pg, err := server.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	bolt, err := server.OpenBolt(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	var lists [][]string
	for _, st := range []server.Storage{bolt, pg} {
		svc := &server.Service{Store: st}
		add := names
		if st == server.Storage(pg) {
			add = names[4:] // the others were added before the step
			for _, n := range names[:4] {
				if _, err := svc.AddToken(ctx, n); err != nil {
					t.Fatalf("a token for %s, a user from before the step: %v", n, err)
				}
			}
		}
		for _, n := range add {
			if _, err := svc.AddUser(ctx, n, "rep"); err != nil {
				t.Fatal(err)
			}
		}
		users, err := svc.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range users {
			got = append(got, u.Name)
		}
		lists = append(lists, got)
	}
	if want := slices.Sorted(slices.Values(names)); !slices.Equal(lists[0], want) || !slices.Equal(lists[1], want) {
		t.Errorf("users listed as\n bbolt      %q\n PostgreSQL %q\nwant both  %q", lists[0], lists[1], want)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	keys := [][2]string{
		{"meta", "key"}, {"users", "name"}, {"tokens", "username"}, {"ssh_keys", "username"}, {"ssh_keys", "fingerprint"},
		{"log", "lead"}, {"log", "username"}, {"log", "op_id"}, {"records", "type"}, {"records", "id"},
		{"children", "lead"}, {"children", "type"}, {"children", "id"}, {"visible", "username"}, {"visible", "lead"},
		{"usage", "username"}, {"quarantine", "op_id"}, {"invites", "id"}, {"invites", "username"},
	}
	for _, k := range keys {
		var collation *string
		err := conn.QueryRow(ctx, `SELECT collation_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, k[0], k[1]).Scan(&collation)
		if err != nil {
			t.Fatalf("%s.%s: %v", k[0], k[1], err)
		}
		if collation == nil || *collation != "C" {
			t.Errorf("%s.%s is compared by collation %v, want \"C\"", k[0], k[1], collation)
		}
	}
}
