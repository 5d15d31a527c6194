package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
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
func demoBook(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "demo.db")
	rules := model.DefaultRules()
	st, err := store.Open(store.Options{Path: path, User: "root", Rules: &rules})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := demo.Generate(st, demo.Options{Leads: n, Now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkFirstPush: a laptop's demo book of 10,000 leads (about 116,000
// changes, every one waiting) logs in, handing its work to ann, and syncs
// with an empty server for the first time; then a manager pulls the book
// fresh. It reports bytes on the wire and the sizes of the files.
func BenchmarkFirstPush(b *testing.B) {
	dir := b.TempDir()
	book := demoBook(b, dir, 10_000)
	bookSize := fileSize(b, book)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		run := filepath.Join(dir, "run"+string(rune('a'+i)))
		svc, url := benchServer(b, filepath.Join(run, "srv"))
		ctx := context.Background()
		tok, err := svc.AddUser(ctx, "ann", "rep")
		if err != nil {
			b.Fatal(err)
		}
		copyFile(b, book, filepath.Join(run, "ann.db"))
		st, c := benchDevice(b, url, tok, "root", filepath.Join(run, "ann.db"))
		wire := &counting{}
		c.HTTP.Transport = wire
		b.StartTimer()
		t0 := time.Now()
		if err := st.Update(func(tx *store.Tx) error {
			if _, err := tx.AdoptUnsynced("root", "ann"); err != nil {
				return err
			}
			return tx.Bind(c.Server(), "ann")
		}); err != nil {
			b.Fatal(err)
		}
		login := time.Since(t0)
		rep, err := remote.Sync(ctx, st, c)
		if err != nil {
			b.Fatal(err)
		}
		push := time.Since(t0) - login
		if rep.Pushed < 110_000 || rep.Rejected > 0 || rep.Pulled > 0 {
			b.Fatalf("first sync: %+v", rep)
		}
		b.ReportMetric(login.Seconds(), "login-s")
		b.ReportMetric(push.Seconds(), "push-s")
		b.ReportMetric(float64(wire.up.Load())/1e6, "push-up-MB")
		b.ReportMetric(float64(wire.down.Load())/1e6, "push-down-MB")

		mtok, err := svc.AddUser(ctx, "boss", "manager")
		if err != nil {
			b.Fatal(err)
		}
		mst, mc := benchDevice(b, url, mtok, "boss", filepath.Join(run, "boss.db"))
		mwire := &counting{}
		mc.HTTP.Transport = mwire
		t1 := time.Now()
		mrep, err := remote.Sync(ctx, mst, mc)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t1).Seconds(), "pull-s")
		b.ReportMetric(float64(mwire.down.Load())/1e6, "pull-down-MB")
		if mrep.Pulled < 110_000 {
			b.Fatalf("manager pulled %d", mrep.Pulled)
		}
		b.StopTimer()
		b.ReportMetric(float64(bookSize)/1e6, "book-MB")
		b.ReportMetric(float64(fileSize(b, filepath.Join(run, "srv", "server.db")))/1e6, "server-MB")
		b.ReportMetric(float64(fileSize(b, filepath.Join(run, "boss.db")))/1e6, "pulled-book-MB")
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

func copyFile(b *testing.B, from, to string) {
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
