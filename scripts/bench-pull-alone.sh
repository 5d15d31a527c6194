#!/bin/bash
# A manager's fresh pull alone, timed as a whole process (BENCHMARKS.md,
# issue 15): a new manager is added to a server that already holds a
# pushed book, logs in from an empty book and runs one `sync`. Run it after
# scripts/bench-sync-flow.sh, on the data that flow pushed:
#
#   BIN=./fieldcrm DATA=/tmp/fieldcrm-flow/srv PORT=17392 scripts/bench-pull-alone.sh
#   BIN=./fieldcrm DATABASE=postgres://… PORT=17392 scripts/bench-pull-alone.sh
#
# Each run adds one more manager (boss<random>) to that data. W is the
# work folder, emptied first. Prints /usr/bin/time's figures for the sync
# and the manager's book size. Only 127.0.0.1:PORT is used; the server it
# starts is stopped by its pid.
set -u
BIN=${BIN:-./fieldcrm}
W=${W:-/tmp/fieldcrm-pull-alone}
PORT=${PORT:-17392}
if [ -n "${DATABASE:-}" ]; then
	STORE=(--database "$DATABASE")
elif [ -n "${DATA:-}" ]; then
	STORE=(--data "$DATA")
else
	echo "bench-pull-alone.sh: set DATA (a bbolt server's folder) or DATABASE" >&2
	exit 2
fi
rm -rf "$W"
mkdir -p "$W/home"
export XDG_CONFIG_HOME=$W/home XDG_DATA_HOME=$W/home FIELDCRM_LANG=en
user=boss$RANDOM$RANDOM
token=$("$BIN" admin "${STORE[@]}" user add "$user" --role manager 2>&1 | grep -o 'token [^ ]*' | head -1 | cut -d' ' -f2)
if [ -z "$token" ]; then
	echo "bench-pull-alone.sh: could not add a manager" >&2
	exit 1
fi
"$BIN" serve "${STORE[@]}" --addr "127.0.0.1:$PORT" 2>"$W/serve.log" &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/health" && break; sleep 0.1; done
"$BIN" --db "$W/boss.db" --config "$W/boss.toml" login --server "http://127.0.0.1:$PORT" --user "$user" --token "$token" >/dev/null
/usr/bin/time -f "fresh pull: %e s, %U s user, %S s sys, %M KB, %R minor faults" "$BIN" --db "$W/boss.db" --config "$W/boss.toml" sync
flock "$W/boss.db.lock" true # a compaction the sync left to a process of its own
echo "manager's book: $(stat -c %s "$W/boss.db") bytes"
