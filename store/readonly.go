package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// isReadOnly reports whether the book at path exists and is not to be
// written: its mode has no owner write bit (a user's chmod 0400 counts
// even for root), or the file or its folder cannot be written. Such a
// book is opened read-only, so it can still be read.
func isReadOnly(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		return false
	}
	if fi.Mode().Perm()&0o200 == 0 {
		return true
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS)
	}
	f.Close()
	// bbolt needs no new file beside the book, but the lock does.
	if _, err := os.Stat(lockPath(path)); err != nil {
		probe, err := os.CreateTemp(filepath.Dir(path), ".fieldcrm-probe-*")
		if err != nil {
			return errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS)
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return false
}

// readLock opens the sidecar lock for a read-only book, if there is one
// to open; nil otherwise.
func readLock(path string) *os.File {
	f, err := os.Open(lockPath(path))
	if err != nil {
		return nil
	}
	return f
}
