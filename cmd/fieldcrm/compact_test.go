package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestCompactAndBackupSaySizes: `fieldcrm compact` prints the file's size
// before and after (and --json the bytes), `fieldcrm backup` the book's
// and the copy's, doctor the newest automatic backup's; the copy holds
// only live pages, so it is no larger than the compacted book.
func TestCompactAndBackupSaySizes(t *testing.T) {
	c := newCLI(t)
	c.ok("demo", "--leads", "30")
	out := c.ok("compact")
	if !regexp.MustCompile(`^Compacted .*book\.db: \d+\.\d MB before, \d+\.\d MB after\.\n$`).MatchString(out) {
		t.Fatalf("compact said %q", out)
	}
	var sizes store.Compaction
	if err := json.Unmarshal([]byte(c.ok("compact", "--json")), &sizes); err != nil || sizes.Before == 0 || sizes.After == 0 {
		t.Fatalf("compact --json: %+v %v", sizes, err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	out = c.ok("backup", dst)
	if !regexp.MustCompile(`^Backed up .*book\.db \(\d+\.\d MB\) to .*copy\.db \(\d+\.\d MB: live pages only\)\.\n$`).MatchString(out) {
		t.Fatalf("backup said %q", out)
	}
	if fileSize(t, dst) > fileSize(t, c.db) {
		t.Fatalf("the backup is %d bytes, the compacted book %d", fileSize(t, dst), fileSize(t, c.db))
	}
	// doctor names the day's automatic backup (written after demo's first
	// write, with store.BackupTo's copy: TestBackupToHoldsLivePagesOnly)
	// with its size.
	if store.LatestBackup(c.db) == "" {
		t.Fatal("no automatic backup")
	}
	if out := c.ok("doctor"); !regexp.MustCompile(`newest .*\.bak \(\d+\.\d MB\)\n`).MatchString(out) {
		t.Fatalf("doctor does not say the newest backup's size:\n%s", out)
	}
}

// TestSyncCompactsOnceADay: a sync that empties the outbox compacts the
// book, says so on stderr and records when; the next sync the same day
// does not.
func TestSyncCompactsOnceADay(t *testing.T) {
	url, tok := teamServer(t, "ann")
	dir := t.TempDir()
	ann := &cli{t: t, db: filepath.Join(dir, "ann.db"), config: filepath.Join(dir, "ann.toml")}
	ann.ok("demo", "--leads", "30", "--sales-only")
	ann.ok("login", "--server", url, "--user", "ann", "--token", tok["ann"])
	_, errs, err := ann.run("", "sync")
	if err != nil || !strings.Contains(errs, "Compacted the book after the sync") {
		t.Fatalf("first sync: %v, stderr %q", err, errs)
	}
	st, err := store.Open(store.Options{Path: ann.db})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(func(tx *store.Tx) error {
		if tx.LastCompacted().IsZero() {
			t.Error("the compaction's time is not recorded")
		}
		return nil
	})
	ann.ok("lead", "add", "--company", "One more")
	if _, errs, err := ann.run("", "sync"); err != nil || strings.Contains(errs, "Compacted") {
		t.Fatalf("second sync the same day: %v, stderr %q", err, errs)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// bookDigest is the count of records and a hash of the book's export
// (but its time).
func bookDigest(t *testing.T, bin, home, db string) (int, string) {
	t.Helper()
	r := runBin(t, bin, home, "--db", db, "export", "--format", "json")
	if r.code != 0 {
		t.Fatalf("export of %s: %d %s", db, r.code, r.stderr)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &all); err != nil {
		t.Fatalf("export of %s: %v", db, err)
	}
	n := 0
	for _, v := range all {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) == nil {
			n += len(list)
		}
	}
	delete(all, "exported_at")
	data, err := json.Marshal(all) // keys sorted, values as exported
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return n, hex.EncodeToString(sum[:])
}

// TestCompactSurvivesSIGKILL: a real fieldcrm process compacting a real
// demo book is killed with SIGKILL at moments spread over a compaction's
// run and a little past it; each time the book opens, passes `fieldcrm doctor`, holds every
// record it held (count and a hash of its export), and a copy left beside
// it is gone after the next command.
func TestCompactSurvivesSIGKILL(t *testing.T) {
	bin, home, orig := demoBookToKill(t)
	count, hash := bookDigest(t, bin, home, orig)
	if count < 1500 {
		t.Fatalf("the demo book holds %d records", count)
	}
	records := doctorRecords(t, bin, home, orig) // with the changes waiting to sync
	// How long one compaction takes here, to spread the kills over it.
	timed := filepath.Join(home, "timed.db")
	copyBook(t, orig, timed)
	start := time.Now()
	if r := runBin(t, bin, home, "--db", timed, "compact"); r.code != 0 {
		t.Fatalf("compact: %s", r.stderr)
	}
	took := time.Since(start)
	const runs = 8
	leftovers, swapped := 0, 0
	for i := range runs {
		db := filepath.Join(home, "run"+string(rune('a'+i))+".db")
		copyBook(t, orig, db)
		before := fileSize(t, db)
		wait := took * time.Duration(i+1) * 3 / (2 * runs) // up to 1.5 times a compaction's run
		runKilled(t, bin, home, wait, "--db", db, "compact")
		if _, err := os.Stat(db + ".compacting"); err == nil {
			leftovers++
		}
		if fileSize(t, db) < before {
			swapped++
		}
		if got := doctorRecords(t, bin, home, db); got != records {
			t.Fatalf("run %d (killed after %v): doctor finds %q, before %q", i, wait, got, records)
		}
		if n, h := bookDigest(t, bin, home, db); n != count || h != hash {
			t.Fatalf("run %d: %d records (export %s), before %d (%s)", i, n, h, count, hash)
		}
		if _, err := os.Stat(db + ".compacting"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("run %d: the copy is still beside the book: %v", i, err)
		}
	}
	t.Logf("one compaction took %v; of %d kills, %d left a copy behind, %d came after the swap", took, runs, leftovers, swapped)
	if leftovers == 0 {
		t.Error("no kill came while the copy was being written: the test did not test that")
	}
}

// demoBookToKill builds the binary and a 1,500-lead demo book in a home
// of its own, for the tests that kill a process working on copies of it.
func demoBookToKill(t *testing.T) (bin, home, orig string) {
	t.Helper()
	bin, home = buildBinary(t), t.TempDir()
	orig = filepath.Join(home, "orig.db")
	if r := runBin(t, bin, home, "--db", orig, "demo", "--leads", "1500"); r.code != 0 {
		t.Fatalf("demo: %s", r.stderr)
	}
	return bin, home, orig
}

// runKilled starts bin with args in home, as runBin runs it, and kills it
// with SIGKILL after wait (if it has not ended by then).
func runKilled(t *testing.T, bin, home string, wait time.Duration, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home, "FIELDCRM_LANG=en")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(wait)
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
}

// doctorRecords runs `fieldcrm doctor` on db, which must find no problem,
// and returns its line counting records and changes waiting to sync.
func doctorRecords(t *testing.T, bin, home, db string) string {
	t.Helper()
	r := runBin(t, bin, home, "--db", db, "doctor")
	if r.code != 0 || !strings.Contains(r.stdout, "problems:  none") {
		t.Fatalf("doctor %s: %d\n%s%s", db, r.code, r.stdout, r.stderr)
	}
	for line := range strings.Lines(r.stdout) {
		if strings.HasPrefix(line, "records:") {
			return line
		}
	}
	t.Fatalf("doctor %s counts no records:\n%s", db, r.stdout)
	return ""
}

func copyBook(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUISyncsCompactWhenASyncEndsWell: the UI's status callback compacts
// the book when a sync ends without error (not on other statuses, nor
// after a failed sync) and passes every status on.
func TestUISyncsCompactWhenASyncEndsWell(t *testing.T) {
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "book.db"), User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	compacted := func() bool {
		var at time.Time
		_ = st.View(func(tx *store.Tx) error { at = tx.LastCompacted(); return nil })
		return !at.IsZero()
	}
	var passed int
	fn := compactAfterSyncs(st, func(remote.Status) { passed++ })
	for _, s := range []remote.Status{{}, {Syncing: true}, {Err: errors.New("offline")}, {Waiting: 0}} {
		fn(s)
	}
	if compacted() {
		t.Fatal("compacted without a sync that ended well")
	}
	fn(remote.Status{Syncing: true})
	fn(remote.Status{LastSync: time.Now()})
	if !compacted() || passed != 6 {
		t.Fatalf("after a good sync: compacted %v, %d statuses passed on", compacted(), passed)
	}
}
