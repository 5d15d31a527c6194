//go:build unix

package main

import (
	"os"
	"syscall"
)

// canDetach: a sync may leave its compaction to a process of its own.
const canDetach = true

// detachedAttr puts the compacting process in a session of its own: the
// terminal's Ctrl-C or hang-up, meant for the sync, does not reach it.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// syncPipe returns descriptor 3 when it is a pipe (the sync that started
// this process waits on its other end), else nil. The descriptor is
// looked at before an os.File is made of it: a File closes its
// descriptor when collected, and descriptor 3 may be another's.
func syncPipe() *os.File {
	var st syscall.Stat_t
	if syscall.Fstat(3, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return nil
	}
	return os.NewFile(3, "sync pipe")
}
