package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// The tests here run a second, real process: this test binary started again
// with FIELDCRM_TEST_CHILD naming what the child does. Children are stopped
// by their pid, never by name.

func TestMain(m *testing.M) {
	switch os.Getenv("FIELDCRM_TEST_CHILD") {
	case "writer":
		childWriter(os.Getenv("FIELDCRM_TEST_DB"))
		return
	case "holder":
		childHolder(os.Getenv("FIELDCRM_TEST_DB"))
		return
	case "migrator":
		childMigrator(os.Getenv("FIELDCRM_TEST_DB"))
		return
	}
	code := m.Run()
	// The benchmarks' books (bench_test.go) live here: hundreds of MB.
	os.RemoveAll(filepath.Join(os.TempDir(), fmt.Sprintf("fieldcrm-bench-%d", os.Getpid())))
	os.Exit(code)
}

// childWriter writes leads (each with an activity and a follow-up) in a
// loop, one transaction each, and prints each lead's id once its
// transaction has committed. It runs until killed, or for 30 s at most.
func childWriter(path string) {
	s, err := Open(Options{Path: path, User: "crash"})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		l := model.Lead{Company: fmt.Sprintf("崩溃测试 %d", i), Stage: "contacted"}
		err := s.Update(func(tx *Tx) error {
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			a := model.Activity{LeadID: l.ID, Kind: model.KindCall}
			if err := tx.AddActivity(&a, strings.Repeat("笔记 note ", 50)); err != nil {
				return err
			}
			_, err := tx.SetFollowUp(l.ID, model.DateOf(time.Now()).AddDays(1), "call")
			return err
		})
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Println(l.ID)
	}
}

// childHolder keeps the database open (as a long-running process that does
// not release the file would) until killed, or 30 s at most.
func childHolder(path string) {
	s, err := Open(Options{Path: path, KeepOpen: true})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	defer s.Close()
	fmt.Println("holding")
	time.Sleep(30 * time.Second)
}

// childMigrator opens a book of an older schema, which migrates it in the
// transaction that opens it, says "start" before and "opened" after.
func childMigrator(path string) {
	fmt.Println("start")
	s, err := Open(Options{Path: path, User: "crash"})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	s.Close()
	fmt.Println("opened")
}

