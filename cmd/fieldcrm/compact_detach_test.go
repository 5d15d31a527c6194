//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// backgroundPid reads the pid `fieldcrm sync` said it left the
// compaction to; 0 when it said no such thing.
func backgroundPid(t *testing.T, stderr string) int {
	t.Helper()
	m := regexp.MustCompile(`Compacting the book in the background \(pid (\d+)\)`).FindStringSubmatch(stderr)
	if m == nil {
		return 0
	}
	pid, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// running reports whether the process pid runs: it exists and is not a
// zombie that no one has reaped yet (an orphan's parent may never).
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || !strings.Contains(string(stat), ") Z ")
}

// killCompaction kills pid with SIGKILL if it is still the compacting
// process a sync started (its pid is not yet another's).
func killCompaction(pid int) {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil && strings.Contains(string(cmdline), "compact\x00--background") && running(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// waitGone waits, at most a minute, until the process pid has ended.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for range 600 {
		if !running(pid) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the compacting process %d has not ended after a minute", pid)
}

// syncedBook makes a demo book of leads leads for ann, logs it in to a
// team server and returns the arguments that name it.
func syncedBook(t *testing.T, bin, home string, leads int) []string {
	t.Helper()
	url, tok := teamServer(t, "ann")
	book := []string{"--db", filepath.Join(home, "ann.db"), "--config", filepath.Join(home, "ann.toml")}
	if r := runBin(t, bin, home, append(book, "demo", "--leads", strconv.Itoa(leads), "--sales-only")...); r.code != 0 {
		t.Fatalf("demo: %s", r.stderr)
	}
	if r := runBin(t, bin, home, append(book, "login", "--server", url, "--user", "ann", "--token", tok["ann"])...); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	return book
}

// TestSyncCompactsInTheBackground: the command `fieldcrm sync` leaves the
// day's compaction to a process of its own and ends; that process holds
// the book's lock when the sync ends (unless it has ended already), so a
// write made right after waits for it (the lead is made after the
// compaction's time) and is kept; the book is compacted and passes
// doctor. With FIELDCRM_COMPACT_DETACH=0 the sync compacts in its own
// process.
func TestSyncCompactsInTheBackground(t *testing.T) {
	bin := buildBinary(t)
	home := t.TempDir()
	book := syncedBook(t, bin, home, 1500)
	db := book[1]
	r := runBin(t, bin, home, append(book, "sync")...)
	pid := backgroundPid(t, r.stderr)
	if r.code != 0 || pid == 0 {
		t.Fatalf("sync: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if holder := store.LockHolder(db); holder != pid && running(pid) {
		t.Errorf("when the sync ended, its compacting process %d was running without the book's lock (held by %d)", pid, holder)
	}
	t.Cleanup(func() { killCompaction(pid) }) // if the test failed midway
	if !strings.Contains(r.stdout, "pushed") {
		t.Fatalf("sync said %q", r.stdout)
	}
	if w := runBin(t, bin, home, append(book, "lead", "add", "--company", "Right After")...); w.code != 0 {
		t.Fatalf("a write right after the sync: %s", w.stderr)
	}
	waitGone(t, pid)
	if got := doctorRecords(t, bin, home, db); !strings.Contains(got, "; 1 change(s) waiting") {
		t.Fatalf("doctor counts %q; want the one lead written after the sync waiting", got)
	}
	st, err := store.Open(store.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.View(func(tx *store.Tx) error {
		compacted := tx.LastCompacted()
		if compacted.IsZero() {
			t.Error("the book was not compacted")
		}
		leads, err := tx.Leads(store.LeadFilter{})
		i := slices.IndexFunc(leads, func(l model.Lead) bool { return l.Company == "Right After" })
		switch {
		case err != nil || i < 0:
			t.Errorf("the lead written right after the sync is missing (%v)", err)
		case leads[i].CreatedAt.Before(compacted):
			t.Errorf("the lead written right after the sync was made at %v, before the compaction at %v", leads[i].CreatedAt, compacted)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Kept in the sync's own process on request.
	t.Setenv("FIELDCRM_COMPACT_DETACH", "0")
	home2 := t.TempDir()
	book2 := syncedBook(t, bin, home2, 300)
	r = runBin(t, bin, home2, append(book2, "sync")...)
	if r.code != 0 || backgroundPid(t, r.stderr) != 0 || !strings.Contains(r.stderr, "Compacted the book after the sync") {
		t.Fatalf("sync with FIELDCRM_COMPACT_DETACH=0: %d %q", r.code, r.stderr)
	}
}

// TestBackgroundCompactionKilled: the process a sync left the compaction
// to, killed with SIGKILL at once and later, leaves a book that passes
// doctor with every record, and the next sync compacts it.
func TestBackgroundCompactionKilled(t *testing.T) {
	bin := buildBinary(t)
	for _, wait := range []time.Duration{0, 50 * time.Millisecond, 3 * time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			home := t.TempDir()
			book := syncedBook(t, bin, home, 1500)
			db := book[1]
			count, _ := bookDigest(t, bin, home, db)
			r := runBin(t, bin, home, append(book, "sync")...)
			pid := backgroundPid(t, r.stderr)
			if r.code != 0 || pid == 0 {
				t.Fatalf("sync: %d %q", r.code, r.stderr)
			}
			time.Sleep(wait)
			killCompaction(pid)
			waitGone(t, pid)
			if got := doctorRecords(t, bin, home, db); !strings.Contains(got, "; 0 change(s) waiting") {
				t.Fatalf("doctor counts %q after the kill", got)
			}
			if n, _ := bookDigest(t, bin, home, db); n != count {
				t.Fatalf("%d records after the kill, %d before the sync", n, count)
			}
			st, err := store.Open(store.Options{Path: db})
			if err != nil {
				t.Fatal(err)
			}
			compacted := false
			_ = st.View(func(tx *store.Tx) error { compacted = !tx.LastCompacted().IsZero(); return nil })
			r = runBin(t, bin, home, append(book, "sync")...)
			if next := backgroundPid(t, r.stderr); r.code != 0 || (next == 0) != compacted {
				t.Fatalf("the next sync (compacted before: %v): %d %q", compacted, r.code, r.stderr)
			} else if next != 0 {
				waitGone(t, next)
			}
			t.Logf("killed after %v: compacted before the kill %v", wait, compacted)
		})
	}
}
