package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// TestPGSeqOrderAcrossServerProcesses: many clients push at once through
// three `fieldcrm serve` processes over one PostgreSQL database, while
// pullers following the cursor through each server in turn must see every
// applied op exactly once, in rising seq order. A seq from a sequence
// (not the locked counter row) fails this: a later seq commits first and
// the puller's cursor passes the earlier one.
func TestPGSeqOrderAcrossServerProcesses(t *testing.T) {
	bin := fieldcrmBin(t)
	db := freshDatabase(t)
	dir := t.TempDir()
	var urls []string
	for range 3 {
		urls = append(urls, "http://"+startServer(t, bin, dir, db).addr)
	}
	st := openPG(t, db)
	adm := &server.Service{Store: st}
	addUser := func(name, role string) string {
		tok, err := adm.AddUser(context.Background(), name, role)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	const pushers, pushes = 12, 20
	var tokens []string
	for i := range pushers {
		tokens = append(tokens, addUser(fmt.Sprintf("rep%d", i), "rep"))
	}
	var mgrs []string // one manager per puller: the rate limit is per token
	for p := range 3 {
		mgrs = append(mgrs, addUser(fmt.Sprintf("max%d", p), "manager"))
	}
	st.Close()
	var mu sync.Mutex
	applied := map[string]uint64{}
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			clients := make([]*remote.Client, len(urls))
			for j, u := range urls {
				clients[j], _ = remote.NewClient(u, tok)
			}
			for n := range pushes {
				var ops []model.Op
				for k := range 1 + rng.IntN(3) {
					ops = append(ops, forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate,
						map[string]any{"company": fmt.Sprintf("P%d-%d-%d", i, n, k), "owner": fmt.Sprintf("rep%d", i)}))
				}
				resp, err := clients[rng.IntN(len(clients))].Push(context.Background(), ops)
				if err != nil {
					t.Errorf("push: %v", err)
					return
				}
				mu.Lock()
				for _, r := range resp.Results {
					if r.Status != wire.StatusApplied {
						t.Errorf("push: %+v", r)
					}
					applied[r.OpID] = r.Seq
				}
				mu.Unlock()
			}
		})
	}
	pushing := make(chan struct{})
	start := time.Now()
	go func() { wg.Wait(); t.Logf("pushes done in %v", time.Since(start)); close(pushing) }()
	var pw sync.WaitGroup
	for p := range 3 {
		pw.Go(func() {
			clients := make([]*remote.Client, len(urls))
			for j, u := range urls {
				clients[j], _ = remote.NewClient(u, mgrs[p])
			}
			seen := map[string]int{}
			var cursor, lastSeq uint64
			done := false
			deadline := time.Now().Add(60 * time.Second)
			for n := 0; time.Now().Before(deadline); n++ {
				select {
				case <-pushing:
					done = true
				default:
				}
				resp, err := clients[(n+p)%len(clients)].Pull(context.Background(), cursor, 1+p*5)
				if err != nil {
					t.Errorf("pull: %v", err)
					return
				}
				if !takeInOrder(t, p, resp.Changes, &lastSeq, seen) {
					return
				}
				cursor = resp.Cursor
				if done && !resp.More {
					break
				}
				if len(resp.Changes) == 0 {
					time.Sleep(5 * time.Millisecond) // stay under the rate limit
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(applied) < pushers*pushes {
				t.Errorf("%d ops applied, want at least %d", len(applied), pushers*pushes)
			}
			for id := range applied {
				if seen[id] != 1 {
					t.Errorf("puller %d saw op %s %d times", p, id, seen[id])
					return
				}
			}
			if len(seen) != len(applied) {
				t.Errorf("puller %d saw %d ops, %d were applied", p, len(seen), len(applied))
			}
		})
	}
	pw.Wait()
	<-pushing
	t.Logf("pulls done in %v", time.Since(start))
	// Seqs are dense: the log has no gap a cursor could fall into.
	if n, max := pgQuery[int64](t, db, `SELECT count(*) FROM log`), pgQuery[int64](t, db, `SELECT coalesce(max(seq), 0) FROM log`); n != max {
		logs, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
		t.Fatalf("log holds %d entries up to seq %d; server log:\n%s", n, max, lastLines(string(logs), 30))
	}
}

// TestAdminMigrateMovesEveryOp: a team syncs with a bbolt server; the
// server is stopped and `fieldcrm admin migrate` moves its data into
// PostgreSQL; two servers start on it, and the same laptops, with the
// same tokens and cursors, carry on. Nothing applied before is lost, the
// log is the same entry for entry, and everyone converges.
func TestAdminMigrateMovesEveryOp(t *testing.T) {
	w := newProcWorld(t, 5, boltBackend)
	ann, bob, max := w.device("ann", "rep"), w.device("bob", "rep"), w.device("max", "manager")
	w.addUser("gone", server.RoleRep)
	w.admin("token", "revoke", "gone")
	for i := range 5 {
		for _, d := range []*device{ann, bob, max} {
			l := d.addLead(fmt.Sprintf("%s Co %d", d.name, i))
			d.addVisit(l.ID, "拜访 notes "+fmt.Sprint(i))
		}
	}
	for _, d := range []*device{ann, bob, max} {
		d.sync()
	}
	max.sync()
	l := max.localLeads()[0]
	lead := max.lead(l)
	lead.Owner = "bob"
	max.update(func(tx *store.Tx) error { return tx.UpdateLead(&lead) })
	for _, d := range []*device{max, ann, bob} {
		d.sync()
	}
	// Stop the bbolt server, keep a copy of its log, and migrate.
	w.srvs[0].stop(t)
	data := filepath.Join(w.dir, "data")
	before := logEntries(t, func() (server.Storage, error) { return server.OpenBolt(data, true) })
	db := freshDatabase(t)
	// A folder without server data is refused, and left as it was.
	none := filepath.Join(w.dir, "no-such-server")
	if out, err := exec.Command(w.bin, "admin", "migrate", "--from", none, "--to", db).CombinedOutput(); err == nil || !strings.Contains(string(out), "holds no fieldcrm server data") {
		t.Fatalf("migrate from a folder without data: %v\n%s", err, out)
	}
	if _, err := os.Stat(none); err == nil {
		t.Fatal("migrate created the missing source folder")
	}
	out, err := exec.Command(w.bin, "admin", "migrate", "--from", data, "--to", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "moved 4 users") {
		t.Fatalf("admin migrate: %v\n%s", err, out)
	}
	after := logEntries(t, func() (server.Storage, error) { return server.OpenPostgres(context.Background(), db) })
	if len(before) == 0 || len(before) != len(after) {
		t.Fatalf("the log had %d entries, PostgreSQL has %d", len(before), len(after))
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("log entry %d differs after the move:\nbbolt    %s\nPostgres %s", i, before[i], after[i])
		}
	}
	// A second migrate into the same database is refused.
	if out, err := exec.Command(w.bin, "admin", "migrate", "--from", data, "--to", db).CombinedOutput(); err == nil || !strings.Contains(string(out), "already holds") {
		t.Fatalf("a second migrate into a full database: %v\n%s", err, out)
	}
	// Two servers on PostgreSQL; the laptops carry on.
	w.db = db
	w.srvs = []*serverProc{startServer(t, w.bin, w.dir, db), startServer(t, w.bin, w.dir, db)}
	w.setUpstreams()
	if out := w.admin("user", "list"); !strings.Contains(out, "gone") {
		t.Fatalf("user list after the move: %s", out)
	}
	for _, d := range []*device{ann, bob, max} {
		l := d.addLead(d.name + " after the move")
		d.addVisit(l.ID, "after")
		if rep := d.sync(); rep.Pushed != 2 || rep.Rejected != 0 {
			t.Fatalf("%s's first sync after the move: %+v", d.name, rep)
		}
	}
	w.finish()
}

// logEntries reads a storage's whole log as comparable strings.
func logEntries(t *testing.T, open func() (server.Storage, error)) []string {
	t.Helper()
	st, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	err = st.View(context.Background(), func(tx server.Tx) error {
		epoch, err := tx.Epoch()
		if err != nil {
			return err
		}
		head, err := tx.Head()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("epoch %s head %d", epoch, head))
		return tx.Scan(0, func(e server.LogEntry) (bool, error) {
			out = append(out, fmt.Sprintf("%d %s %s %s %s", e.Seq, e.Kind, e.Lead, e.User, e.Raw))
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// localLeads lists the ids of the leads a device holds.
func (d *device) localLeads() []string { return d.localIDs(model.TypeLead, true) }

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
