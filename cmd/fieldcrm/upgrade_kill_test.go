package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// asBookAtSchema12 turns a book of this build back into one as a build
// of schema 12 left it, with the activities' time index that migration
// 13 drops, grown to about 12 MB: the next open migrates it, and the
// migrations leave that much room for the compaction after them.
func asBookAtSchema12(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		old, err := tx.Bucket([]byte("idx")).CreateBucketIfNotExists([]byte("act_time"))
		if err != nil {
			return err
		}
		v := bytes.Repeat([]byte("t"), 4096)
		for i := range 3000 {
			if err := old.Put(binary.BigEndian.AppendUint64(nil, uint64(i)), v); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 12))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeCompactionSurvivesSIGKILL: the first command on a book from
// an older build migrates it and then compacts it (store.compactMigrated).
// A real fieldcrm process doing that is killed with SIGKILL at moments
// spread over both; each time the next command finishes the job, and the
// book passes doctor and holds what an upgrade that was not killed gives.
func TestUpgradeCompactionSurvivesSIGKILL(t *testing.T) {
	bin, home, orig := demoBookToKill(t)
	asBookAtSchema12(t, orig)
	// An upgrade that is not killed, timed, to spread the kills over it.
	whole := filepath.Join(home, "whole.db")
	copyBook(t, orig, whole)
	before := fileSize(t, whole)
	start := time.Now()
	if r := runBin(t, bin, home, "--db", whole, "today"); r.code != 0 {
		t.Fatalf("today on the old book: %s", r.stderr)
	}
	took := time.Since(start)
	if after := fileSize(t, whole); after > before-8<<20 {
		t.Fatalf("the upgraded book is %d bytes, %d before: not compacted", after, before)
	}
	records := doctorRecords(t, bin, home, whole)
	count, hash := bookDigest(t, bin, home, whole)
	// Ten kills from a quarter of an upgrade's run to past its end; then,
	// if none came while the copy was being written (the last tenth or so
	// of the run), up to ten more over the run's last quarter.
	const runs, more = 10, 10
	leftovers, i := 0, 0
	for ; i < runs || leftovers == 0 && i < runs+more; i++ {
		db := filepath.Join(home, fmt.Sprintf("run%d.db", i))
		copyBook(t, orig, db)
		wait := took * time.Duration(3+i) / (runs + 2)
		if i >= runs {
			wait = took * time.Duration(30+i-runs) / 40
		}
		runKilled(t, bin, home, wait, "--db", db, "today")
		if _, err := os.Stat(db + ".compacting"); err == nil {
			leftovers++
		}
		if r := runBin(t, bin, home, "--db", db, "today"); r.code != 0 {
			t.Fatalf("run %d (killed after %v): the next command: %s", i, wait, r.stderr)
		}
		if got := doctorRecords(t, bin, home, db); got != records {
			t.Fatalf("run %d (killed after %v): doctor finds %q, an upgrade not killed %q", i, wait, got, records)
		}
		if n, h := bookDigest(t, bin, home, db); n != count || h != hash {
			t.Fatalf("run %d (killed after %v): %d records (export %s), an upgrade not killed %d (%s)", i, wait, n, h, count, hash)
		}
		if _, err := os.Stat(db + ".compacting"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("run %d: the copy is still beside the book: %v", i, err)
		}
		if got := fileSize(t, db); got > fileSize(t, whole)+4<<20 {
			t.Errorf("run %d: the book is %d bytes after the next command, %d upgraded whole", i, got, fileSize(t, whole))
		}
	}
	t.Logf("an upgrade took %v; of %d kills, %d came while the copy was being written", took, i, leftovers)
	if leftovers == 0 {
		t.Error("no kill came while the copy was being written: the test did not test that")
	}
}
