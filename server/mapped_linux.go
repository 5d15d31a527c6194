package server

import (
	"bufio"
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

// residentAt returns the resident bytes of the mapping that starts at
// addr (its Rss in /proc/self/smaps), or 0 when it cannot be read.
func residentAt(addr uintptr) int64 {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0
	}
	defer f.Close()
	start := []byte(strconv.FormatUint(uint64(addr), 16) + "-")
	sc := bufio.NewScanner(f)
	found := false
	for sc.Scan() {
		line := sc.Bytes()
		if !found {
			found = bytes.HasPrefix(line, start)
			continue
		}
		if v, ok := bytes.CutPrefix(line, []byte("Rss:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// dropMapped tells the kernel that the n bytes mapped at addr, bbolt's
// shared read-only mapping of the file, are not needed: their pages leave
// the resident set and stay in the page cache.
func dropMapped(addr uintptr, n int64) {
	if n > 0 {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(n), syscall.MADV_DONTNEED)
	}
}
