package remote_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
)

// killPullLimit is the pull page of the processes TestPullProcessKilled
// kills: small, so that a pull of killLeads takes many pages, and a
// transaction stores several of them (pagesPerTx).
const (
	killPullLimit = 20
	killLeads     = 1200
)

// pullChild is the process TestPullProcessKilled starts and kills: this
// test binary run again, syncing the book FIELDCRM_TEST_DB with the
// server at FIELDCRM_TEST_URL as the command line does, a page of
// killPullLimit changes at a time.
func pullChild() {
	st, err := store.Open(store.Options{Path: os.Getenv("FIELDCRM_TEST_DB"), User: "ann"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	c, err := remote.NewClient(os.Getenv("FIELDCRM_TEST_URL"), os.Getenv("FIELDCRM_TEST_TOKEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(3)
	}
	_, err = remote.SyncWith(context.Background(), st, c, remote.Options{PullLimit: killPullLimit, LessGC: true})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// pageGate counts the pull pages a real server answers, each after
// pageDelay, and, once it has answered the page numbered killAt (counted
// from 1 since the count was last reset; 0 for never), tells kill.
type pageGate struct {
	next   http.Handler
	mu     sync.Mutex
	served int
	killAt int
	kill   chan struct{}
}

// pageDelay spreads a pull's pages out in time as a network would, so
// that a kill lands in a transaction more often than between them.
const pageDelay = 5 * time.Millisecond

func (g *pageGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/pull" {
		g.next.ServeHTTP(w, r)
		return
	}
	time.Sleep(pageDelay)
	g.next.ServeHTTP(w, r)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.served++; g.served == g.killAt {
		select {
		case g.kill <- struct{}{}:
		default:
		}
	}
}

func (g *pageGate) arm(killAt int) {
	g.mu.Lock()
	g.served, g.killAt = 0, killAt
	g.mu.Unlock()
}

// TestPullProcessKilled: processes pulling a book killed with SIGKILL
// (by pid) at random moments, while the pages of a transaction are being
// gathered, stored or committed, leave a book that opens and holds
// exactly the pages before its cursor, whole: as many leads as those
// pages hold, the first ones pushed, and no other. The next process goes
// on from there, and the last one ends with every lead.
//
// A pull stores up to eight pages in one transaction (pagesPerTx), the
// cursor with them; here pages of 20 changes come from a server in this
// process a few milliseconds apart, so transactions hold several.
func TestPullProcessKilled(t *testing.T) {
	if os.Getenv("FIELDCRM_TEST_CHILD") == "pull" {
		pullChild()
	}
	if testing.Short() {
		t.Skip("starts and kills processes; skipped with -short")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 15))

	gate := &pageGate{kill: make(chan struct{}, 1)}
	// ann's first laptop pushes the leads, named in the order they are
	// made, which is the order of the server's log.
	url, tok, first := annBook(t, func(h http.Handler) http.Handler { gate.next = h; return gate }, killLeads)
	c, err := remote.NewClient(url, tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.SyncWith(context.Background(), first, c, remote.Options{}); err != nil {
		t.Fatal(err)
	}
	// The cursor after each page of a whole pull: a pull that goes on from
	// one of them takes the same pages after it.
	var cursors []uint64
	for from := uint64(0); ; {
		if len(cursors) > 2*killLeads/killPullLimit {
			t.Fatalf("the whole pull takes more than %d pages", len(cursors))
		}
		resp, err := c.Pull(context.Background(), from, killPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		cursors = append(cursors, resp.Cursor)
		if from = resp.Cursor; !resp.More {
			break
		}
	}
	pages := len(cursors)
	if want := (killLeads + killPullLimit - 1) / killPullLimit; pages != want {
		t.Fatalf("the whole pull takes %d pages; want %d", pages, want)
	}

	book := filepath.Join(t.TempDir(), "second.db")
	env := append(os.Environ(), "FIELDCRM_TEST_CHILD=pull", "FIELDCRM_TEST_DB="+book,
		"FIELDCRM_TEST_URL="+url, "FIELDCRM_TEST_TOKEN="+tok)
	// check opens the book and returns how many pages it holds, failing
	// unless they are whole and the cursor is theirs, and unless doctor
	// finds the book sound: its cards, indexes and search lists those of
	// its records, or behind them when the kill cut a run whose derived
	// writes were carried (store.Carry), which the next pull catches up.
	behind, lastBehind := 0, false
	check := func(round int) int {
		t.Helper()
		rep, err := store.Doctor(book)
		if err != nil {
			t.Fatalf("round %d: doctor: %v", round, err)
		}
		if !rep.OK() {
			t.Fatalf("round %d: doctor finds %+v", round, rep.Problems)
		}
		if lastBehind = rep.Behind; rep.Behind {
			behind++
		}
		st, err := store.Open(store.Options{Path: book, User: "ann", NoSync: true})
		if err != nil {
			t.Fatalf("round %d: the book does not open after the kill: %v", round, err)
		}
		defer st.Close()
		var names []string
		var cursor uint64
		err = st.View(func(tx *store.Tx) error {
			ls, err := tx.Leads(store.LeadFilter{})
			for _, l := range ls {
				names = append(names, l.Company)
			}
			cursor = tx.SyncState().Cursor
			return err
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		stored := 0 // pages before the cursor
		if cursor != 0 {
			i := slices.Index(cursors, cursor)
			if i < 0 {
				t.Fatalf("round %d: the book's cursor %d is no page's end", round, cursor)
			}
			stored = i + 1
		}
		want := min(stored*killPullLimit, killLeads)
		if len(names) != want {
			t.Fatalf("round %d: the book holds %d leads at the cursor of page %d; want %d", round, len(names), stored, want)
		}
		seen := map[int]bool{}
		for _, n := range names {
			var i int
			if _, err := fmt.Sscanf(n, "Lead %d", &i); err != nil || i >= want || seen[i] {
				t.Fatalf("round %d: the book holds %q; want the first %d pushed, once each", round, n, want)
			}
			seen[i] = true
		}
		return stored
	}

	killed, stored := 0, 0
	for round := 1; round <= 12 && stored < pages; round++ {
		// Kill after a random page of those left, and a random moment
		// after it: most kills land in a transaction of several pages.
		// The last rounds run to the end.
		left := pages - stored
		killAt := 0
		if round <= 9 && left > 3 {
			killAt = 1 + rng.IntN(left-2)
		}
		gate.arm(killAt)
		cmd := exec.Command(os.Args[0], "-test.run=^TestPullProcessKilled$", "-test.count=1")
		cmd.Env = env
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.NewTimer(60 * time.Second)
		select {
		case err := <-done:
			deadline.Stop()
			if err != nil {
				t.Fatalf("round %d: the pull failed: %v\n%s", round, err, out.String())
			}
		case <-gate.kill:
			time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
			_ = cmd.Process.Kill() // SIGKILL, this pid only
			err := <-done
			deadline.Stop()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				killed++
			} else if err != nil {
				t.Fatalf("round %d: the pull failed: %v\n%s", round, err, out.String())
			} else {
				killAt = 0 // it ended first
			}
		case <-deadline.C:
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("round %d: the pull did not end within 60 s\n%s", round, out.String())
		}
		before := stored
		if stored = check(round); stored < before {
			t.Fatalf("round %d: the book went back from page %d to %d", round, before, stored)
		}
		t.Logf("round %d: killed after page %d of the round was served (0: left to end); the book holds %d of %d pages, %d more", round, killAt, stored, pages, stored-before)
	}
	if stored != pages {
		t.Fatalf("after the last round the book holds %d of %d pages", stored, pages)
	}
	if lastBehind {
		t.Fatal("the book is behind its records after a pull that ran to the end")
	}
	t.Logf("%d kills left the book behind its records", behind)
	if killed == 0 {
		t.Fatal("no process was killed: the test proved nothing")
	}
}

// lockedBuffer is a child's output, written by its copying goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
