#!/usr/bin/env bash
# Run a command against a private, throwaway PostgreSQL on 127.0.0.1 (Debian's postgresql package).
# The cluster lives under /tmp and is stopped by its PID afterwards. Exports CATALOGUE_TEST_DATABASE_URL.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ]; then
  echo "Installing PostgreSQL (Debian package postgresql)..."
  if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is not installed and we are not root: apt-get install postgresql" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(pg_bin)"
PORT="${PG_TEST_PORT:-55432}"
DIR="$(mktemp -d /tmp/catalogue-pg.XXXXXX)"
AS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR"; AS=(runuser -u postgres --); fi

cleanup() {
  if [ -f "$DIR/data/postmaster.pid" ]; then
    PID="$(head -1 "$DIR/data/postmaster.pid")"
    kill -INT "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
"${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres catalogue_test
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:$PORT (data in $DIR)"
export CATALOGUE_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/catalogue_test"
"$@"
