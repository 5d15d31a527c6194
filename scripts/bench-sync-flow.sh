#!/bin/bash
# The whole-process sync figures of BENCHMARKS.md (issue 15): a demo book
# made as a rep would, logged in and pushed to a fresh bbolt server, then
# pulled by a manager; prints file sizes, /usr/bin/time figures and the
# server's memory (VmHWM, RssAnon, RssFile) and CPU after each sync.
#
#   BIN=./fieldcrm LEADS=10000 W=/tmp/flow PORT=17391 scripts/bench-sync-flow.sh
#
# BOOK=FILE starts from a copy of that book instead of a new demo book (an
# older build's book, to see it migrated and pushed). Per bucket:
# go run ./scripts/bucketsizes FILE.
#
# DATABASE=postgres://… runs the server on that (empty) PostgreSQL
# database instead of bbolt; with PGPID, the postmaster's pid, it also
# prints the CPU the cluster used (its exited backends' and its live
# ones'). A private cluster: source .ci/postgres.sh; pg_start.
set -u
BIN=${BIN:-./fieldcrm}
W=${W:-/tmp/fieldcrm-flow}
PORT=${PORT:-17391}
rm -rf "$W"
mkdir -p "$W/srv" "$W/home"
export XDG_CONFIG_HOME=$W/home XDG_DATA_HOME=$W/home FIELDCRM_LANG=en
if [ -n "${BOOK:-}" ]; then
	cp "$BOOK" "$W/ann.db"
	echo "book copied from $BOOK: $(stat -c %s "$W/ann.db") bytes"
else
	"$BIN" --db "$W/ann.db" demo --leads "${LEADS:-10000}" --sales-only >/dev/null
	echo "book made by demo: $(stat -c %s "$W/ann.db") bytes"
fi
STORE=(--data "$W/srv")
if [ -n "${DATABASE:-}" ]; then STORE=(--database "$DATABASE"); fi
token() { "$BIN" admin "${STORE[@]}" user add "$1" --role "$2" 2>&1 | grep -o 'token [^ ]*' | head -1 | cut -d' ' -f2; }
ANN=$(token ann rep)
BOSS=$(token boss manager)
"$BIN" serve "${STORE[@]}" --addr "127.0.0.1:$PORT" 2>"$W/serve.log" &
SPID=$!
trap 'kill $SPID 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/health" && break; sleep 0.1; done
mem() {
	grep -E "VmHWM|RssAnon|RssFile" "/proc/$SPID/status" | tr -s ' \t\n' ' '
	awk -v hz="$(getconf CLK_TCK)" '{ printf "CPU so far: %.2f s user, %.2f s sys\n", $14/hz, $15/hz }' "/proc/$SPID/stat"
	if [ -n "${PGPID:-}" ]; then
		# field 2 (the name) has no spaces for postgres processes
		cat "/proc/$PGPID/stat" $(pgrep -P "$PGPID" | sed 's|.*|/proc/&/stat|') 2>/dev/null |
			awk -v hz="$(getconf CLK_TCK)" -v pm="$PGPID" '{ t += $14 + $15; if ($1 == pm) t += $16 + $17 } END { printf "PostgreSQL CPU so far: %.2f s\n", t/hz }'
	fi
}
echo "server at the start: $(mem)"
"$BIN" --db "$W/ann.db" lead add --company 'Warm Up' >/dev/null 2>&1 # the day's backup first
/usr/bin/time -f "login: %e s, %U s user, %S s sys, %M KB" "$BIN" --db "$W/ann.db" --config "$W/ann.toml" login --server "http://127.0.0.1:$PORT" --user ann --token "$ANN" >/dev/null
began=$(date +%s.%N)
/usr/bin/time -f "first sync (push): %e s, %U s user, %S s sys, %M KB" "$BIN" --db "$W/ann.db" --config "$W/ann.toml" sync
# The sync may leave the day's compaction to a process of its own, which
# holds the book's lock when the sync ends: wait for it.
flock "$W/ann.db.lock" true
awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "first sync and its compaction ended: %.2f s\n", b - a }'
echo "book after the first sync: $(stat -c %s "$W/ann.db") bytes"
echo "server after the push: $(mem)"
[ -z "${DATABASE:-}" ] && echo "server file: $(stat -c %s "$W/srv/server.db") bytes"
"$BIN" --db "$W/boss.db" --config "$W/boss.toml" login --server "http://127.0.0.1:$PORT" --user boss --token "$BOSS" >/dev/null
/usr/bin/time -f "manager's fresh pull: %e s, %U s user, %S s sys, %M KB" "$BIN" --db "$W/boss.db" --config "$W/boss.toml" sync
flock "$W/boss.db.lock" true # a compaction the sync left to a process of its own
echo "manager's book: $(stat -c %s "$W/boss.db") bytes"
echo "server after the pull: $(mem)"
