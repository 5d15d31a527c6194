#!/usr/bin/env bash
# Starts a private PostgreSQL for the test suite (CI runs as root; initdb
# refuses root, so the cluster belongs to an unprivileged user).
#
# Use from .ci/run:
#   source .ci/postgres.sh
#   pg_start                    # sets and exports FIELDCRM_TEST_PG
#   trap pg_stop EXIT
#
# pg_start prints the connection URL. The cluster lives in a temporary
# folder, listens on 127.0.0.1 at a private port and on a unix socket in
# that folder, and pg_stop stops it and removes the folder.

pg_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; fi
	done | sort -V | tail -n 1
}

# pg_as runs a command as the cluster's owner (root cannot run initdb).
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PG_BIN=$(pg_bindir)
	if [ -z "$PG_BIN" ]; then
		echo "postgres.sh: no PostgreSQL binaries under /usr/lib/postgresql/*/bin" >&2
		return 1
	fi
	PG_USER=${PG_USER:-nobody}
	PG_DIR=$(mktemp -d /tmp/fieldcrm-pg.XXXXXX)
	chmod 0755 "$PG_DIR"
	if [ "$(id -u)" = 0 ]; then chown "$PG_USER" "$PG_DIR"; fi
	PG_PORT=${PG_PORT:-$((20000 + RANDOM % 20000))}
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2
		return 1
	}
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		start >/dev/null || {
		cat "$PG_DIR/server.log" >&2
		return 1
	}
	pg_as "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE fieldcrm" postgres >/dev/null || return 1
	export FIELDCRM_TEST_PG="postgres://postgres@127.0.0.1:$PG_PORT/fieldcrm?sslmode=disable"
	export PG_BIN PG_DIR PG_PORT PG_USER
	echo "$FIELDCRM_TEST_PG"
}

pg_stop() {
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
		rm -rf "$PG_DIR"
	fi
}
