#!/usr/bin/env bash
# CI's release checks (.ci/run calls this): cross-build every target with
# scripts/release.sh, run the linux binary, list the .deb and .rpm
# packages, unpack them into a scratch root and check what landed there,
# verify the systemd unit where systemd exists, build linux/amd64 again
# and compare SHA256, and check that go mod tidy changes nothing.
# Usage: scripts/check-release.sh   (run locally too: about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- go mod tidy leaves go.mod and go.sum unchanged (and the packaging tool's)"
go mod tidy -diff
(cd scripts/pkg && go mod tidy -diff)

echo "-- charm.land/bubbles/v2 stays at v2.1.1 (newer ones in the proxy are not approved releases)"
[ "$(go list -m -f '{{.Version}}' charm.land/bubbles/v2)" = v2.1.1 ] || { echo "charm.land/bubbles/v2 is not v2.1.1"; exit 1; }

echo "-- vet: the man command's build; vet and test the packaging tool"
go vet -tags man ./cmd/fieldcrm
(cd scripts/pkg && go vet ./... && go test -count=1 ./... && go build -o "$work/pkg" .)

echo "-- scripts/release.sh: every target"
DIST="$work/a" bash scripts/release.sh

echo "-- the linux/amd64 binary: static, version, --help"
mkdir "$work/tgz"
tar -xzf "$work"/a/fieldcrm_*_linux_amd64.tar.gz -C "$work/tgz"
bin=$(echo "$work"/tgz/fieldcrm_*_linux_amd64/fieldcrm)
# Outputs are read whole before grep -q: one that stops early would break
# the pipe, and pipefail would count that as a failure.
buildinfo=$(go version -m "$bin")
grep -q 'CGO_ENABLED=0' <<<"$buildinfo" || { echo "the linux binary is not built with CGO_ENABLED=0"; exit 1; }
grep -q -- '-trimpath=true' <<<"$buildinfo" || { echo "the linux binary is not built with -trimpath"; exit 1; }
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
"$bin" version
v=$("$bin" version)
grep -q "$(git rev-parse HEAD | cut -c1-12)" <<<"$v" || { echo "the version does not name the commit: $v"; exit 1; }
"$bin" --help >"$work/help.txt"
head -3 "$work/help.txt"

echo "-- package contents"
for p in "$work"/a/*.deb "$work"/a/*.rpm; do
	echo "${p##*/}:"
	if [[ $p == *.deb ]] && command -v dpkg-deb >/dev/null; then
		dpkg-deb -c "$p" | grep -v '/$' # files only; the reader below lists them the same way
	else
		"$work/pkg" list "$p" | grep -v '^d'
	fi
done

