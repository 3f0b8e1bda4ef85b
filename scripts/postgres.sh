#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL server for the tests in .pgtest/ on port 54329,
# trust authentication on loopback only, and print its SQLAlchemy URL.
#   scripts/postgres.sh start   ->  postgresql+psycopg://kataloh@127.0.0.1:54329/postgres
#   scripts/postgres.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${KATALOH_PG_PORT:-54329}
DATA="$PWD/.pgtest"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (scripts/setup-system.sh installs it)" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
      as_pg "$BIN/initdb" -D "$DATA" -U kataloh -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    fi
    echo "postgresql+psycopg://kataloh@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
