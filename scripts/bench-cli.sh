#!/usr/bin/env bash
# Times whole fieldcrm processes on a demo book of 10,000 leads (about
# 100,000 activities): `fieldcrm today` and `fieldcrm lead move`, with
# hyperfine (apt-get install hyperfine). Figures go in BENCHMARKS.md.
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
/usr/bin/time -f "demo --leads $leads: %e s wall, %U s user, %S s sys, %M KB max RSS" \
	"$bin" --db "$db" demo --leads "$leads" >/dev/null
ls -l "$db"
hyperfine -N --warmup 5 --runs 100 --export-markdown "$work/today.md" "$bin --db $db today"
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
cat "$work/today.md" "$work/version.md"