echo "-- install the amd64 .debs into a scratch root"
root="$work/root"
for deb in "$work"/a/*_amd64.deb; do
	if command -v dpkg-deb >/dev/null; then
		dpkg-deb -x "$deb" "$root"
		# Our own reader must unpack the same files (it is what runs where dpkg is absent).
		"$work/pkg" extract "$deb" "$work/root2"
	else
		"$work/pkg" extract "$deb" "$root"
	fi
done
if [ -d "$work/root2" ]; then
	diff -r "$root" "$work/root2" >/dev/null || { echo "pkg extract and dpkg-deb -x disagree"; exit 1; }
fi
for f in usr/bin/fieldcrm usr/share/man/man1/fieldcrm.1.gz usr/share/man/man1/fieldcrm-serve.1.gz \
	usr/share/bash-completion/completions/fieldcrm usr/share/zsh/vendor-completions/_fieldcrm \
	usr/share/fish/vendor_completions.d/fieldcrm.fish usr/lib/systemd/system/fieldcrm.service \
	etc/fieldcrm/fieldcrm.env usr/lib/sysusers.d/fieldcrm.conf; do
	[ -s "$root/$f" ] || { echo "the packages do not install /$f"; exit 1; }
done
"$root/usr/bin/fieldcrm" version
[ "$(stat -c %a "$root/etc/fieldcrm/fieldcrm.env")" = 600 ] || { echo "/etc/fieldcrm/fieldcrm.env is not 0600"; exit 1; }

echo "-- the packaged server, run as the unit runs it (its environment file), on loopback"
# bash's /dev/tcp, so the check needs no HTTP client on the machine.
get() { # host:port path
	exec 3<>"/dev/tcp/${1%:*}/${1#*:}"
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$1" >&3
	cat <&3
	exec 3<&-
}
srv="$work/srv"
mkdir "$srv"
(
	set -a
	. "$root/etc/fieldcrm/fieldcrm.env"
	FIELDCRM_DATA=$srv FIELDCRM_ADDR=127.0.0.1:0 FIELDCRM_METRICS_ADDR=127.0.0.1:0
	exec "$root/usr/bin/fieldcrm" serve $FIELDCRM_SERVE_FLAGS
) >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 200); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
api=$(sed -n 's|^fieldcrm server listening on http://\([^ ]*\) .*|\1|p' "$work/serve.out")
metrics=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$work/serve.log" | head -1 | sed 's|http://||; s|/metrics||')
[ -n "$api" ] && [ -n "$metrics" ] || { echo "the packaged server did not start:"; cat "$work/serve.out" "$work/serve.log"; kill "$pid"; exit 1; }
health=$(get "$api" /v1/health)
grep -q '"database":"ok"' <<<"$health" || { echo "/v1/health is not ok: $health"; kill "$pid"; exit 1; }
# A rep's laptop, with the packaged binary: the invitation's own login line, a lead, a sync.
line=$("$root/usr/bin/fieldcrm" admin --data "$srv" --url "http://$api" invite ann --role rep | grep '^  fieldcrm login ')
code=${line##* --invite }
mkdir "$work/laptop"
laptop=(env XDG_CONFIG_HOME="$work/laptop" "$root/usr/bin/fieldcrm" --db "$work/laptop/book.db")
"${laptop[@]}" login --server "http://$api" --invite "$code" >/dev/null || { echo "login with the invitation failed: $line"; kill "$pid"; exit 1; }
"${laptop[@]}" lead add --company "Packaged Co" >/dev/null
synced=$("${laptop[@]}" sync)
grep -q 'pushed 1 change' <<<"$synced" || { echo "the laptop's sync did not push its lead: $synced"; kill "$pid"; exit 1; }
get "$metrics" /metrics >"$work/metrics.txt"
for m in 'fieldcrm_http_requests_total{route="/v1/health",code="200"} 1' 'fieldcrm_push_ops_total{result="applied",reason=""} 1' \
	'fieldcrm_active_users 1' fieldcrm_storage_bytes 'fieldcrm_sync_duration_seconds_count{route="pull"}'; do
	grep -qF "$m" "$work/metrics.txt" || { echo "/metrics lacks $m"; kill "$pid"; exit 1; }
done
"$root/usr/bin/fieldcrm" admin --data "$srv" backup "$work/backup.db" >/dev/null || { echo "admin backup of the running server failed"; kill "$pid"; exit 1; }
if "$root/usr/bin/fieldcrm" admin --data "$srv" restore "$work/backup.db" 2>/dev/null; then
	echo "admin restore replaced the data of a running server"
	kill "$pid"
	exit 1
fi
kill -TERM "$pid"
wait "$pid" || { echo "the server did not stop cleanly on SIGTERM"; exit 1; }
"$root/usr/bin/fieldcrm" admin --data "$srv" restore "$work/backup.db" >/dev/null || { echo "admin restore of a stopped server failed"; exit 1; }
if FIELDCRM_DATA="$srv" "$root/usr/bin/fieldcrm" serve --addr 0.0.0.0:0 2>"$work/refused.txt"; then
	echo "serve listened on 0.0.0.0 without TLS"
	exit 1
fi
grep -q -- --insecure-http "$work/refused.txt" || { echo "the refusal does not name --insecure-http"; exit 1; }
echo "health ok; an invitation, a laptop's login, lead and sync; metrics; a backup; a restore refused while serving, done once stopped; plain HTTP on 0.0.0.0 refused"

echo "-- the unit's hardening"
unit="$root/usr/lib/systemd/system/fieldcrm.service"
for d in '^User=fieldcrm$' '^StateDirectory=fieldcrm$' '^ProtectSystem=strict$' '^ProtectHome=yes$' \
	'^PrivateTmp=yes$' '^NoNewPrivileges=yes$' '^CapabilityBoundingSet=$' '^RestrictAddressFamilies=' \
	'^SystemCallFilter=@system-service$' '^Restart=on-failure$' '^EnvironmentFile=/etc/fieldcrm/fieldcrm.env$'; do
	grep -q "$d" "$unit" || { echo "the unit lacks $d"; exit 1; }
done

echo "-- systemd-analyze verify on the unit"
if command -v systemd-analyze >/dev/null && [ -d /usr/lib/systemd/system ]; then
	# The scratch root needs the targets the unit names; ours stays as packaged.
	cp -rn /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
	systemd-analyze verify --root="$root" --man=no fieldcrm.service
	echo "verified"
else
	echo "no systemd on this machine: skipped"
fi

echo "-- reproducible: linux/amd64 built again, the same SHA256"
TARGETS=linux/amd64 DIST="$work/b" bash scripts/release.sh >/dev/null
for f in "$work"/b/*; do
	[ "${f##*/}" = SHA256SUMS ] && continue
	grep -q "^$(sha256sum "$f" | cut -d' ' -f1)  ${f##*/}\$" "$work/a/SHA256SUMS" || { echo "${f##*/} differs between two builds"; exit 1; }
done
echo "the same"

echo "-- release checks took $((SECONDS - start)) s"
