#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 for the store tests (idempotent) and prints the
# DATABASE_URL to use. Installs Debian's postgresql package when no server binaries are present.
set -euo pipefail
PORT=${PRISMX_PG_PORT:-54329}
DIR=${PRISMX_PG_DATA:-/tmp/prismx-pg-$PORT}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
  else
    echo "PostgreSQL server binaries not found; install Debian's 'postgresql' package" >&2; exit 1
  fi
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --no-create-home postgres; fi
if [ ! -f "$DIR/PG_VERSION" ]; then
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  as_pg "$bindir/initdb" -D "$DIR" -A trust -U postgres >/dev/null
fi
if ! as_pg "$bindir/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  as_pg "$bindir/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
