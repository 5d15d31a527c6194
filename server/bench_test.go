package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Benchmarks run a real server (bbolt with fsync, HTTP on 127.0.0.1) and
// real clients (replica files with fsync). Run them with -benchtime=1x:
//
//	go test ./server -run '^$' -bench . -benchtime=1x

// cpuTime is the CPU time this process used so far (user + system): on a
// shared machine it says more than wall time about what the work costs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per op used since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// seedBook pushes a book of leads, each with perLead activities, owned by
// owner, straight into the server's storage (no fsync while seeding).
func seedBook(b *testing.B, dir, owner string, leads, perLead int) {
	b.Helper()
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st}
	u := server.User{Name: owner, Role: server.RoleManager} // the author of every activity
	ctx := context.Background()
	wall := time.Now().Add(-time.Hour).UnixMilli()
	var batch []json.RawMessage
	flush := func() {
		if len(batch) == 0 {
			return
		}
		resp, err := svc.Push(ctx, u, batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range resp.Results {
			if r.Status != wire.StatusApplied {
				b.Fatalf("seed op %s: %s %s", r.OpID, r.Status, r.Reason)
			}
		}
		batch = batch[:0]
	}
	add := func(typ, id string, fields map[string]any) {
		wall++
		op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: typ, ID: id}, Kind: model.OpCreate,
			Fields: map[string]json.RawMessage{}, HLC: model.HLC{Wall: wall, Node: "seed"}, Schema: model.CurrentSchema}
		for k, v := range fields {
			op.Fields[k], _ = json.Marshal(v)
		}
		data, _ := json.Marshal(op)
		batch = append(batch, data)
		if len(batch) == wire.MaxPushOps {
			flush()
		}
	}
	now := time.Now().UTC()
	for i := range leads {
		lead := model.NewID()
		add(model.TypeLead, lead, map[string]any{"id": lead, "company": fmt.Sprintf("华东机械 %d 有限公司", i), "stage": "qualified",
			"owner": owner, "city": "Hangzhou", "value": map[string]any{"amount": 100000 + i, "currency": "CNY"},
			"stage_entered_at": now, "created_at": now, "updated_at": now})
		for j := range perLead {
			act := model.NewID()
			add(model.TypeActivity, act, map[string]any{"id": act, "lead_id": lead, "kind": "visit", "started_at": now.Add(-time.Duration(j) * time.Hour),
				"feedback": "客户对方案感兴趣，要求下周报价 / wants a quote next week", "author": owner, "created_at": now})
		}
	}
	flush()
	if _, err := svc.AddUser(ctx, owner, server.RoleRep); err != nil {
		b.Fatal(err)
	}
}

// benchServer serves dir's data with fsync on, on loopback.
func benchServer(b testing.TB, dir string) (*server.Service, string) {
	b.Helper()
	st, err := server.OpenBolt(dir, false)
	if err != nil {
		b.Fatal(err)
	}
	svc := &server.Service{Store: st}
	srv := httptest.NewServer(server.Handler(svc, server.Options{}))
	b.Cleanup(func() { srv.Close(); st.Close() })
	return svc, srv.URL
}

