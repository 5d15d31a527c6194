package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary builds the real fieldcrm binary once per test.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "fieldcrm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

type run struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, bin, home string, args ...string) run {
	t.Helper()
	// A hang is a failure too: the run is killed after a minute.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home, "FIELDCRM_LANG=en")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := run{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

// usedSize is how much of a bbolt file its meta page 0 counts as pages.
func usedSize(t *testing.T, path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int64(binary.LittleEndian.Uint32(b[16+8:]))
	pgid := int64(binary.LittleEndian.Uint64(b[16+40:]))
	return pageSize * pgid
}

// TestDamagedBooksNeverCrash damages copies of a real book at random
// (seeded, bounded) and runs the real binary on each: no run may end in a
// Go stack trace, every failure is one line, one about damage names the
// file, and once a book is found damaged no write goes into it.
func TestDamagedBooksNeverCrash(t *testing.T) {
	bin := buildBinary(t)
	home := t.TempDir()
	good := filepath.Join(t.TempDir(), "good.db")
	for _, c := range []string{"Acme", "Beta GmbH", "Gamma", "Delta", "Epsilon"} {
		if r := runBin(t, bin, home, "--db", good, "lead", "add", "--company", c, "--city", "Berlin"); r.code != 0 {
			t.Fatalf("lead add: %+v", r)
		}
	}
	if r := runBin(t, bin, home, "--db", good, "visit", "add", "Acme", "--notes", "first call"); r.code != 0 {
		t.Fatalf("visit add: %+v", r)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	used := usedSize(t, good)
	rng := rand.New(rand.NewSource(14))
	const trials = 40
	damagedFound, refusedWrites, repaired := 0, 0, 0
	for trial := 0; trial < trials; trial++ {
		dir := t.TempDir()
		path := filepath.Join(dir, "book.db")
		copyData := append([]byte(nil), data...)
		how := "flipped bytes"
		if trial%4 == 0 {
			how = "truncated"
			copyData = copyData[:rng.Int63n(used)]
		} else {
			for n := 1 + rng.Intn(40); n > 0; n-- {
				copyData[rng.Int63n(used)] ^= byte(1 + rng.Intn(255))
			}
		}
		if err := os.WriteFile(path, copyData, 0o600); err != nil {
			t.Fatal(err)
		}
		found := false
		var seen []string // what each run said, for the failure message
		for _, args := range [][]string{
			{"doctor"}, {"doctor", "--json"}, {"lead", "list"}, {"today"}, {"lead", "show", "Acme"}, {"visit", "list"}, {"lead", "list", "--json"},
			{"lead", "add", "--company", "Zeta"},
		} {
			r := runBin(t, bin, home, append([]string{"--db", path}, args...)...)
			all := r.stdout + r.stderr
			seen = append(seen, fmt.Sprintf("%v: exit %d, %q", args, r.code, r.stderr))
			for _, bad := range []string{"goroutine ", "panic:", "SIGBUS", "SIGSEGV", "runtime error"} {
				if strings.Contains(all, bad) {
					t.Fatalf("trial %d (%s) %v: %q in output:\n%s", trial, how, args, bad, all)
				}
			}
			if r.code == 0 {
				if isWrite(args) && found {
					t.Fatalf("trial %d (%s): a write into a book found damaged succeeded:\n%s", trial, how, strings.Join(seen, "\n"))
				}
				continue
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "fieldcrm: ") {
				t.Fatalf("trial %d (%s) %v: stderr is not one line: %q (exit %d) %q", trial, how, args, r.stderr, r.code, r.stdout)
			}
			if strings.Contains(r.stderr, "damaged") || args[0] == "doctor" {
				if !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "fieldcrm doctor") {
					t.Fatalf("trial %d (%s) %v: damage sentence lacks the file or the way out: %q", trial, how, args, r.stderr)
				}
				found = true
				if isWrite(args) {
					refusedWrites++
				}
			}
		}
		if found {
			damagedFound++
			if r := runBin(t, bin, home, "--db", path, "doctor"); r.code == 0 {
				t.Fatalf("trial %d (%s): doctor finds nothing in a book found damaged:\n%s", trial, how, r.stdout)
			}
			r := runBin(t, bin, home, "--db", path, "doctor", "--repair")
			if strings.Contains(r.stdout+r.stderr, "goroutine ") {
				t.Fatalf("trial %d (%s): doctor --repair crashed:\n%s", trial, how, r.stdout+r.stderr)
			}
			if strings.Contains(r.stdout, "repaired:") {
				if l := runBin(t, bin, home, "--db", path, "lead", "add", "--company", "After repair"); l.code != 0 {
					t.Fatalf("trial %d (%s): the repaired book takes no write: %+v\n%s", trial, how, l, r.stdout)
				}
				repaired++
			}
		}
	}
	t.Logf("%d of %d damaged copies were found damaged; %d writes refused; %d repaired", damagedFound, trials, refusedWrites, repaired)
	if damagedFound == 0 {
		t.Fatal("no damaged copy was found damaged")
	}
}

func isWrite(args []string) bool { return len(args) > 1 && args[0] == "lead" && args[1] == "add" }

// TestReadOnlyBookCLI: with the book's file 0400, lead list and today
// work and lead add says in one line that the book is read-only.
func TestReadOnlyBookCLI(t *testing.T) {
	bin := buildBinary(t)
	home := t.TempDir()
	path := filepath.Join(t.TempDir(), "book.db")
	if r := runBin(t, bin, home, "--db", path, "lead", "add", "--company", "Acme"); r.code != 0 {
		t.Fatalf("lead add: %+v", r)
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"lead", "list"}, {"today"}} {
		r := runBin(t, bin, home, append([]string{"--db", path}, args...)...)
		if r.code != 0 || (len(args) > 1 && args[1] == "list" && !strings.Contains(r.stdout, "Acme")) {
			t.Fatalf("%v on a read-only book: %+v", args, r)
		}
	}
	r := runBin(t, bin, home, "--db", path, "lead", "add", "--company", "Beta")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code == 0 || len(lines) != 1 || !strings.Contains(r.stderr, "read-only") || !strings.Contains(r.stderr, path) {
		t.Fatalf("lead add on a read-only book: %+v", r)
	}
}
