package store

import (
	"bytes"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// bookWithRoom leaves in the book of s an index of about 6 MB that no
// build uses any more, the activities' time index of schema 12, and sets
// its schema to schema: migration 13 drops that index, so a book at
// schema 12 gets the room from its migrations, in the handle that runs
// them, as a book from before issue 15 does.
func bookWithRoom(t *testing.T, s *Store, schema int) {
	t.Helper()
	err := s.withDB(func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			old, err := tx.Bucket(bucketIdx).CreateBucketIfNotExists(idxActTime)
			if err != nil {
				return err
			}
			v := bytes.Repeat([]byte("x"), 4096)
			for i := range 1500 {
				if err := old.Put(u64(uint64(i)), v); err != nil {
					return err
				}
			}
			return tx.Bucket(bucketMeta).Put(keySchema, u64(uint64(schema)))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestMigratedBookIsCompacted: a book that migrations bring to this
// build's schema is compacted right after them when they leave room to
// give back, though its outbox is not empty; its records and index come
// through, the compaction does not count as the day's, the book no
// longer says it is to be compacted, and a book at this schema with the
// same room and a full outbox is not compacted by opening it. (A process
// killed before the compaction: TestUpgradeCompactionSurvivesSIGKILL in
// cmd/fieldcrm.)
func TestMigratedBookIsCompacted(t *testing.T) {
	now, _ := clockAt(t0)
	for _, c := range []struct {
		name    string
		schema  int
		compact bool
	}{{"migrated", 12, true}, {"current", SchemaVersion, false}} {
		t.Run(c.name, func(t *testing.T) {
			s := openTemp(t, now)
			l := addLead(t, s, "华北能源有限公司", "qualified")
			bookWithRoom(t, s, c.schema)
			if c.schema == SchemaVersion {
				// The same room, freed by a write of this build.
				err := s.withDB(func(db *bolt.DB) error {
					return db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketIdx).DeleteBucket(idxActTime) })
				})
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
			before := fileSize(t, s.Path())
			var copies []CopyKind
			s, err := Open(Options{Path: s.Path(), User: "ann", Now: now,
				CopyProgress: func(k CopyKind, _, _ int64) { copies = append(copies, k) }})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.View(func(tx *Tx) error {
				if tx.OutboxLen() == 0 {
					t.Error("the outbox is empty: the test means a book with changes waiting")
				}
				if !tx.LastCompacted().IsZero() {
					t.Error("the compaction after the migrations counts as the day's")
				}
				if _, err := tx.Lead(l.ID); err != nil {
					return err
				}
				ids, err := tx.SearchLeadIDs("能源", 0)
				if err == nil && !slices.Equal(ids, []string{l.ID}) {
					t.Errorf("search after opening: %v", ids)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			after := fileSize(t, s.Path())
			compacted := after < before-4<<20
			if compacted != c.compact {
				t.Errorf("file %d bytes before opening, %d after: compacted %v, want %v", before, after, compacted, c.compact)
			}
			if c.compact && !slices.Contains(copies, CopyCompaction) {
				t.Errorf("no progress shown for the compaction: %v", copies)
			}
			err = s.withDB(func(db *bolt.DB) error {
				return db.View(func(tx *bolt.Tx) error {
					if tx.Bucket(bucketMeta).Get(keyCompactMigrated) != nil {
						t.Error("the book still says it is to be compacted after its migrations")
					}
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			// Once: the next transaction leaves the book as it is.
			if err := s.Update(func(tx *Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if again := fileSize(t, s.Path()); again != after {
				t.Errorf("the next transaction changed the file from %d to %d bytes", after, again)
			}
			s.Close()
			if r, err := Doctor(s.Path()); err != nil || !r.OK() {
				t.Errorf("doctor: %v, %+v", err, r)
			}
		})
	}
}

// TestFreePagesCountsPagesJustFreed: pages a write has just freed count at
// once, in the same handle, before another write releases them: the
// migrations' own, which compactMigrated weighs in the handle that ran
// them.
func TestFreePagesCountsPagesJustFreed(t *testing.T) {
	s := openTemp(t, nil)
	err := s.withDB(func(db *bolt.DB) error {
		if err := db.Update(func(tx *bolt.Tx) error {
			junk, err := tx.CreateBucket([]byte("junk"))
			if err != nil {
				return err
			}
			for i := range 1500 {
				if err := junk.Put(u64(uint64(i)), bytes.Repeat([]byte("x"), 4096)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("junk")) }); err != nil {
			return err
		}
		if free := freePages(db); free < 6_000_000 {
			t.Errorf("%d bytes free right after 6 MB were freed (%+v)", free, db.Stats())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
