#!/usr/bin/env bash
# The PouchDB peer of the sync figures (BENCHMARKS.md, issue 15): a book
# exported as JSON, one PouchDB document per record, pushed from a local
# leveldb database to a CouchDB-style server (express-pouchdb over leveldb)
# on 127.0.0.1, then pulled from it into an empty local database. Each
# push and pull is timed from the start of the replication to its end
# (the node process's start and the local load are left out, in the
# peer's favour); the client's and the server's CPU, peak RSS and bytes
# on the wire are printed beside it.
#
#   BOOK=/tmp/demo/book.db FC=./fieldcrm bash scripts/peer-pouchdb/run.sh PORT WORKDIR
#
# SETS names what to run, in order (default "leads book500"):
#   leads    the book's leads alone (10,000 documents in the demo book)
#   book     every record, PouchDB's default batch of 100
#   book500  every record, batch_size 500 (PouchDB's faster setting here)
# Each set gets a fresh server. BOOK is copied, never changed. Needs node
# and npm (the first run installs package-lock.json's versions). Only
# 127.0.0.1:PORT is used; the servers started are stopped by pid.
set -euo pipefail
PORT=${1:?usage: run.sh PORT WORKDIR}
WORK=${2:?usage: run.sh PORT WORKDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
BOOK=${BOOK:?BOOK=the book to export}
FC=${FC:-fieldcrm}
SETS=${SETS:-leads book500}
URL=http://127.0.0.1:$PORT

if [ ! -d "$HERE/node_modules/pouchdb-node" ]; then
	(cd "$HERE" && npm ci --no-audit --no-fund)
fi
if curl -s -o /dev/null --max-time 2 "$URL/"; then
	echo "port $PORT is already in use on 127.0.0.1" >&2
	exit 1
fi

rm -rf "$WORK"
mkdir -p "$WORK/h"
WORK=$(cd "$WORK" && pwd)
RES=$WORK/results.jsonl
: >"$RES"
SRV_PID=
stop_server() {
	if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
		kill "$SRV_PID"
		for _ in $(seq 50); do
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
	fi
	SRV_PID=
}
trap stop_server EXIT
start_server() { # $1: its data folder
	rm -rf "${WORK:?}/$1"
	node "$HERE/server.js" "$PORT" "$WORK/$1" >"$WORK/$1.log" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "$URL/" && return 0
		sleep 0.1
	done
	echo "the server did not start; see $WORK/$1.log" >&2
	exit 1
}

echo "== $(date -u +%FT%TZ) node $(node -v), load $(cut -d' ' -f1-3 /proc/loadavg)"
cp "$BOOK" "$WORK/src-book.db"
XDG_CONFIG_HOME=$WORK/h XDG_DATA_HOME=$WORK/h "$FC" --db "$WORK/src-book.db" export --format json -o "$WORK/book.json"
node "$HERE/convert.js" "$WORK/book.json" "$WORK" >"$WORK/counts.txt"
N=$(node -p 'require(process.argv[1]).total' "$WORK/counts.json")
NL=$(node -p 'require(process.argv[1]).leads' "$WORK/counts.json")
{
	echo "documents: $N, leads: $NL ($(cat "$WORK/counts.txt"))"
	echo "book.json: $(stat -c %s "$WORK/book.json") bytes, gzip $(gzip -c "$WORK/book.json" | wc -c)"
} | tee "$WORK/sizes.txt"
rm -f "$WORK/src-book.db" "$WORK/src-book.db.lock"

for set in $SETS; do
	case $set in
	leads) docs=$WORK/leads.ndjson n=$NL db=leads batch= ;;
	book) docs=$WORK/docs.ndjson n=$N db=book batch= ;;
	book500) docs=$WORK/docs.ndjson n=$N db=book500 batch=500 ;;
	*)
		echo "unknown set $set (leads, book, book500)" >&2
		exit 2
		;;
	esac
	start_server "srv-$set"
	node "$HERE/push.js" "$PORT" "$WORK" "$docs" "$db" $batch | tee -a "$RES"
	node "$HERE/pull.js" "$PORT" "$WORK" "$db" "$n" $batch | tee -a "$RES"
	echo "server folder after $set: $(du -sh "$WORK/srv-$set" | cut -f1)"
	stop_server
	rm -rf "${WORK:?}/srv-$set"
done
echo "== done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
node "$HERE/summarize.js" "$RES" | tee "$WORK/table.txt"
