//go:build unix

package store

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	berrors "go.etcd.io/bbolt/errors"
)

// lockSidecar takes the sidecar lock, waiting at most timeout.
func lockSidecar(path string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(lockPath(path), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", lockPath(path), err)
	}
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		return f, nil
	}
	got := make(chan error, 1)
	go func() { got <- syscall.Flock(fd, syscall.LOCK_EX) }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", lockPath(path), err)
		}
		return f, nil
	case <-timer.C:
		// The flock call cannot be cancelled: when it succeeds after all,
		// let go at once.
		go func() {
			<-got
			f.Close()
		}()
		return nil, berrors.ErrTimeout
	}
}

// lockHolder finds the pid holding a lock on path in /proc/locks (Linux);
// 0 when it cannot be known.
func lockHolder(path string) int {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	want := ":" + strconv.FormatUint(st.Ino, 10)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 1: FLOCK  ADVISORY  WRITE 12345 fd:01:123456 0 EOF
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && strings.HasSuffix(fields[5], want) {
			if pid, err := strconv.Atoi(fields[4]); err == nil && pid != os.Getpid() {
				return pid
			}
		}
	}
	return 0
}
