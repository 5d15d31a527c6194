#!/bin/sh
# fieldcrm-server: make the fieldcrm user and tell systemd about the unit.
# The service is not started: it needs its settings first (docs/server.md).
set -e
if ! getent passwd fieldcrm >/dev/null; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers fieldcrm.conf
	else
		useradd --system --user-group --home-dir /var/lib/fieldcrm --shell /usr/sbin/nologin fieldcrm
	fi
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
