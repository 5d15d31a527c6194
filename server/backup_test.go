package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// liveServer runs server.Serve until stop is called.
type liveServer struct {
	stop func()
}

func startServe(t *testing.T, cfg server.Config) *liveServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg.NoSync = true
	cfg.Ready = func(u string) { ready <- u }
	go func() { done <- server.Serve(ctx, cfg) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("the server did not start")
	}
	s := &liveServer{}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("the server did not stop")
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// bookOn is a book and a client of the server at url.
func bookOn(t *testing.T, dir, url, name, token string) *device {
	t.Helper()
	rules := model.DefaultRules()
	rules.Location = time.UTC
	st, err := store.Open(store.Options{Path: filepath.Join(dir, name+".db"), User: name, Rules: &rules, KeepOpen: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := remote.NewClient(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return &device{t: t, name: name, st: st, c: c}
}

func adminOf(t *testing.T, dir string) server.Admin {
	t.Helper()
	adm, closeFn, err := server.OpenAdmin(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeFn() })
	return adm
}

func notesOf(t *testing.T, d *device) []string {
	t.Helper()
	var out []string
	err := d.st.View(func(tx *store.Tx) error {
		acts, err := tx.Activities(store.ActivityFilter{})
		for _, a := range acts {
			out = append(out, a.Notes())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBackupWhileServingAndRestoreResends: a backup taken over the admin
// socket while a laptop pushes is a whole server database; restore
// refuses while the server runs; once restored (a new epoch), the rep's
// notes, lead and stage move made after the backup, which the restored
// data lacks, reach the server at the rep's next sync, and a manager's
// laptop gets them from the server.
func TestBackupWhileServingAndRestoreResends(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	url := "http://" + addr
	srv := startServe(t, server.Config{Dir: data, Addr: addr})
	ctx := context.Background()
	adm := adminOf(t, data)
	annTok, err := adm.AddUser(ctx, "ann", "rep")
	if err != nil {
		t.Fatal(err)
	}
	bossTok, err := adm.AddUser(ctx, "boss", "manager")
	if err != nil {
		t.Fatal(err)
	}
	ann := bookOn(t, dir, url, "ann", annTok)
	lead := ann.addLead("Acme")
	ann.addVisit(lead.ID, "before the backup")
	ann.sync()

	// Back up while ann keeps pushing.
	stopPush := make(chan struct{})
	pushed := make(chan error, 1)
	go func() {
		var err error
		for i := 0; err == nil && i < 200; i++ {
			select {
			case <-stopPush:
				pushed <- nil
				return
			default:
			}
			a := model.Activity{LeadID: lead.ID, Kind: model.KindCall}
			if err = ann.st.Update(func(tx *store.Tx) error { return tx.AddActivity(&a, fmt.Sprintf("call %d during the backup", i)) }); err == nil {
				_, err = remote.Sync(ctx, ann.st, ann.c)
			}
		}
		pushed <- err
	}()
	backup := filepath.Join(dir, "backup.db")
	var buf bytes.Buffer
	if _, err := adm.Backup(ctx, func(int64) io.Writer { return &buf }); err != nil {
		t.Fatal(err)
	}
	close(stopPush)
	if err := <-pushed; err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backup, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := server.CheckServerFile(backup)
	if err != nil || info.Users != 2 || info.Head == 0 {
		t.Fatalf("the backup: %+v %v", info, err)
	}
	ann.sync() // whatever the backup missed of the calls is now on the server

	// After the backup: a new note, a new lead with a visit, a stage move.
	ann.addVisit(lead.ID, "after the backup")
	lead2 := ann.addLead("Beta")
	ann.addVisit(lead2.ID, "the second lead's first visit")
	ann.update(func(tx *store.Tx) error { _, err := tx.MoveLead(lead.ID, store.Move{Stage: "qualified"}); return err })
	ann.sync()

	if _, err := server.Restore(ctx, backup, data); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("restore over a running server: %v", err)
	}
	srv.stop()
	res, err := server.Restore(ctx, backup, data)
	if err != nil {
		t.Fatal(err)
	}
	if res.Epoch == res.OldEpoch || res.Kept == "" {
		t.Fatalf("restore: %+v", res)
	}
	if _, err := os.Stat(res.Kept); err != nil {
		t.Fatalf("the replaced database was not kept: %v", err)
	}
	startServe(t, server.Config{Dir: data, Addr: addr})

	ann.sync() // sees the new epoch: pulls from scratch and resends
	if r := ann.rejected(); len(r) != 0 {
		t.Fatalf("the resend was refused: %+v", r)
	}
	boss := bookOn(t, dir, url, "boss", bossTok)
	boss.sync()
	want := notesOf(t, ann)
	got := notesOf(t, boss)
	slices.Sort(want)
	slices.Sort(got)
	if strings.Join(got, "|") != strings.Join(want, "|") || !strings.Contains(strings.Join(got, "|"), "after the backup") {
		t.Fatalf("notes on the restored server:\n got  %q\n want %q", got, want)
	}
	if !boss.has(model.TypeLead, lead2.ID) || boss.lead(lead.ID).Stage != "qualified" {
		t.Fatalf("the lead made after the backup or the stage move is missing: %v %q", boss.has(model.TypeLead, lead2.ID), boss.lead(lead.ID).Stage)
	}
	log, err := adminOf(t, data).Audit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	// The backup's own entry came after the copy: the restored log ends
	// with the restore.
	if strings.Join(actions, " ") != "user.add user.add restore" {
		t.Fatalf("audit log after the restore: %q", actions)
	}
}

// TestRestoreChecksTheFile: a laptop's book, a random file and a missing
// file are refused with a sentence, and the live data is left alone.
func TestRestoreChecksTheFile(t *testing.T) {
	dir := t.TempDir()
	d := bookOn(t, dir, "http://127.0.0.1:1", "ann", "fcrm_x")
	d.addLead("Acme")
	d.st.Close()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("x"), 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	st, err := server.OpenBolt(data, true)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	before, _ := os.ReadFile(server.BoltPath(data))
	for _, f := range []string{filepath.Join(dir, "ann.db"), junk, filepath.Join(dir, "missing.db")} {
		_, err := server.Restore(context.Background(), f, data)
		if err == nil {
			t.Fatalf("restored %s", f)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("not one sentence: %q", err)
		}
	}
	after, _ := os.ReadFile(server.BoltPath(data))
	if !bytes.Equal(before, after) {
		t.Fatal("a refused restore changed the data")
	}
	entries, _ := os.ReadDir(data)
	if len(entries) != 1 {
		t.Fatalf("a refused restore left files: %v", entries)
	}
}
