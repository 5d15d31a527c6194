package store

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
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
