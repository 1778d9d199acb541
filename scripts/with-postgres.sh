#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster on 127.0.0.1.
#   scripts/with-postgres.sh .venv/bin/python -m pytest
# The cluster lives in a temporary folder and is stopped and removed when the command ends;
# DATABASE_URL points the command at it. As root, the server runs as the `postgres` user.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 2
fi

workdir=$(mktemp -d /tmp/minping-pg.XXXXXX)
chmod 755 "$workdir"
run_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres: "$workdir"

port=${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

cleanup() {
  run_as_owner "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

run_as_owner "$bindir/initdb" -D "$workdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_as_owner "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null

"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres minping
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/minping"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
