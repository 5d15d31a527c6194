package remote_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/wire"
)

// A server's compressed answer is read within the client's cap on what it
// inflates to, and a zstd frame asking for a window larger than
// wire.MaxZstdWindow is refused before it costs one: a hostile or broken
// server cannot make a laptop hold more than the cap. An answer in a
// coding the client did not ask for is refused by name.
func TestHostileCompressedAnswers(t *testing.T) {
	spaces := wire.ZstdAppend(nil, bytes.Repeat([]byte(" "), 1<<20))
	bomb := wire.ZstdAppend(nil, []byte(`{"ok":true,"version":"`))
	for range 512 {
		bomb = append(bomb, spaces...)
	}
	hugeWindow := []byte{0x28, 0xB5, 0x2F, 0xFD, 0x00, 16 << 3, 0x29, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o'}
	for _, c := range []struct {
		name, want, coding string
		body               []byte
	}{
		{"bomb", "larger than", wire.Zstd, bomb},
		{"window", "window", wire.Zstd, hugeWindow},
		{"not zstd", "magic", wire.Zstd, []byte(`{"ok":true}`)},
		{"another coding", `"br", which this client did not ask for`, "br", []byte(`{"ok":true}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.Contains(r.Header.Get("Accept-Encoding"), wire.Zstd) {
					t.Errorf("the client asked for %q", r.Header.Get("Accept-Encoding"))
				}
				w.Header().Set("Content-Encoding", c.coding)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(c.body)
			}))
			defer srv.Close()
			cl, err := remote.NewClient(srv.URL, "token")
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = cl.Health(context.Background())
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("health answered with %s: %v; want an error saying %q", c.name, err, c.want)
			}
			// The server's handler shares the process and holds the bomb.
			if got := after.TotalAlloc - before.TotalAlloc; got > 32<<20 {
				t.Fatalf("the answer cost %d MB of allocations", got>>20)
			}
		})
	}
}
