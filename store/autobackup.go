package store

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BackupDir is the folder beside a book that holds its automatic backups.
func BackupDir(path string) string { return filepath.Join(filepath.Dir(path), "backups") }

// backupPrefix starts the name of every automatic backup of the book at path.
func backupPrefix(path string) string { return filepath.Base(path) + "." }

// Backups lists the automatic backups of the book at path, oldest first.
func Backups(path string) []string {
	entries, err := os.ReadDir(BackupDir(path))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && strings.HasPrefix(name, backupPrefix(path)) && strings.HasSuffix(name, ".bak") {
			out = append(out, filepath.Join(BackupDir(path), name))
		}
	}
	sort.Strings(out) // names carry the date, so this is oldest first
	return out
}

// LatestBackup returns the newest automatic backup of the book at path, ""
// for none.
func LatestBackup(path string) string {
	if b := Backups(path); len(b) > 0 {
		return b[len(b)-1]
	}
	return ""
}

// keepBackups is how many automatic backups are kept.
const keepBackups = 7

// autoBackup writes the day's automatic backup of the book, a consistent
// copy, if there is none yet, and prunes the oldest beyond keepBackups. It
// runs after a write, on the handle the write used, so it costs one copy
// of the file once a day and nothing to a command that only reads. A
// failed backup does not fail the write.
func (s *Store) autoBackup(db *bolt.DB) {
	if !s.opts.AutoBackup {
		return
	}
	dir := BackupDir(s.opts.Path)
	name := filepath.Join(dir, backupPrefix(s.opts.Path)+s.opts.Now().Format("2006-01-02")+".bak")
	if _, err := os.Stat(name); err == nil {
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	// Only the live pages (compact.go): a book a first sync left twice
	// its data's size is backed up at its data's size.
	if writeCompact(db, tmp.Name(), time.Time{}, s.copyProgress(CopyBackup)) != nil || os.Rename(tmp.Name(), name) != nil {
		return
	}
	if b := Backups(s.opts.Path); len(b) > keepBackups {
		for _, old := range b[:len(b)-keepBackups] {
			os.Remove(old)
		}
	}
}
