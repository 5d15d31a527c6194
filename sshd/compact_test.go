package sshd_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestReplicaCompactedWhenLastSessionEnds: a replica with much free room
// (a book whose outbox of a few thousand changes was emptied, as a first
// pull or a big push leaves it) is compacted when its user's last
// session ends, by the laptop's rule, and the next session opens it with
// everything in it.
func TestReplicaCompactedWhenLastSessionEnds(t *testing.T) {
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	l := tm.laptop(t, "ann")
	l.addLead(t, "Laptop Lathes")
	l.sync(t)

	path := filepath.Join(tm.dir, "ssh", "replicas", "ann.db")
	st, err := store.Open(store.Options{Path: path, User: "ann", KeepOpen: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Generate(st, demo.Options{Leads: 400, SalesOnly: true, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var leads int
	for range 100 { // the outbox's changes dropped, as if pushed: the room they held is free
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
			t.Fatal(err)
		}
		if len(seqs) == 0 {
			break
		}
	}
	if err := st.View(func(tx *store.Tx) error {
		all, err := tx.Leads(store.LeadFilter{})
		leads = len(all)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	before := size(t, path)

	open := func() {
		t.Helper()
		c, err := tm.dial(tm.keys["ann"])
		if err != nil {
			t.Fatal(err)
		}
		s := openUI(t, c)
		s.waitFor(t, fmt.Sprintf("user ann · %d leads", leads+1), 20*time.Second) // the book's and the laptop's
		s.sess.Close()
		c.Close()
		tm.waitMetric(t, "fieldcrm_ssh_sessions", "0") // the replica is closed and compacted first
	}
	open()
	after := size(t, path)
	t.Logf("%d leads: %d bytes before the session, %d after it ended", leads, before, after)
	if after >= before*9/10 {
		t.Fatalf("the replica was %d bytes and is %d after its last session: not compacted", before, after)
	}
	// Usable: the next session has the laptop's lead and the book's.
	open()
	st, err = store.Open(store.Options{Path: path, User: "ann", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.View(func(tx *store.Tx) error {
		all, err := tx.Leads(store.LeadFilter{})
		n = len(all)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != leads+1 {
		t.Errorf("the compacted replica has %d leads, want %d", n, leads+1)
	}
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestLastSessionPushesWhatWaits: a change made just before the user's
// last session ends, which the sync loop waits 2 s to push, reaches the
// server as the replica closes, not at the user's next session.
func TestLastSessionPushesWhatWaits(t *testing.T) {
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	l := tm.laptop(t, "ann")
	id := l.addLead(t, "Moved Motors")
	l.sync(t)
	stage := func() string {
		var lead model.Lead
		if err := l.st.View(func(tx *store.Tx) (err error) { lead, err = tx.Lead(id); return }); err != nil {
			t.Fatal(err)
		}
		return lead.Stage
	}
	before := stage()
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	s := openUI(t, c)
	s.waitFor(t, "Moved Motors", 20*time.Second)
	moved := time.Now()
	if _, err := io.WriteString(s.in, "L"); err != nil { // one stage right
		t.Fatal(err)
	}
	s.waitFor(t, " waiting", 5*time.Second)
	s.sess.Close()
	c.Close()
	if since := time.Since(moved); since > 1500*time.Millisecond {
		t.Skipf("the session ended %s after the move: the loop may have pushed it already", since)
	}
	tm.waitMetric(t, "fieldcrm_ssh_sessions", "0")
	l.sync(t)
	if after := stage(); after == before {
		t.Errorf("the lead is still in %s on the laptop: the move made over SSH was not pushed as the session ended", after)
	}
}
