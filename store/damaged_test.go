package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// TestTruncatedBookIsRefused: a book cut short is refused before it is
// mapped, with a sentence naming the file, instead of SIGBUS on the first
// read past its end.
func TestTruncatedBookIsRefused(t *testing.T) {
	s := openTemp(t, nil)
	for i := 0; i < 50; i++ {
		addLead(t, s, "Acme "+strings.Repeat("x", i), "")
	}
	path := s.Path()
	s.Close()
	if err := os.Truncate(path, 3*pageSize); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(Options{Path: path, CheckOnFirstUse: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s2.View(func(tx *Tx) error { _, err := tx.Cards(); return err })
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("err = %v", err)
	}
}

// TestFaultOnMappingIsRecovered: a file cut short under an open book
// (another program truncating it) faults on the mapping; the fault becomes
// an error, not a dead process.
func TestFaultOnMappingIsRecovered(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "book.db")
	s, err := Open(Options{Path: path, KeepOpen: true, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 200; i++ {
		addLead(t, s, "Company "+strings.Repeat("y", 150)+string(rune('a'+i%26)), "")
	}
	if err := os.Truncate(path, 2*pageSize); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error { _, err := tx.Leads(LeadFilter{}); return err })
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("err = %v", err)
	}
}

// TestCorruptRecordRefusesWrites: a record that does not decode makes the
// book damaged, and from then on no write goes into it, in this process or
// the next.
func TestCorruptRecordRefusesWrites(t *testing.T) {
	s := openTemp(t, nil)
	l := addLead(t, s, "Acme", "")
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLeads).Put([]byte(l.ID), []byte("{\x1b]0;pwned\x07"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s2, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = viewLead(s2, l.ID)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("read err = %v", err)
	}
	if strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Fatalf("raw bytes in %q", err)
	}
	s3, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	err = s3.Update(func(tx *Tx) error { return tx.AddLead(&model.Lead{Company: "Other"}) })
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("write into a damaged book: %v", err)
	}
}

func viewLead(s *Store, id string) (model.Lead, error) {
	var l model.Lead
	err := s.View(func(tx *Tx) error {
		var err error
		l, err = tx.Lead(id)
		return err
	})
	return l, err
}

// TestAutoBackupOncePerDayKeepsSeven: the first write of a day leaves a
// consistent copy in backups/ (0700, files 0600), one a day, the newest
// seven kept; each is a book that opens.
func TestAutoBackupOncePerDayKeepsSeven(t *testing.T) {
	now, advance := clockAt(t0)
	path := filepath.Join(t.TempDir(), "book.db")
	s, err := Open(Options{Path: path, User: "ann", Now: now, AutoBackup: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for day := 0; day < 10; day++ {
		addLead(t, s, "Acme", "")
		addLead(t, s, "Beta", "")
		if got := len(Backups(path)); got != min(day+1, 7) {
			t.Fatalf("day %d: %d backups", day, got)
		}
		advance(24 * time.Hour)
	}
	fi, err := os.Stat(BackupDir(path))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("backups folder: %v %v", fi.Mode(), err)
	}
	latest := LatestBackup(path)
	if fi, err := os.Stat(latest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v", err)
	}
	if !strings.Contains(latest, t0.AddDate(0, 0, 9).Format("2006-01-02")) {
		t.Fatalf("latest = %s", latest)
	}
	b, err := Open(Options{Path: latest, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var n int
	if err := b.View(func(tx *Tx) error { c, err := tx.Cards(); n = len(c); return err }); err != nil || n != 19 {
		t.Fatalf("backup holds %d leads: %v", n, err)
	}
}

// TestABookFoundDamagedIsNotMigrated: bringing a book to this schema is a
// write, so a book found damaged whose schema number reads as older (a
// damaged byte there) is refused as damaged and left as it is.
func TestABookFoundDamagedIsNotMigrated(t *testing.T) {
	s := openTemp(t, nil)
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, u64(12)) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	markDamaged(path)
	defer damagedMarks.Delete(path)
	s, err = Open(Options{Path: path})
	if err == nil {
		err = s.View(func(*Tx) error { return nil })
		s.Close()
	}
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("opening a book found damaged at an older schema: %v", err)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != 12 {
			t.Errorf("schema %d after the refusal, want 12 as it was", v)
		}
		return nil
	})
}
