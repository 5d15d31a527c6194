package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
)

// PostgreSQL benchmarks: real `fieldcrm serve` processes over one
// database (the private test server, or FIELDCRM_TEST_PG), real clients.
//
//	go test ./server -run '^$' -bench PG -benchtime=1x

// BenchmarkPGFreshPull: a new laptop pulls a book of 10,000 leads and
// 100,000 activities from a server on PostgreSQL. The book is seeded in
// bbolt and moved with MigrateBoltToPostgres (what `admin migrate` does).
func BenchmarkPGFreshPull(b *testing.B) {
	dir := b.TempDir()
	seedBook(b, filepath.Join(dir, "srv"), "ann", 10_000, 10)
	db := freshDatabase(b)
	if _, err := server.MigrateBoltToPostgres(context.Background(), filepath.Join(dir, "srv"), db); err != nil {
		b.Fatal(err)
	}
	bin := benchBin(b)
	proc := startServer(b, bin, dir, db)
	url := "http://" + proc.addr
	// The server checks its data as it starts, beside serving: measure
	// the pull after it, not the two together.
	waitForLine(b, filepath.Join(dir, "serve.log"), "start-up check of the data done", 5*time.Minute)
	st := openPG(b, db)
	defer st.Close()
	svc := &server.Service{Store: st}
	// The server's process and PostgreSQL, beside the laptop's cpu-s.
	srv0, srvOK := processCPU(proc.cmd.Process.Pid)
	pg0, pgOK := postgresCPU(b, db)
	pullFresh(b, svc, url, dir)
	if srv1, ok := processCPU(proc.cmd.Process.Pid); ok && srvOK {
		b.ReportMetric((srv1-srv0).Seconds()/float64(b.N), "server-cpu-s/op")
	}
	if pg1, ok := postgresCPU(b, db); ok && pgOK {
		b.ReportMetric((pg1-pg0).Seconds()/float64(b.N), "pg-cpu-s/op")
	}
}

// waitForLine waits, at most timeout, until the file at path holds a line
// containing want.
func waitForLine(b *testing.B, path, want string, timeout time.Duration) {
	b.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if data, _ := os.ReadFile(path); strings.Contains(string(data), want) {
			return
		}
	}
	b.Fatalf("%s has no line with %q after %v", path, want, timeout)
}

// BenchmarkPGConcurrentClients: 200 laptops, each with 10 changes waiting,
// sync at once (push, then pull everything new) through 1, 2 or 4 server
// processes over one database, spread evenly over the servers.
func BenchmarkPGConcurrentClients(b *testing.B) {
	bin := benchBin(b)
	for _, servers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("servers=%d", servers), func(b *testing.B) {
			const n = 200
			dir := b.TempDir()
			db := freshDatabase(b)
			st := openPG(b, db)
			defer st.Close()
			svc := &server.Service{Store: st}
			var urls []string
			for range servers {
				urls = append(urls, "http://"+startServer(b, bin, dir, db).addr)
			}
			laptops := make([]laptop, n)
			for i := range laptops {
				name := fmt.Sprintf("rep%d", i)
				tok, err := svc.AddUser(context.Background(), name, server.RoleRep)
				if err != nil {
					b.Fatal(err)
				}
				laptops[i].st, laptops[i].c = benchDevice(b, urls[i%servers], tok, name, filepath.Join(dir, name+".db"))
				laptops[i].c.HTTP = &http.Client{Timeout: time.Minute}
			}
			cpu0 := cpuTime()
			defer func() { reportCPU(b, cpu0) }()
			syncAll(b, laptops)
			b.ReportMetric(float64(n*10*b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

func benchBin(b *testing.B) string {
	b.Helper()
	bin, err := buildOnce()
	if err != nil {
		b.Fatal(err)
	}
	return bin
}
