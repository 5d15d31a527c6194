#!/bin/sh
# fieldcrm-server: stop the service when the package is removed, not when
# it is upgraded (deb passes "remove", rpm 0). The data stays.
set -e
if [ "$1" = remove ] || [ "$1" = 0 ]; then
	if [ -d /run/systemd/system ]; then
		systemctl disable --now fieldcrm.service || true
	fi
fi
