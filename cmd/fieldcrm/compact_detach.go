package main

import (
	"errors"
	"os"
	"os/exec"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
)

// A sync that leaves the book due for its daily compaction hands the
// compaction to a process of its own, `fieldcrm compact --background`,
// and ends: the user has the sync's answer and the prompt back at once,
// as git hands its automatic gc to a process of its own (gc.autoDetach).
// Compacting the demo book after its first push takes half a second of
// the push's five (BENCHMARKS.md), and the copy grows with the book.
//
// The new process takes the book's lock first and says so on a pipe
// (file descriptor 3); the sync waits for that word before it ends, at
// most detachWait, so whatever the user runs next waits for the
// compaction as for any write, and never finds the book half done. A
// compaction killed or failed loses nothing (store/compact.go) and is
// tried again after the next sync.
//
// FIELDCRM_COMPACT_DETACH=0 keeps the compaction in the sync's process
// (a script that reads the file's size after a sync, a test).

// detachCompaction is set by main: only the fieldcrm command itself
// starts itself again, never a test binary that runs its commands.
var detachCompaction bool

// detachWait bounds the sync's wait for the compacting process to hold
// the book's lock.
const detachWait = 5 * time.Second

// compactDetached starts `fieldcrm compact --background` on the book at
// path and waits until it holds the book's lock, or detachWait passes
// (another process holds the book: the new one waits its turn). It
// returns the new process's pid, or false when it did not start one or
// that one ended without the lock (the caller compacts in its own
// process).
func compactDetached(path, configPath string) (pid int, ok bool) {
	if !detachCompaction || !canDetach || os.Getenv("FIELDCRM_COMPACT_DETACH") == "0" {
		return 0, false
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, false
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, false
	}
	defer r.Close()
	args := []string{"--db", path}
	if configPath != "" {
		args = append(args, "--config", configPath)
	}
	cmd := exec.Command(exe, append(args, "compact", "--background")...)
	cmd.ExtraFiles = []*os.File{w} // its descriptor 3; stdin, stdout and stderr are /dev/null
	cmd.SysProcAttr = detachedAttr()
	err = cmd.Start()
	w.Close() // the child's copy is the only writer left
	if err != nil {
		return 0, false
	}
	pid = cmd.Process.Pid
	_ = r.SetReadDeadline(time.Now().Add(detachWait))
	var word [1]byte
	n, err := r.Read(word[:])
	if n == 0 && !errors.Is(err, os.ErrDeadlineExceeded) {
		_ = cmd.Wait() // it ended without the lock, and without a word
		return 0, false
	}
	_ = cmd.Process.Release()
	return pid, true
}

// compactForSync is `fieldcrm compact --background`: it compacts the book
// if due, having told the sync that started it (a pipe on descriptor 3,
// syncPipe) once it holds the book's lock. Ending without the lock, it
// tells nothing: the sync sees the pipe closed and compacts itself.
func compactForSync(st *store.Store) error {
	told := syncPipe()
	_, _, err := st.CompactIfDueLocked(func() {
		if told != nil {
			_, _ = told.Write([]byte{1})
			_ = told.Close()
			told = nil
		}
	})
	return err
}
