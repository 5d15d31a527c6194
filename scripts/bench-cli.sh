#!/usr/bin/env bash
# Times whole fieldcrm processes on a demo book of 10,000 leads (about
# 100,000 activities): `fieldcrm today` and `fieldcrm lead move`, with
# hyperfine (apt-get install hyperfine). Also times, for scale, a Go
# hello-world process and the cost of touching fresh memory (page faults),
# which dominate short processes on some virtual machines, and `today` on a
# 1,000-lead book. Figures go in BENCHMARKS.md.
# Usage: scripts/bench-cli.sh [LEADS]
set -euo pipefail
cd "$(dirname "$0")/.."
leads=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/fieldcrm" ./cmd/fieldcrm
bin="$work/fieldcrm"
db="$work/book.db"
export XDG_CONFIG_HOME="$work/config" FIELDCRM_LANG=en

# For scale: the smallest Go process, and fresh memory touched page by page.
mkdir "$work/probe"
cat >"$work/probe/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		return // hello world
	}
	const size = 8 << 20
	start := time.Now()
	b := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		b[i] = 1
	}
	d := time.Since(start)
	fmt.Printf("fresh memory: 8 MiB touched in %v, %.1f µs per 4 KiB page\n", d, float64(d.Microseconds())/float64(size/4096))
}
EOF
(cd "$work/probe" && printf 'module probe\n\ngo 1.26\n' >go.mod && go build -o "$work/probe/probe" .)
for _ in 1 2 3; do "$work/probe/probe" touch; done
hyperfine -N --warmup 5 --runs 100 --export-markdown "$work/hello.md" "$work/probe/probe"

/usr/bin/time -f "demo --leads $leads: %e s wall, %U s user, %S s sys, %M KB max RSS, %R page faults" \
	"$bin" --db "$db" demo --leads "$leads" >/dev/null
ls -l "$db"
"$bin" --db "$work/small.db" demo --leads 1000 >/dev/null
echo "review items: $("$bin" --db "$db" today --json | grep -c '"lead_id"') on $leads leads, $("$bin" --db "$work/small.db" today --json | grep -c '"lead_id"') on 1000 leads"
/usr/bin/time -f "today: %e s wall, %U s user, %S s sys, %M KB max RSS, %R page faults" "$bin" --db "$db" today >/dev/null
/usr/bin/time -f "version: %e s wall, %U s user, %S s sys, %M KB max RSS, %R page faults" "$bin" version >/dev/null
hyperfine -N --warmup 5 --runs 100 --export-markdown "$work/today.md" "$bin --db $db today" "$bin --db $work/small.db today"
hyperfine -N --warmup 5 --runs 100 --export-markdown "$work/version.md" "$bin version"
# Moves: 100 different leads, each moved once from qualified to contacted, so
# every run is a real stage change (stage log, indexes, card, outbox, fsync).
"$bin" --db "$db" lead list --stage qualified | awk 'NR > 1 && NR <= 101 { print $1 }' >"$work/ids"
: >"$work/move.ns"
while read -r id; do
	start=${EPOCHREALTIME/./}
	"$bin" --db "$db" lead move "$id" contacted >/dev/null
	echo $(( (${EPOCHREALTIME/./} - start) * 1000 )) >>"$work/move.ns"
done <"$work/ids"
sort -n "$work/move.ns" | awk '{a[NR]=$1} END {printf "lead move: %d runs, median %.2f ms, min %.2f ms, max %.2f ms\n", NR, a[int((NR+1)/2)]/1e6, a[1]/1e6, a[NR]/1e6}'
cat "$work/hello.md" "$work/today.md" "$work/version.md"
