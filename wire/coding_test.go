package wire_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/fieldcrm/fieldcrm/wire"
)

func TestPreferredCoding(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"zstd", "zstd"},
		{"zstd, gzip", "zstd"},
		{"gzip, zstd", "zstd"}, // the same weight: zstd
		{"gzip, deflate, br", "gzip"},
		{"GZIP", "gzip"},
		{"x-gzip", "gzip"},
		{"zstd;q=0.5, gzip", "gzip"},
		{"zstd;q=1.0, gzip;q=0.9", "zstd"},
		{"zstd;q=0, gzip;q=0", ""},
		{"zstd; q=0", ""},
		{"gzip;q=0", ""},
		{"gzip;q=bad", ""},
		{"zstd;q=NaN", ""},
		{"zstd;q=NaN, gzip;q=0.5", "gzip"},
		{"gzip;q=2", ""},
		{"zstd;q=-1, gzip", "gzip"},
		{"*", "gzip"},
		{"*;q=0.5, gzip", "gzip"},
		{"zstd;q=0, *", "gzip"},
		{" zstd ;q=0.2 , gzip;q=0.1", "zstd"},
	} {
		if got := wire.PreferredCoding(c.header); got != c.want {
			t.Errorf("PreferredCoding(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestTakes(t *testing.T) {
	for _, c := range []struct {
		values     []string
		zstd, gzip bool
	}{
		{nil, false, false},
		{[]string{"gzip"}, false, true},
		{[]string{"zstd, gzip"}, true, true},
		{[]string{"zstd", "gzip"}, true, true},
		{[]string{"br"}, false, false},
	} {
		if z, g := wire.Takes(c.values, wire.Zstd), wire.Takes(c.values, wire.Gzip); z != c.zstd || g != c.gzip {
			t.Errorf("Takes(%q): zstd %v gzip %v, want %v %v", c.values, z, g, c.zstd, c.gzip)
		}
	}
}

// Every coding reads back what was written, by the whole body and by a
// stream, and a coding Decompress does not know is an error.
func TestCodingsRoundTrip(t *testing.T) {
	text := []byte(strings.Repeat(`{"company":"華為 Huawei","city":"深圳"},`, 5000))
	var stream bytes.Buffer
	zw := wire.NewZstdWriter(&stream)
	for i := 0; i < len(text); i += 4096 {
		if _, err := zw.Write(text[i:min(i+4096, len(text))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil { // a second Close is nothing
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"zstd": wire.ZstdAppend(nil, text), "zstd stream": stream.Bytes()} {
		if len(body) > len(text)/20 {
			t.Errorf("%s: %d bytes of %d", name, len(body), len(text))
		}
		got, err := wire.Decompress(wire.Zstd, body)
		if err != nil || !bytes.Equal(got, text) {
			t.Fatalf("%s read back %d bytes, %v; want %d", name, len(got), err, len(text))
		}
	}
	if got, err := wire.Decompress("", text); err != nil || !bytes.Equal(got, text) {
		t.Fatalf("no coding: %d bytes, %v", len(got), err)
	}
	if _, err := wire.Decompress("br", text); err == nil {
		t.Fatal("br read as if known")
	}
	if _, err := wire.Decompress(wire.Zstd, text); err == nil {
		t.Fatal("JSON read as zstd")
	}
	zr, err := wire.NewZstdReader(bytes.NewReader(stream.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	zr.Release()
	zr.Release() // a second Release is nothing
	if _, err := zr.Read(make([]byte, 10)); err == nil {
		t.Fatal("a released reader read on")
	}
}

// Encoders and decoders come from pools: goroutines compressing and
// reading at once each get their own bytes back (run with -race too).
func TestCodingsAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				text := []byte(strings.Repeat(fmt.Sprintf("worker %d round %d; ", w, i), 2000+i))
				var body []byte
				if i%2 == 0 {
					body = wire.ZstdAppend(nil, text)
				} else {
					var buf bytes.Buffer
					zw := wire.NewZstdWriter(&buf)
					_, _ = zw.Write(text)
					_ = zw.Close()
					body = buf.Bytes()
				}
				zr, err := wire.NewZstdReader(bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(zr)
				zr.Release()
				if err != nil || !bytes.Equal(got, text) {
					errs <- fmt.Errorf("worker %d round %d read back %.40q, %v", w, i, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
