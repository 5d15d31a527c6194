package server

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// residentFile returns the bytes of files mapped into the process that
// are resident (the third field of /proc/self/statm, in pages: RssFile
// and RssShmem), or 0 when it cannot be read.
func residentFile() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0
	}
	n, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0
	}
	return n * int64(os.Getpagesize())
}

// dropMapped tells the kernel that the n bytes mapped at addr, bbolt's
// shared read-only mapping of the file, are not needed: their pages leave
// the resident set and stay in the page cache.
func dropMapped(addr uintptr, n int64) {
	if n > 0 {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(n), syscall.MADV_DONTNEED)
	}
}