func benchDevice(b testing.TB, url, token, user, path string) (*store.Store, *remote.Client) {
	b.Helper()
	st, err := store.Open(store.Options{Path: path, User: user, KeepOpen: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	c, err := remote.NewClient(url, token)
	if err != nil {
		b.Fatal(err)
	}
	c.HTTP = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	return st, c
}

// pullLimit is the page size the fresh-pull benchmark asks for (0: the
// client's default); FIELDCRM_BENCH_PULL_LIMIT sets it to compare.
var pullLimit, _ = strconv.Atoi(os.Getenv("FIELDCRM_BENCH_PULL_LIMIT"))

// BenchmarkFreshPull: a new laptop pulls a book of 10,000 leads and
// 100,000 activities, end to end.
func BenchmarkFreshPull(b *testing.B) {
	dir := b.TempDir()
	seedBook(b, filepath.Join(dir, "srv"), "ann", 10_000, 10)
	svc, url := benchServer(b, filepath.Join(dir, "srv"))
	pullFresh(b, svc, url, dir)
}

// BenchmarkIncrementalSync100Fields: 100 fields changed on a laptop with a
// 1,000-lead book; one sync pushes them and pulls them back.
func BenchmarkIncrementalSync100Fields(b *testing.B) {
	dir := b.TempDir()
	seedBook(b, filepath.Join(dir, "srv"), "ann", 1000, 2)
	svc, url := benchServer(b, filepath.Join(dir, "srv"))
	tok, err := svc.AddToken(context.Background(), "ann")
	if err != nil {
		b.Fatal(err)
	}
	st, c := benchDevice(b, url, tok, "ann", filepath.Join(dir, "ann.db"))
	if _, err := remote.Sync(context.Background(), st, c); err != nil {
		b.Fatal(err)
	}
	wire := &counting{} // firstpush_bench_test.go
	c.HTTP.Transport = wire
	defer func() {
		b.ReportMetric(float64(wire.up.Load())/float64(b.N), "up-B/op")
		b.ReportMetric(float64(wire.down.Load())/float64(b.N), "down-B/op")
	}()
	var ids []string
	_ = st.View(func(tx *store.Tx) error {
		return tx.Records(model.TypeLead, func(id string, _ *model.Record) error { ids = append(ids, id); return nil })
	})
	cpu0 := cpuTime()
	defer func() { reportCPU(b, cpu0) }()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		err := st.Update(func(tx *store.Tx) error {
			for _, id := range ids[:100] {
				l, err := tx.Lead(id)
				if err != nil {
					return err
				}
				l.City = fmt.Sprintf("City %d", i)
				if err := tx.UpdateLead(&l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := remote.Sync(context.Background(), st, c)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Pushed != 100 {
			b.Fatalf("pushed %d", rep.Pushed)
		}
	}
}

// BenchmarkConcurrentClients: N laptops, each with 10 changes waiting,
// sync at once against one server.
func BenchmarkConcurrentClients(b *testing.B) {
	for _, n := range []int{50, 100, 200} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			st, err := server.OpenBolt(filepath.Join(dir, "srv"), false)
			if err != nil {
				b.Fatal(err)
			}
			svc := &server.Service{Store: st}
			srv := httptest.NewServer(server.Handler(svc, server.Options{}))
			defer func() { srv.Close(); st.Close() }()
			laptops := make([]laptop, n)
			for i := range laptops {
				name := fmt.Sprintf("rep%d", i)
				tok, err := svc.AddUser(context.Background(), name, server.RoleRep)
				if err != nil {
					b.Fatal(err)
				}
				laptops[i].st, laptops[i].c = benchDevice(b, srv.URL, tok, name, filepath.Join(dir, name+".db"))
			}
			cpu0 := cpuTime()
			defer func() { reportCPU(b, cpu0) }()
			syncAll(b, laptops)
		})
	}
}

// laptop is one client of the concurrent-clients benchmarks.
type laptop struct {
	st *store.Store
	c  *remote.Client
}

// syncAll runs the concurrent-clients benchmark's loop: each laptop writes
// 10 new leads (not timed), then every laptop syncs at once (timed); any
// client error fails the benchmark.
func syncAll(b *testing.B, laptops []laptop) {
	for b.Loop() {
		b.StopTimer()
		for _, lt := range laptops {
			err := lt.st.Update(func(tx *store.Tx) error {
				for j := range 10 {
					if err := tx.AddLead(&model.Lead{Company: fmt.Sprintf("Co %d", j)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		var wg sync.WaitGroup
		errs := make(chan error, len(laptops))
		for _, lt := range laptops {
			wg.Go(func() {
				if _, err := remote.Sync(context.Background(), lt.st, lt.c); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatalf("a client failed: %v", err)
		}
	}
}

// pullFresh is the fresh-pull benchmarks' loop: each iteration is a new
// laptop of "ann" pulling the whole 110,000-change book from url.
func pullFresh(b *testing.B, svc *server.Service, url, dir string) {
	cpu0 := cpuTime()
	defer func() { reportCPU(b, cpu0) }()
	for i := 0; b.Loop(); i++ {
		tok, err := svc.AddToken(context.Background(), "ann")
		if err != nil {
			b.Fatal(err)
		}
		st, c := benchDevice(b, url, tok, "ann", filepath.Join(dir, fmt.Sprintf("ann%d.db", i)))
		rep, err := remote.SyncWith(context.Background(), st, c, remote.Options{PullLimit: pullLimit})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Pulled != 110_000 {
			b.Fatalf("pulled %d changes, want 110000", rep.Pulled)
		}
	}
}
