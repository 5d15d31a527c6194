package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/jackc/pgx/v5"
)

// PostgreSQL for the tests. With FIELDCRM_TEST_PG set (a connection URL
// to a database whose user may CREATE DATABASE), tests use that server.
// Otherwise TestMain starts a private one from the PostgreSQL binaries
// under /usr/lib/postgresql (initdb into a temporary folder, as the user
// "nobody" when run as root, since initdb refuses root; pg_ctl start on a
// private port and a unix socket in that folder) and stops it when the
// tests end, failed or not. Each test gets its own database, created with
// a unique name and dropped in t.Cleanup. When PostgreSQL is not
// available the PostgreSQL variants skip, saying why, except in CI
// (CI=true), where they fail.

var pg struct {
	url     string // admin connection (database "postgres" or the given one)
	why     string // why PostgreSQL is unavailable
	stop    func()
	mu      sync.Mutex
	counter int
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if pg.stop != nil {
		pg.stop()
	}
	if builtIn != "" {
		os.RemoveAll(builtIn)
	}
	os.Exit(code)
}

// setupPG finds or starts PostgreSQL, once, when a test first needs it.
var setupPGOnce sync.Once

func setupPG() {
	if u := os.Getenv("FIELDCRM_TEST_PG"); u != "" {
		pg.url = u
		return
	}
	if testing.Short() {
		pg.why = "-short: no private PostgreSQL started (set FIELDCRM_TEST_PG to use one)"
		return
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Strings(bins)
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		pg.why = "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH) and FIELDCRM_TEST_PG is not set"
		return
	}
	bin := filepath.Dir(bins[len(bins)-1])
	url, stop, err := startPrivatePG(bin)
	if err != nil {
		pg.why = "could not start a private PostgreSQL: " + err.Error()
		return
	}
	pg.url, pg.stop = url, stop
}

// startPrivatePG runs initdb and pg_ctl start; stop stops the server and
// removes its folder.
func startPrivatePG(bin string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "fieldcrm-pgtest")
	if err != nil {
		return "", nil, err
	}
	var as []string
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("running as root, and there is no user nobody to run initdb as: %w", err)
		}
		uid, _ := strconv.Atoi(nobody.Uid)
		gid, _ := strconv.Atoi(nobody.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
		as = []string{"runuser", "-u", "nobody", "--"}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	run := func(name string, args ...string) error {
		argv := append(append(append([]string{}, as...), filepath.Join(bin, name)), args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", name, err, out)
		}
		return nil
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", port, dir)
	if err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	// A watchdog stops the server should this process die without
	// running TestMain's cleanup (a test timeout's panic, a kill).
	ctl := strings.Join(append(append([]string{}, as...), filepath.Join(bin, "pg_ctl")), " ")
	dog := exec.Command("sh", "-c", fmt.Sprintf(
		"while kill -0 %d 2>/dev/null; do sleep 1; done; %s -D '%s' -m immediate -w stop >/dev/null 2>&1; rm -rf '%s'",
		os.Getpid(), ctl, data, dir))
	dog.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	_ = dog.Start()
	stop := func() {
		_ = run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
		if dog.Process != nil {
			_ = dog.Process.Kill()
			_ = dog.Wait()
		}
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), stop, nil
}

// freeAddr returns a loopback address free at the moment, for a server
// that must come back on the same address after a restart.
func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// needPG returns the admin URL of the test PostgreSQL, or skips (fails in
// CI) when there is none.
func needPG(t testing.TB) string {
	t.Helper()
	setupPGOnce.Do(setupPG)
	if pg.url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %s", pg.why)
		}
		t.Skipf("skipping the PostgreSQL variant: %s", pg.why)
	}
	return pg.url
}

// withDatabase returns url naming database db instead.
func withDatabase(base, db string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + db
	return u.String()
}

// freshDatabase creates an empty database with a unique name, dropped
// when the test ends, and returns its URL.
func freshDatabase(t testing.TB) string {
	t.Helper()
	return freshDatabaseWith(t, "")
}

// freshDatabaseWith is freshDatabase made with options, CREATE DATABASE's
// (a collation); a server that refuses them skips the test.
func freshDatabaseWith(t testing.TB, options string) string {
	t.Helper()
	base := needPG(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	pg.mu.Lock()
	pg.counter++
	name := fmt.Sprintf("fieldcrm_test_%d_%d_%s", os.Getpid(), pg.counter, hex.EncodeToString(b[:]))
	pg.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" "+options); err != nil {
		if options != "" {
			t.Skipf("this PostgreSQL cannot make a database %s: %v", options, err)
		}
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// resetDatabase empties a fieldcrm database and gives it a new epoch,
// like a fresh one but faster (for property tests running many cases).
func resetDatabase(t failer, dbURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("reset %s: %v", dbURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `TRUNCATE users, tokens, log, records, children, visible, usage, invites, audit, settings, ssh_keys CASCADE;
		UPDATE log_head SET seq = 0;
		UPDATE meta SET value = md5(random()::text) WHERE key = 'epoch'`); err != nil {
		t.Fatalf("reset %s: %v", dbURL, err)
	}
}

// backend is one implementation of server.Storage the sync suite runs on.
type backend struct {
	name string
	// open returns a fresh, empty storage for a harness keeping its files
	// under dir.
	open func(t failer, dir string) server.Storage
	// database is the PostgreSQL URL ("" for bbolt): server processes get
	// --database with it.
	database string
}

func (b backend) pg() bool { return b.database != "" }

var boltBackend = backend{name: "bolt", open: func(t failer, dir string) server.Storage {
	st, err := server.OpenBolt(filepath.Join(dir, "server"), true)
	if err != nil {
		t.Fatal(err)
	}
	return st
}}

// pgBackend makes a backend whose every harness gets its own database.
func pgBackend(t testing.TB) backend {
	t.Helper()
	needPG(t)
	return backend{name: "postgres", database: "(per harness)", open: func(f failer, _ string) server.Storage {
		return openPG(f, freshDatabase(t))
	}}
}

// pgReusedBackend makes a backend over one database, emptied for each
// harness (for many short cases: creating a database takes a while).
func pgReusedBackend(t testing.TB) backend {
	t.Helper()
	db := freshDatabase(t)
	openPG(t, db).Close() // migrate once
	return backend{name: "postgres", database: db, open: func(f failer, _ string) server.Storage {
		resetDatabase(f, db)
		return openPG(f, db)
	}}
}

// migratedToPG moves the bbolt server data in dir (its storage closed)
// to a fresh PostgreSQL database, as 'admin migrate' does, and opens it
// there until the test ends.
func migratedToPG(t testing.TB, dir string) *server.PGStorage {
	t.Helper()
	db := freshDatabase(t)
	if _, err := server.MigrateBoltToPostgres(context.Background(), dir, db); err != nil {
		t.Fatal(err)
	}
	st := openPG(t, db)
	t.Cleanup(func() { st.Close() })
	return st
}

func openPG(t failer, dbURL string) *server.PGStorage {
	t.Helper()
	st, err := server.OpenPostgres(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("open PostgreSQL storage: %v", err)
	}
	return st
}

// forBackends runs fn as a subtest on bbolt and on PostgreSQL.
func forBackends(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	t.Run("bolt", func(t *testing.T) { fn(t, boltBackend) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgBackend(t)) })
}
