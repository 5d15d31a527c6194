package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// counting is a transport that counts the bytes of request and answer
// bodies: the bytes on the wire, less the HTTP headers.
type counting struct {
	up, down atomic.Int64
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.ContentLength > 0 {
		c.up.Add(r.ContentLength)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &countBody{ReadCloser: resp.Body, n: &c.down}
	}
	return resp, err
}

type countBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// demoBook makes the demo book of n leads (about ten activities each) as
// root, the user of a laptop before its first login, once per run.
func demoBook(b testing.TB, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "demo.db")
	rules := model.DefaultRules()
	st, err := store.Open(store.Options{Path: path, User: "root", Rules: &rules})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := demo.Generate(st, demo.Options{Leads: n, Now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), SalesOnly: true}); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkFirstPush: a laptop's demo book of 10,000 leads (about 116,000
// changes, every one waiting) logs in, handing its work to ann, and syncs
// with an empty server for the first time; then a manager pulls the book
// fresh. It reports bytes on the wire (request and answer bodies) and the
// sizes of the files.
//
// The same at 2,500 leads shows how the cost grows with the number of
// changes: -bench 'FirstPush/leads=2500'.
func BenchmarkFirstPush(b *testing.B) {
	for _, n := range []int{10_000, 2_500} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) { firstPushBolt(b, n) })
	}
}

func firstPushBolt(b *testing.B, leads int) {
	firstPush(b, leads, func(b *testing.B, run string) (*server.Service, string, func()) {
		svc, url := benchServer(b, filepath.Join(run, "srv"))
		return svc, url, func() {
			b.ReportMetric(float64(fileSize(b, filepath.Join(run, "srv", "server.db")))/1e6, "server-MB")
		}
	})
}

// BenchmarkPGFirstPush is BenchmarkFirstPush with the server on
// PostgreSQL (in this process, over the private test server or
// FIELDCRM_TEST_PG); it logs each table's size and its indexes' per change.
func BenchmarkPGFirstPush(b *testing.B) {
	firstPush(b, 10_000, func(b *testing.B, run string) (*server.Service, string, func()) {
		db := freshDatabase(b)
		st := openPG(b, db)
		svc := &server.Service{Store: st}
		srv := httptest.NewServer(server.Handler(svc, server.Options{}))
		b.Cleanup(func() { srv.Close(); st.Close() })
		return svc, srv.URL, func() { reportTables(b, db) }
	})
}

// reportTables logs the size of every table of the database at dbURL, with
// its indexes, per change in the log, and reports the total.
func reportTables(b *testing.B, dbURL string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	var changes int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM log").Scan(&changes); err != nil {
		b.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
		FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY 2 DESC`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var name string
		var table, idx int64
		if err := rows.Scan(&name, &table, &idx); err != nil {
			b.Fatal(err)
		}
		total += table + idx
		if table+idx > 1<<20 {
			b.Logf("%-12s table %6.1f MB (%4d B/change), indexes %6.1f MB (%4d B/change)", name,
				float64(table)/1e6, table/max(changes, 1), float64(idx)/1e6, idx/max(changes, 1))
		}
	}
	b.ReportMetric(float64(total)/1e6, "pg-MB")
}

func firstPush(b *testing.B, leads int, serve func(b *testing.B, run string) (*server.Service, string, func())) {
	dir := b.TempDir()
	book := demoBook(b, dir, leads)
	bookSize := fileSize(b, book)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		run := filepath.Join(dir, "run"+string(rune('a'+i)))
		svc, url, sizes := serve(b, run)
		ctx := context.Background()
		st, c := rootsLaptop(b, svc, url, book, run)
		wire := &counting{}
		c.HTTP.Transport = wire
		b.StartTimer()
		t0, cpu0 := time.Now(), cpuTime()
		logIn(b, st, c, "ann")
		login := time.Since(t0)
		rep, err := remote.Sync(ctx, st, c)
		if err != nil {
			b.Fatal(err)
		}
		push := time.Since(t0) - login
		pushCPU := cpuTime() - cpu0
		if rep.Pushed < 11*leads || rep.Rejected > 0 || rep.Pulled > 0 {
			b.Fatalf("first sync: %+v", rep)
		}
		b.ReportMetric(float64(rep.Pushed), "changes")
		b.ReportMetric(login.Seconds(), "login-s")
		b.ReportMetric(push.Seconds(), "push-s")
		b.ReportMetric(pushCPU.Seconds(), "push-cpu-s")
		b.ReportMetric(float64(wire.up.Load())/1e6, "push-up-MB")
		b.ReportMetric(float64(wire.down.Load())/1e6, "push-down-MB")

		mtok, err := svc.AddUser(ctx, "boss", "manager")
		if err != nil {
			b.Fatal(err)
		}
		mst, mc := benchDevice(b, url, mtok, "boss", filepath.Join(run, "boss.db"))
		mwire := &counting{}
		mc.HTTP.Transport = mwire
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		t1, cpu1, alloc1 := time.Now(), cpuTime(), mem.TotalAlloc
		mrep, err := remote.Sync(ctx, mst, mc)
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&mem)
		b.ReportMetric(float64(mem.TotalAlloc-alloc1)/1e6, "pull-alloc-MB") // client and server
		b.ReportMetric(time.Since(t1).Seconds(), "pull-s")
		b.ReportMetric((cpuTime() - cpu1).Seconds(), "pull-cpu-s")
		b.ReportMetric(float64(mwire.down.Load())/1e6, "pull-down-MB")
		if mrep.Pulled < 11*leads {
			b.Fatalf("manager pulled %d", mrep.Pulled)
		}
		b.StopTimer()
		b.ReportMetric(float64(bookSize)/1e6, "book-MB")
		b.ReportMetric(float64(fileSize(b, filepath.Join(run, "boss.db")))/1e6, "pulled-book-MB")
		sizes()
		b.StartTimer()
	}
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// rootsLaptop adds the rep ann to svc and returns a copy of book, in dir,
// as root's laptop before its first login, with a client of ann's.
func rootsLaptop(b testing.TB, svc *server.Service, url, book, dir string) (*store.Store, *remote.Client) {
	b.Helper()
	tok, err := svc.AddUser(context.Background(), "ann", "rep")
	if err != nil {
		b.Fatal(err)
	}
	copyFile(b, book, filepath.Join(dir, "ann.db"))
	return benchDevice(b, url, tok, "root", filepath.Join(dir, "ann.db"))
}

func copyFile(b testing.TB, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		b.Fatal(err)
	}
}

// logIn does to a book written before any login what `fieldcrm login`
// does: its unsynced work, written as "root", is handed to user, and the
// book is bound to c's server.
func logIn(tb testing.TB, st *store.Store, c *remote.Client, user string) {
	tb.Helper()
	if err := st.Update(func(tx *store.Tx) error {
		if _, err := tx.AdoptUnsynced("root", user); err != nil {
			return err
		}
		return tx.Bind(c.Server(), user)
	}); err != nil {
		tb.Fatal(err)
	}
}
