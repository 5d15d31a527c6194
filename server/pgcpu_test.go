package server_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresCPU returns the CPU time the PostgreSQL cluster behind url has
// used so far, read from /proc: its postmaster's own, its live
// processes' (backends, autovacuum, the WAL writer...) and the totals of
// those that have ended, which the postmaster reaped. ok is false where
// /proc cannot say: not Linux, or a cluster not on this machine (its
// process numbers would name others here). A benchmark reports the
// difference beside its own CPU: PostgreSQL's share of a push shows only
// in the wall time otherwise, and varies less than the wall time does on
// a busy machine.
func postgresCPU(tb testing.TB, url string) (cpu time.Duration, ok bool) {
	tb.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		tb.Fatalf("the test database's URL: %v", err)
	}
	local := strings.HasPrefix(cfg.Host, "/") || cfg.Host == "localhost"
	if a, err := netip.ParseAddr(cfg.Host); err == nil && a.IsLoopback() {
		local = true
	}
	if !local {
		return 0, false
	}
	backend := pgQuery[int32](tb, url, `SELECT pg_backend_pid()`)
	self, ok := procStat(int(backend))
	if !ok || self.comm != "postgres" {
		return 0, false
	}
	postmaster := self.ppid
	main, ok := procStat(postmaster)
	if !ok {
		return 0, false
	}
	ticks := main.utime + main.stime + main.cutime + main.cstime
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range procs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.ppid == postmaster {
			ticks += st.utime + st.stime
		}
	}
	// /proc counts in clock ticks of 1/100 s (USER_HZ on Linux).
	return time.Duration(ticks) * 10 * time.Millisecond, true
}

// processCPU returns the CPU time process pid has used so far, from
// /proc; ok is false when /proc cannot say.
func processCPU(pid int) (cpu time.Duration, ok bool) {
	st, ok := procStat(pid)
	return time.Duration(st.utime+st.stime) * 10 * time.Millisecond, ok
}

// stat is what postgresCPU reads of /proc/PID/stat.
type stat struct {
	comm                         string
	ppid                         int
	utime, stime, cutime, cstime int64
}

// procStat reads /proc/pid/stat; ok is false when it cannot.
func procStat(pid int) (stat, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	// The command's name, in parentheses, may hold spaces: the fields
	// counted in proc(5) start after its closing one, with field 3.
	i := bytes.LastIndexByte(data, ')')
	j := bytes.IndexByte(data, '(')
	if i < 0 || j < 0 || j > i {
		return stat{}, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 15 {
		return stat{}, false
	}
	num := func(n int) int64 { v, _ := strconv.ParseInt(f[n-3], 10, 64); return v }
	return stat{comm: string(data[j+1 : i]), ppid: int(num(4)), utime: num(14), stime: num(15), cutime: num(16), cstime: num(17)}, true
}
