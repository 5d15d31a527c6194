package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/wire"
)

// keeping is a counting transport that also keeps every answer body.
type keeping struct {
	counting
	mu     sync.Mutex
	bodies [][]byte
}

func (k *keeping) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.counting.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	k.mu.Lock()
	k.bodies = append(k.bodies, data)
	k.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, err
}

// BenchmarkWireCompression: the demo book of 10,000 leads makes its first
// push to an empty server, and a manager then pulls it fresh, once with
// plain bodies (remote.Client.NoCompression and NoPack), once with gzip of the
// JSON (NoPack, NoZstd), once packed (jsonpack) under gzip (NoZstd), and
// once as shipped, packed under zstd. It reports the bytes of request and
// answer bodies and the CPU seconds of each (client and server share the
// process); and, on the plain pull's answers, what gzip's BestSpeed and
// default levels make of them, and of them packed, and what zstd as
// shipped (wire.ZstdAppend) makes of them packed, in how long, and how
// long reading the packed ones back takes. Run with -benchtime 1x: one
// iteration takes a few minutes.
func BenchmarkWireCompression(b *testing.B) {
	dir := b.TempDir()
	book := demoBook(b, dir, 10_000)
	for i := 0; b.Loop(); i++ {
		var pages [][]byte
		for _, mode := range []string{"plain", "gzip", "packgz", "packzstd"} {
			run := filepath.Join(dir, mode+string(rune('a'+i)))
			svc, url := benchServer(b, filepath.Join(run, "srv"))
			ctx := context.Background()
			st, c := rootsLaptop(b, svc, url, book, run)
			up := &counting{}
			c.HTTP.Transport, c.NoCompression, c.NoPack = up, mode == "plain", mode == "plain" || mode == "gzip"
			c.NoZstd = mode != "packzstd"
			logIn(b, st, c, "ann")
			cpu0 := cpuTime()
			if rep, err := remote.Sync(ctx, st, c); err != nil || rep.Pushed < 110_000 {
				b.Fatalf("first push: %+v %v", rep, err)
			}
			b.ReportMetric((cpuTime() - cpu0).Seconds(), mode+"-push-cpu-s")
			b.ReportMetric(float64(up.up.Load())/1e6, mode+"-push-up-MB")

			mtok, err := svc.AddUser(ctx, "boss", "manager")
			if err != nil {
				b.Fatal(err)
			}
			mst, mc := benchDevice(b, url, mtok, "boss", filepath.Join(run, "boss.db"))
			down := &keeping{}
			mc.HTTP.Transport, mc.NoCompression, mc.NoPack = down, mode == "plain", mode == "plain" || mode == "gzip"
			mc.NoZstd = mode != "packzstd"
			cpu1 := cpuTime()
			if rep, err := remote.Sync(ctx, mst, mc); err != nil || rep.Pulled < 110_000 {
				b.Fatalf("fresh pull: %+v %v", rep, err)
			}
			b.ReportMetric((cpuTime() - cpu1).Seconds(), mode+"-pull-cpu-s")
			b.ReportMetric(float64(down.down.Load())/1e6, mode+"-pull-down-MB")
			if mode == "plain" {
				pages = down.bodies
			}
		}
		// The pages packed as the server packs them: the JSON without
		// its newline (server/pack.go).
		var packed [][]byte
		var n int64
		cpu := cpuTime()
		for _, p := range pages {
			packed = append(packed, jsonpack.Pack(nil, bytes.TrimSuffix(p, []byte("\n"))))
			n += int64(len(packed[len(packed)-1]))
		}
		b.ReportMetric((cpuTime() - cpu).Seconds(), "pack-pull-cpu-s")
		b.ReportMetric(float64(n)/1e6, "pack-pull-MB")
		for _, level := range []struct {
			name  string
			level int
			pages [][]byte
		}{{"gzip1", gzip.BestSpeed, pages}, {"gzip6", gzip.DefaultCompression, pages},
			{"pack+gzip1", gzip.BestSpeed, packed}, {"pack+gzip6", gzip.DefaultCompression, packed}} {
			var n int64
			var zipped [][]byte
			cpu := cpuTime()
			start := time.Now()
			for _, p := range level.pages {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, level.level)
				_, _ = zw.Write(p)
				_ = zw.Close()
				n += int64(buf.Len())
				zipped = append(zipped, buf.Bytes())
			}
			b.ReportMetric(float64(n)/1e6, level.name+"-pull-MB")
			b.ReportMetric(time.Since(start).Seconds(), level.name+"-pull-s")
			b.ReportMetric((cpuTime() - cpu).Seconds(), level.name+"-pull-cpu-s")
			if level.name == "pack+gzip6" {
				b.ReportMetric(readBack(b, wire.Gzip, zipped), level.name+"-read-cpu-s")
			}
		}
		var zipped [][]byte
		n = 0
		cpu = cpuTime()
		start := time.Now()
		for _, p := range packed {
			zipped = append(zipped, wire.ZstdAppend(nil, p))
			n += int64(len(zipped[len(zipped)-1]))
		}
		b.ReportMetric(float64(n)/1e6, "pack+zstd-pull-MB")
		b.ReportMetric(time.Since(start).Seconds(), "pack+zstd-pull-s")
		b.ReportMetric((cpuTime() - cpu).Seconds(), "pack+zstd-pull-cpu-s")
		b.ReportMetric(readBack(b, wire.Zstd, zipped), "pack+zstd-read-cpu-s")
	}
}

// readBack decompresses bodies, compressed in coding, and returns the CPU
// seconds it took.
func readBack(b *testing.B, coding string, bodies [][]byte) float64 {
	cpu := cpuTime()
	for _, body := range bodies {
		if _, err := wire.Decompress(coding, body); err != nil {
			b.Fatal(err)
		}
	}
	return (cpuTime() - cpu).Seconds()
}

// BenchmarkPullPage: a manager pulls one page of 5,000 changes of a demo
// book of 1,000 leads through a real server, as JSON under gzip
// (remote.Client.NoPack) and packed under gzip, as shipped. With
// -benchmem it gives the memory both ends (one process) spend per page;
// wire-KB is the answer's bytes on the wire.
func BenchmarkPullPage(b *testing.B) {
	dir := b.TempDir()
	book := demoBook(b, dir, 1_000)
	svc, url := benchServer(b, filepath.Join(dir, "srv"))
	ctx := context.Background()
	st, c := rootsLaptop(b, svc, url, book, dir)
	logIn(b, st, c, "ann")
	if _, err := remote.Sync(ctx, st, c); err != nil {
		b.Fatal(err)
	}
	mtok, err := svc.AddUser(ctx, "boss", "manager")
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"gzip", "packgz"} {
		b.Run(mode, func(b *testing.B) {
			mc, err := remote.NewClient(url, mtok)
			if err != nil {
				b.Fatal(err)
			}
			down := &counting{}
			mc.HTTP.Transport, mc.NoPack = down, mode == "gzip"
			b.ReportAllocs()
			for b.Loop() {
				if pr, err := mc.Pull(ctx, 0, 5000); err != nil || len(pr.Changes) != 5000 {
					b.Fatalf("pull: %d changes, %v", len(pr.Changes), err)
				}
			}
			b.ReportMetric(float64(down.down.Load())/float64(b.N)/1e3, "wire-KB")
		})
	}
}