func startChild(t *testing.T, role, path string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FIELDCRM_TEST_CHILD="+role, "FIELDCRM_TEST_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

// TestCrashLosesNothingCommitted kills a writing process with SIGKILL at
// random moments, many times over, and checks after each kill that every
// write the child reported as committed is in the file, with its index
// entries and card, that the touch index matches the cards, and that
// bbolt's consistency check finds nothing.
func TestCrashLosesNothingCommitted(t *testing.T) {
	cycles := 50
	if v, err := strconv.Atoi(os.Getenv("FIELDCRM_CRASH_CYCLES")); err == nil && v > 0 {
		cycles = v
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var committed []string
	for cycle := range cycles {
		cmd, lines := startChild(t, "writer", path)
		// Let it write for a random while, then kill it mid-stride.
		got := make(chan string, 10000)
		go func() {
			for lines.Scan() {
				got <- lines.Text()
			}
			close(got)
		}()
		time.Sleep(time.Duration(5+rng.IntN(80)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		for id := range got {
			if strings.HasPrefix(id, "ERR") {
				t.Fatalf("cycle %d: child failed: %s", cycle, id)
			}
			committed = append(committed, id)
		}
		s, err := Open(Options{Path: path})
		if err != nil {
			t.Fatalf("cycle %d: reopen after kill: %v", cycle, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("cycle %d: consistency check: %v", cycle, err)
		}
		err = s.View(func(tx *Tx) error {
			for _, id := range committed {
				if _, err := tx.Lead(id); err != nil {
					return fmt.Errorf("committed lead %s lost: %w", id, err)
				}
				c, err := tx.Card(id)
				if err != nil || c.NextDue.IsZero() || c.LastActivity.IsZero() {
					return fmt.Errorf("lead %s: card incomplete after crash: %+v %v", id, c, err)
				}
				if acts, err := tx.ActivitiesOf(id, 0); err != nil || len(acts) != 1 {
					return fmt.Errorf("lead %s: activities %d, %v", id, len(acts), err)
				}
			}
			return checkTouchIndex(tx)
		})
		if err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
	}
	if len(committed) == 0 {
		t.Fatal("the child never committed a write: the test proved nothing")
	}
	t.Logf("%d cycles, %d committed writes checked", cycles, len(committed))
}

// TestSecondProcessWritesWhileFirstIsWriting runs a writer process and
// writes from this process at the same time: both must succeed, because
// each holds the file only for a transaction.
func TestSecondProcessWritesWhileFirstIsWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	s, err := Open(Options{Path: path, User: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	cmd, lines := startChild(t, "writer", path)
	if !lines.Scan() { // the child has written at least once
		t.Fatal("child wrote nothing")
	}
	var mine []string
	for i := range 30 {
		l := model.Lead{Company: fmt.Sprintf("from the CLI %d", i)}
		if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
			t.Fatalf("write %d while another process writes: %v", i, err)
		}
		mine = append(mine, l.ID)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	err = s.View(func(tx *Tx) error {
		for _, id := range mine {
			if _, err := tx.Lead(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLockHeldByAnotherProcessNamesItsPid: a process that keeps the file
// open makes Open fail within about a second, naming that process.
func TestLockHeldByAnotherProcessNamesItsPid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	if _, err := Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	cmd, lines := startChild(t, "holder", path)
	if !lines.Scan() || lines.Text() != "holding" {
		t.Fatalf("holder did not start: %q", lines.Text())
	}
	start := time.Now()
	_, err := Open(Options{Path: path})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Open waited %v", d)
	}
	if want := fmt.Sprintf("pid %d", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name the holder (%s)", err, want)
	}
}

// TestCrashDuringMigrationLosesNothing kills, with SIGKILL at random
// moments, processes opening a book of schema 15, whose migrations (16:
// every merge state written anew with its key packed and the seqs of the
// creates waiting; 17: the lead and task indexes derived again) rewrite
// most of it in the transaction that opens it. After each kill the book
// opens, at schema 15 if the kill came before the commit, and then reads
// as before: the same ops waiting in the outbox, the same records and
// merge states, the same daily review.
func TestCrashDuringMigrationLosesNothing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "schema15.db")
	s, err := Open(Options{Path: src, User: "crash", Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		for i := range 2000 {
			l := model.Lead{Company: fmt.Sprintf("迁移 %d", i), Stage: "contacted"}
			if err := tx.AddLead(&l); err != nil {
				return err
			}
			for j := range 10 {
				a := model.Activity{LeadID: l.ID, Kind: model.KindCall, StartedAt: t0.Add(-time.Duration(i*10+j) * time.Minute)}
				if err := tx.AddActivity(&a, "笔记 note"); err != nil {
					return err
				}
			}
			if _, err := tx.SetFollowUp(l.ID, model.DateOf(t0).AddDays(i%20-10), "call"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Some creates written out in full by an edit, some answered.
	err = s.Update(func(tx *Tx) error {
		for _, id := range tx.LeadIDsInStage("contacted")[:50] {
			l, err := tx.Lead(id)
			if err != nil {
				return err
			}
			l.City = "兰州"
			if err := tx.UpdateLead(&l); err != nil {
				return err
			}
		}
		return tx.DropOutbox(1, 2, 3)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantOutbox := outboxJSON(t, s)
	wantStates, _ := mergeStates(t, s)
	wantToday := todayJSON(t, s)
	s.Close()
	asSchema15(t, src, nil)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}

	// How long the migrations take here, to spread the kills over.
	took := func() time.Duration {
		path := filepath.Join(dir, "timed.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s, err := Open(Options{Path: path, User: "crash"})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return time.Since(start)
	}()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	before, after := 0, 0 // kills that left schema 15, and the migrated book
	midCommit := 0        // of those before, the file grown by the commit
	deadline := time.Now().Add(60 * time.Second)
	for trial := 0; trial < 12 && time.Now().Before(deadline); trial++ {
		path := filepath.Join(dir, fmt.Sprintf("trial%d.db", trial))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd, lines := startChild(t, "migrator", path)
		if !lines.Scan() || lines.Text() != "start" {
			t.Fatalf("trial %d: the child did not start: %q", trial, lines.Text())
		}
		time.Sleep(time.Duration(rng.Int64N(int64(took)*3/2 + 1)))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatalf("trial %d: the book after the kill: %v", trial, err)
		}
		var schema int
		db.View(func(tx *bolt.Tx) error { schema = schemaVersion(tx); return nil })
		db.Close()
		switch schema {
		case 15:
			before++
			if fi, err := os.Stat(path); err == nil && fi.Size() > int64(len(data)) {
				midCommit++ // pages of the commit written, its meta page not
			}
		case SchemaVersion:
			after++
		default:
			t.Fatalf("trial %d: schema %d after the kill", trial, schema)
		}
		s, err := Open(Options{Path: path, User: "crash", Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatalf("trial %d: reopen after the kill: %v", trial, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("trial %d: consistency check: %v", trial, err)
		}
		if got := outboxJSON(t, s); !slices.Equal(got, wantOutbox) {
			t.Fatalf("trial %d (schema %d at the kill): the outbox holds %d ops, %d before", trial, schema, len(got), len(wantOutbox))
		}
		if got, _ := mergeStates(t, s); !reflect.DeepEqual(got, wantStates) {
			t.Fatalf("trial %d (schema %d at the kill): the records or their merge states changed", trial, schema)
		}
		if got := todayJSON(t, s); got != wantToday {
			t.Fatalf("trial %d (schema %d at the kill): the daily review changed", trial, schema)
		}
		s.Close()
	}
	t.Logf("migrations took %v; %d kills before their commit (%d with the file grown by it), %d after", took, before, midCommit, after)
	if before == 0 {
		t.Fatal("no kill came before the migrations committed: the test proved nothing")
	}
}

// todayJSON is the daily review as JSON.
func todayJSON(t *testing.T, s *Store) string {
	t.Helper()
	var out []byte
	err := s.View(func(tx *Tx) error {
		r, err := tx.Today()
		if err != nil {
			return err
		}
		out, err = json.Marshal(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
