package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// procMem is what /proc/PID/status says of a process's memory, in bytes:
// its resident set, the part of it that is its own (heap, stacks) and the
// part that is mapped files (bbolt's database file, the binary), and the
// peak resident set since it started.
type procMem struct{ rss, anon, file, hwm int64 }

func readProcMem(pid int) (procMem, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	defer f.Close()
	var m procMem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			m.rss = kb << 10
		case "RssAnon":
			m.anon = kb << 10
		case "RssFile":
			m.file = kb << 10
		case "VmHWM":
			m.hwm = kb << 10
		}
	}
	return m, sc.Err()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// pullMemNotes is how many notes of about 1 MiB the memory test writes:
// 60 by default; FIELDCRM_PULLMEM_NOTES asks for more (350 is the size of
// issue 12's finding 4).
func pullMemNotes(t *testing.T) int {
	n := 60
	if v := os.Getenv("FIELDCRM_PULLMEM_NOTES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("FIELDCRM_PULLMEM_NOTES=%q", v)
		}
	}
	return n
}

// TestPullMemoryStaysBounded (issue 12, finding 4): a manager pulling a
// book that holds hundreds of MiB of notes does not take the server much
// above its idle size. The server runs in this process (the real handler
// over bbolt or PostgreSQL, on loopback), so its memory can be read from
// the Go runtime; reps push the notes through it, the heap is collected
// and returned to the system, and then a manager pulls everything from
// cursor 0 with a client that keeps nothing but each page's last bytes,
// while the test samples the live heap and the process's own resident
// memory every millisecond. Either may grow by at most 100 MiB; the
// figures are logged. (In a `fieldcrm serve` process the start-up check of
// the data runs first and leaves its own heap behind, which would hide
// what the pull takes.)
func TestPullMemoryStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and pulls 60 MiB of notes; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/status")
	}
	forBackends(t, func(t *testing.T, b backend) {
		notes := pullMemNotes(t)
		h := newHarness(t, b)
		h.svc.Quota = server.NoQuota
		rep := h.device("ann", server.RoleRep)
		maxTok := h.addUser("max", server.RoleManager)
		start := time.Now()
		lead := rep.addLead("Notes Co").ID
		for i := range notes {
			rep.addVisit(lead, longNotes(1<<20, fmt.Sprint(i)))
			rep.sync() // one note at a time: the laptop reads its whole outbox per push
		}
		t.Logf("%d notes pushed in %s", notes, time.Since(start).Round(time.Millisecond))

		runtime.GC()
		debug.FreeOSMemory()
		idle := sampleMem(t)
		peak := idle
		var mu sync.Mutex
		stop := make(chan struct{})
		var sampled sync.WaitGroup
		sampled.Go(func() {
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				m := sampleMem(t)
				mu.Lock()
				peak.heap, peak.anon = max(peak.heap, m.heap), max(peak.anon, m.anon)
				mu.Unlock()
			}
		})
		start = time.Now()
		var cursor uint64
		pages, body := 0, int64(0)
		hc := &http.Client{Timeout: time.Minute}
		buf := make([]byte, 64<<10)
		var tail [256]byte
		for more := true; more; pages++ {
			if pages > 10000 {
				t.Fatal("the pull did not end")
			}
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/pull?cursor=%d&limit=%d", h.url, cursor, wire.MaxPullLimit), nil)
			req.Header.Set("Authorization", "Bearer "+maxTok)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			n, last := 0, 0
			for {
				k, err := resp.Body.Read(buf)
				if k > 0 {
					n += k
					last = copy(tail[:], buf[max(0, k-len(tail)):k])
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("page %d: %d", pages+1, resp.StatusCode)
			}
			if n > wire.MaxPullBytes {
				t.Errorf("page %d is %s; the client reads at most %s", pages+1, mib(int64(n)), mib(wire.MaxPullBytes))
			}
			body += int64(n)
			// The page ends ...],"cursor":N,"epoch":"...","more":B}
			end := string(tail[:last])
			c := end[strings.LastIndex(end, `"cursor":`)+len(`"cursor":`):]
			if cursor, err = strconv.ParseUint(c[:strings.IndexByte(c, ',')], 10, 64); err != nil {
				t.Fatalf("page %d ends %q", pages+1, end)
			}
			more = strings.Contains(end, `"more":true`)
		}
		took := time.Since(start)
		close(stop)
		sampled.Wait()
		t.Logf("%s: pulled %s in %d pages in %s; idle: live heap %s, own memory (RssAnon) %s; peak during the pull: live heap %s (+%s), own memory %s (+%s)",
			b.name, mib(body), pages, took.Round(time.Millisecond), mib(idle.heap), mib(idle.anon),
			mib(peak.heap), mib(peak.heap-idle.heap), mib(peak.anon), mib(peak.anon-idle.anon))
		if body < int64(notes)<<20 {
			t.Fatalf("the pull carried %s, less than the notes", mib(body))
		}
		if grew := max(peak.heap-idle.heap, peak.anon-idle.anon); grew > 100<<20 {
			t.Fatalf("the server's memory grew by %s during the pull; at most 100 MiB", mib(grew))
		}
	})
}

// memSample is this process's live heap (runtime/metrics) and its own
// resident memory, not counting mapped files such as bbolt's (RssAnon).
type memSample struct{ heap, anon int64 }

func sampleMem(t *testing.T) memSample {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	m, err := readProcMem(os.Getpid())
	if err != nil {
		t.Error(err)
	}
	return memSample{heap: int64(s[0].Value.Uint64()), anon: m.anon}
}
