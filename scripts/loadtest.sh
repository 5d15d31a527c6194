#!/usr/bin/env bash
# Load test: builds fieldcrm, starts the server (bbolt, or with --database
# two servers over one PostgreSQL database) and N real fieldcrm client
# processes that edit and sync for a bounded time, then checks that the
# books converged. All flags go to scripts/loadtest (see its -help), e.g.
#   scripts/loadtest.sh -clients 50 -duration 60s
#   scripts/loadtest.sh -clients 200 -database postgres://.../empty_db
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./scripts/loadtest "$@"
