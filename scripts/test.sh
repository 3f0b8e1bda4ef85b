#!/usr/bin/env bash
# The test command: set up everything (Debian packages, .venv, a PostgreSQL server) and run
# the whole suite on SQLite, then every database test again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
EXTRAS=dev bash scripts/setup-python.sh
PG_URL=$(bash scripts/postgres.sh start)
trap 'bash scripts/postgres.sh stop' EXIT
echo "== tests on SQLite"
.venv/bin/python -m pytest "$@"
echo "== database tests on PostgreSQL ($PG_URL)"
KATALOH_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -m db "$@"
