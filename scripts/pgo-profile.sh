#!/bin/bash
# Makes cmd/fieldcrm/default.pgo, the CPU profile Go's profile-guided
# optimisation builds fieldcrm with (go build picks it up by itself): the
# profiles of every fieldcrm process in whole-process sync flows
# (scripts/bench-sync-flow.sh: a demo book's login and first push to a
# team server, and a manager's fresh pull), merged. Measured in
# BENCHMARKS.md, "The build optimised by a profile of the sync".
#
#   scripts/pgo-profile.sh                      # ROUNDS (3) flows on bbolt
#   DATABASES="postgres://…/a postgres://…/b" scripts/pgo-profile.sh
#                                               # and one flow on each of
#                                               # these empty databases
#
# The flows run a binary built without a profile (-pgo=off), so that the
# profile describes the code, not an earlier profile's inlining. Only
# 127.0.0.1:PORT (17393) is used.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-17393}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/prof" "$W/home"
go build -pgo=off -o "$W/fieldcrm" ./cmd/fieldcrm
XDG_CONFIG_HOME=$W/home XDG_DATA_HOME=$W/home FIELDCRM_LANG=en \
	"$W/fieldcrm" --db "$W/book.db" demo --leads "${LEADS:-10000}" --sales-only >/dev/null
flow() {
	FIELDCRM_CPU_PROFILE=$W/prof BOOK=$W/book.db BIN=$W/fieldcrm W=$W/flow PORT=$PORT \
		bash scripts/bench-sync-flow.sh 2>&1 | grep -E '^(first sync \(push\)|manager.s fresh pull)'
}
for r in $(seq "$ROUNDS"); do
	echo "round $r, bbolt"
	flow
done
for db in ${DATABASES:-}; do
	echo "PostgreSQL ${db%%\?*}"
	DATABASE=$db flow
done
# A process too short for a sample (admin, login) writes an empty profile.
mapfile -t files < <(find "$W/prof" -name 'fieldcrm-*.pprof' -size +2k | sort)
go tool pprof -proto "${files[@]}" >"$W/default.pgo" 2>/dev/null
mv "$W/default.pgo" cmd/fieldcrm/default.pgo
echo "cmd/fieldcrm/default.pgo: ${#files[@]} profiles, $(stat -c %s cmd/fieldcrm/default.pgo) bytes"
