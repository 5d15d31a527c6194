package sshd_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
	"github.com/fieldcrm/fieldcrm/store"
)

// benchLeads is the size of the book the benchmarks open over SSH.
const benchLeads = 10_000

// bigReplica writes a demo book of benchLeads leads as user's replica
// in the front's folder, with nothing waiting to push (its ops dropped):
// the server holds none of it, so a session's opening sync moves nothing,
// and what is measured is the session and the UI over a big book, as
// for a user whose replica is on the server from earlier sessions.
func bigReplica(b *testing.B, dir, user string) string {
	b.Helper()
	path := filepath.Join(dir, "ssh", "replicas", user+".db")
	st, err := store.Open(store.Options{Path: path, User: user, KeepOpen: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := demo.Generate(st, demo.Options{Leads: benchLeads, SalesOnly: true, Now: time.Now()}); err != nil {
		b.Fatal(err)
	}
	for {
		var seqs []uint64
		err := st.Update(func(tx *store.Tx) error {
			entries, err := tx.Outbox(5000)
			for _, e := range entries {
				seqs = append(seqs, e.Seq)
			}
			if err != nil || len(seqs) == 0 {
				return err
			}
			return tx.DropOutbox(seqs...)
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(seqs) == 0 {
			return path
		}
	}
}

// loaded is the status line once the board has read the book.
var loaded = regexp.MustCompile(`user ann · [1-9][0-9,]* leads`)

// waitLoaded waits for the first frame that shows the board's leads.
func (s *screen) waitLoaded(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !loaded.MatchString(s.text()) {
		if time.Now().After(deadline) {
			b.Fatalf("no board within 60 s:\n%s", tail(s.text(), 2000))
		}
		time.Sleep(time.Millisecond)
	}
}

// waitNoSessions waits until the front has closed every session, so the
// next one opens the replica afresh.
func (tm *team) waitNoSessions(b *testing.B) {
	b.Helper()
	for deadline := time.Now().Add(20 * time.Second); tm.metric(b, "fieldcrm_ssh_sessions") != "0"; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("sessions still open after 20 s")
		}
	}
}

// BenchmarkFirstFrame: from an authenticated connection to the first
// frame showing the board of a 10,000-lead book, over SSH on loopback:
// "fresh" opens and syncs the user's replica for the session, "shared"
// joins a replica another session of the user holds open. "memory"
// reports the heap each further session holds once its board is on
// screen. "today_process" is the reference: a whole `fieldcrm today`
// process on a copy of the same book.
func BenchmarkFirstFrame(b *testing.B) {
	tm := startTeam(b, sshd.Config{MaxPerUser: 20}, map[string]string{"ann": server.RoleRep})
	book := bigReplica(b, tm.dir, "ann")
	session := func(b *testing.B) (*screen, func()) {
		c, err := tm.dial(tm.keys["ann"])
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		s := openUI(b, c)
		s.waitLoaded(b)
		b.StopTimer()
		return s, func() { s.sess.Close(); c.Close() }
	}
	b.Run("fresh", func(b *testing.B) {
		b.StopTimer()
		for range b.N {
			_, end := session(b)
			end()
			tm.waitNoSessions(b)
		}
	})
	b.Run("shared", func(b *testing.B) {
		b.StopTimer()
		_, endFirst := session(b)
		defer endFirst()
		b.ResetTimer()
		b.StopTimer()
		for range b.N {
			_, end := session(b)
			end()
		}
	})
	b.Run("memory", func(b *testing.B) {
		b.StopTimer()
		const n = 5
		for range b.N {
			_, endFirst := session(b)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var ends []func()
			for range n {
				_, end := session(b)
				ends = append(ends, end)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-B/session")
			for _, end := range ends {
				end()
			}
			endFirst()
			tm.waitNoSessions(b)
		}
	})
	b.Run("today_process", func(b *testing.B) {
		bin := fieldcrmBinary(b)
		copyPath := filepath.Join(b.TempDir(), "book.db")
		data, err := os.ReadFile(book)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(copyPath, data, 0o600); err != nil {
			b.Fatal(err)
		}
		home := b.TempDir()
		b.ResetTimer()
		for range b.N {
			cmd := exec.Command(bin, "--db", copyPath, "--config", filepath.Join(home, "none.toml"), "today")
			cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("fieldcrm today: %v\n%s", err, out)
			}
		}
	})
}

// fieldcrmBinary is $FIELDCRM_TEST_BIN, or fieldcrm built for the run.
func fieldcrmBinary(b *testing.B) string {
	b.Helper()
	if bin := os.Getenv("FIELDCRM_TEST_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(b.TempDir(), "fieldcrm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/fieldcrm/fieldcrm/cmd/fieldcrm").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkEnvFlood: the heap one connection holds, after a GC, once its
// client has sent 10,000 variables of 1 KiB (10 MiB) on a session, and
// the time to send them; "vars=0" is the reference, a session that sent
// none. The client is in the benchmark's process: both ends count.
func BenchmarkEnvFlood(b *testing.B) {
	tm := startTeam(b, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	value := strings.Repeat("x", 1024)
	for _, n := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("vars=%d", n), func(b *testing.B) {
			var held int64
			for range b.N {
				b.StopTimer()
				before := heap()
				c, err := tm.dial(tm.keys["ann"])
				if err != nil {
					b.Fatal(err)
				}
				sess, err := c.NewSession()
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i := range n {
					_ = sess.Setenv(fmt.Sprintf("V%d", i), value) // refused
				}
				b.StopTimer()
				held += heap() - before
				sess.Close()
				c.Close()
			}
			b.ReportMetric(float64(held)/float64(b.N), "heap-B/conn")
		})
	}
}

// BenchmarkReplicaCompaction: what the end of a user's last session adds
// on a 10,000-lead replica with room to give back (its outbox emptied):
// the laptop's rule, store.CompactIfDue, as the front runs it, and the
// user's next session waits for. "copy" is the reference: copying the
// same file.
func BenchmarkReplicaCompaction(b *testing.B) {
	dir := b.TempDir()
	book := bigReplica(b, dir, "ann")
	data, err := os.ReadFile(book)
	if err != nil {
		b.Fatal(err)
	}
	fresh := func(b *testing.B) string {
		b.Helper()
		path := filepath.Join(b.TempDir(), "ann.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		return path
	}
	b.Run("compact", func(b *testing.B) {
		var before, after int64
		for range b.N {
			b.StopTimer()
			path := fresh(b)
			b.StartTimer()
			st, err := store.Open(store.Options{Path: path, User: "ann"})
			if err != nil {
				b.Fatal(err)
			}
			c, did, err := st.CompactIfDue()
			if err != nil || !did {
				b.Fatalf("compaction: %v, done %v", err, did)
			}
			before, after = c.Before, c.After
		}
		b.ReportMetric(float64(before), "file-B-before")
		b.ReportMetric(float64(after), "file-B-after")
	})
	b.Run("copy", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			path := fresh(b)
			b.StartTimer()
			src, err := os.ReadFile(path)
			if err == nil {
				err = os.WriteFile(path+".copy", src, 0o600)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
