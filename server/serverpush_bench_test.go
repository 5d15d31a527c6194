package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// pushCapture is a transport that keeps the ops of every push it carries,
// as the server reads them.
type pushCapture struct {
	batches [][]json.RawMessage
}

// pushBody returns a push request's body as it was before compression,
// and leaves the request's body to be read again.
func pushBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return wire.Decompress(r.Header.Get("Content-Encoding"), body)
}

func (c *pushCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/v1/push" && r.Body != nil {
		data, err := pushBody(r)
		if err != nil {
			return nil, err
		}
		if r.Header.Get("Content-Type") == wire.PackType {
			if data, err = jsonpack.Unpack(nil, data); err != nil {
				return nil, err
			}
		}
		req, err := wire.DecodePushRequest(data)
		if err != nil {
			return nil, err
		}
		c.batches = append(c.batches, req.Ops)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkServerPush is the server's part of BenchmarkFirstPush alone:
// the batches of ops a laptop's demo book sends in its first push, as
// ann after login (captured once from a real sync), applied by
// Service.Push to a fresh bbolt server with fsync, without HTTP or the
// laptop. It reports CPU seconds and bytes allocated per change.
func BenchmarkServerPush(b *testing.B) {
	for _, n := range []int{2_500, 10_000} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) {
			serverPush(b, n, func(dir string, i int) (server.Storage, string, error) {
				st, err := server.OpenBolt(filepath.Join(dir, fmt.Sprint("run", i)), false)
				return st, "", err
			})
		})
	}
}

// BenchmarkPGServerPush is BenchmarkServerPush on a fresh PostgreSQL
// database each round (the private test server, or FIELDCRM_TEST_PG).
// Its cpu-s are the fieldcrm process's alone; pg-cpu-s is what the
// PostgreSQL cluster used meanwhile (postgresCPU), when /proc can say.
func BenchmarkPGServerPush(b *testing.B) {
	serverPush(b, 10_000, func(string, int) (server.Storage, string, error) {
		db := freshDatabase(b)
		st, err := server.OpenPostgres(context.Background(), db)
		return st, db, err
	})
}

// serverPush runs the benchmark on the storage open makes each round, and
// the URL of its PostgreSQL database, if it has one.
func serverPush(b *testing.B, leads int, open func(dir string, i int) (server.Storage, string, error)) {
	dir := b.TempDir()
	book := demoBook(b, dir, leads)
	batches := capturePush(b, dir, book, leads)
	changes := 0
	for _, ops := range batches {
		changes += len(ops)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st, db, err := open(dir, i)
		if err != nil {
			b.Fatal(err)
		}
		svc := &server.Service{Store: st}
		if _, err := svc.AddUser(ctx, "ann", "rep"); err != nil {
			b.Fatal(err)
		}
		ann := server.User{Name: "ann", Role: "rep"}
		var pg0 time.Duration
		pgOK := false
		if db != "" {
			pg0, pgOK = postgresCPU(b, db)
		}
		b.StartTimer()
		cpu0 := cpuTime()
		for _, ops := range batches {
			resp, err := svc.Push(ctx, ann, ops)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range resp.Results {
				if r.Status != wire.StatusApplied {
					b.Fatalf("%s: %s", r.Status, r.Reason)
				}
			}
		}
		cpu := cpuTime() - cpu0
		b.StopTimer()
		if pgOK {
			pg1, _ := postgresCPU(b, db)
			b.ReportMetric((pg1 - pg0).Seconds(), "pg-cpu-s")
		}
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(changes), "cpu-us/change")
		b.ReportMetric(float64(changes), "changes")
		st.Close()
		b.StartTimer()
	}
}

// capturePush logs the book in as ann and syncs it with a throwaway
// server, keeping the batches it pushes.
func capturePush(b testing.TB, dir, book string, leads int) [][]json.RawMessage {
	svc, url := benchServer(b, filepath.Join(dir, "throwaway"))
	tok, err := svc.AddUser(context.Background(), "ann", "rep")
	if err != nil {
		b.Fatal(err)
	}
	copyFile(b, book, filepath.Join(dir, "ann.db"))
	st, c := benchDevice(b, url, tok, "root", filepath.Join(dir, "ann.db"))
	capture := &pushCapture{}
	c.HTTP.Transport = capture
	logIn(b, st, c, "ann")
	rep, err := remote.Sync(context.Background(), st, c)
	if err != nil || rep.Pushed < 11*leads {
		b.Fatalf("first sync: %+v %v", rep, err)
	}
	return capture.batches
}
