package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Backups of a bbolt server are taken while it serves: one read
// transaction writes the whole file as of its start (bbolt's Tx.WriteTo),
// so the copy is consistent however many pushes commit meanwhile. A
// PostgreSQL server is backed up with pg_dump (docs/server.md).

// ErrPostgresBackup says backup and restore are pg_dump's work there.
var ErrPostgresBackup = errors.New("this server keeps its data in PostgreSQL: back it up with pg_dump and restore it with pg_restore (see docs/server.md), then run 'fieldcrm admin epoch bump'")

// Backup writes a consistent copy of the server's bbolt file: sized is
// called once with the copy's size, before any byte is written, and
// returns where to write it.
func (s *BoltStorage) Backup(sized func(size int64) io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(sized(tx.Size()))
		return err
	})
	return n, err
}

// Backup writes a consistent copy of the server's data (see
// BoltStorage.Backup) and records it in the audit log.
func (s *Service) Backup(ctx context.Context, sized func(size int64) io.Writer) (int64, error) {
	st, ok := s.Store.(*BoltStorage)
	if !ok {
		return 0, ErrPostgresBackup
	}
	n, err := st.Backup(sized)
	if err != nil {
		return n, fmt.Errorf("copy the server's data: %w", err)
	}
	return n, s.Store.Update(ctx, func(tx Tx) error {
		return s.audit(ctx, tx, "backup", "", fmt.Sprintf("%d bytes", n))
	})
}

// BackupInfo describes a server database file.
type BackupInfo struct {
	Epoch string `json:"epoch"`
	Head  uint64 `json:"head"` // the log's highest seq
	Users int    `json:"users"`
	Size  int64  `json:"size"`
}

// CheckServerFile opens path read-only and checks it is a fieldcrm server
// database this build can serve.
func CheckServerFile(path string) (BackupInfo, error) {
	var info BackupInfo
	fi, err := os.Stat(path)
	if err != nil {
		return info, err
	}
	info.Size = fi.Size()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return info, fmt.Errorf("%s is open in a running server; give a backup file, not the live database", path)
	}
	if err != nil {
		return info, fmt.Errorf("%s is not a fieldcrm server database (%v)", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bMeta, bUsers, bTokens, bLog, bOpIDs, bRecords} {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%s is not a fieldcrm server database (it has no %s bucket; a laptop's book is not a server backup)", path, name)
			}
		}
		meta := tx.Bucket(bMeta)
		info.Epoch = string(meta.Get(kEpoch))
		v := meta.Get(kSchema)
		if info.Epoch == "" || len(v) != 8 {
			return fmt.Errorf("%s is not a fieldcrm server database (it has no epoch or schema version)", path)
		}
		if have := binary.BigEndian.Uint64(v); have > boltSchema {
			return fmt.Errorf("%s was written by a newer fieldcrm (schema %d); update fieldcrm", path, have)
		}
		info.Head = tx.Bucket(bLog).Sequence()
		info.Users = tx.Bucket(bUsers).Stats().KeyN
		return nil
	})
	return info, err
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	BackupInfo
	OldEpoch string `json:"old_epoch"`      // the backup's epoch, replaced
	Kept     string `json:"kept,omitempty"` // where the replaced database went
}

// Restore replaces the server database in dir with a copy of the backup
// file, which it checks first, and refuses while a server runs on dir
// (it holds the database's lock). The restored data gets a new epoch:
// it is older than what clients have seen, so each of them pulls from
// scratch and pushes again what it wrote after the backup (DESIGN.md §5).
// The replaced database is kept beside it, never deleted.
func Restore(ctx context.Context, file, dir string) (RestoreResult, error) {
	var res RestoreResult
	info, err := CheckServerFile(file)
	if err != nil {
		return res, err
	}
	res.BackupInfo, res.OldEpoch = info, info.Epoch
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	live := BoltPath(dir)
	if _, err := os.Stat(live); err == nil {
		// Hold the live file's lock while it is swapped, so no server
		// starts on it meanwhile.
		old, err := bolt.Open(live, 0o600, &bolt.Options{Timeout: time.Second})
		if errors.Is(err, berrors.ErrTimeout) {
			return res, fmt.Errorf("a server is running on %s (it holds %s): stop it first, then restore; nothing was changed", dir, live)
		}
		if err != nil {
			return res, fmt.Errorf("open %s: %w", live, err)
		}
		defer old.Close()
		res.Kept = live + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	}
	tmp := live + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		return res, err
	}
	defer os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return res, fmt.Errorf("open the restored copy: %w", err)
	}
	epoch, err := newEpoch()
	if err == nil {
		res.Epoch = epoch
		svc := &Service{Store: &BoltStorage{db: db}}
		err = svc.Store.Update(ctx, func(tx Tx) error {
			if err := tx.SetEpoch(epoch); err != nil {
				return err
			}
			return svc.audit(ctx, tx, "restore", "", fmt.Sprintf("from %s (log head %d); epoch %s replaces %s", file, info.Head, epoch, info.Epoch))
		})
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("prepare the restored copy: %w", err)
	}
	if res.Kept != "" {
		if err := os.Rename(live, res.Kept); err != nil {
			return res, err
		}
	}
	if err := os.Rename(tmp, live); err != nil {
		return res, err
	}
	return res, syncDir(dir)
}

// BumpEpoch gives the server's history a new name, so that every client
// pulls from scratch and pushes again what the server lacks: for a
// database restored by other means (pg_restore).
func (s *Service) BumpEpoch(ctx context.Context) (string, error) {
	epoch, err := newEpoch()
	if err != nil {
		return "", err
	}
	err = s.Store.Update(ctx, func(tx Tx) error {
		old, err := tx.Epoch()
		if err != nil {
			return err
		}
		if err := tx.SetEpoch(epoch); err != nil {
			return err
		}
		return s.audit(ctx, tx, "epoch.bump", "", fmt.Sprintf("epoch %s replaces %s", epoch, old))
	})
	return epoch, err
}

func newEpoch() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// copyFile copies src to a new file dst (0600) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
