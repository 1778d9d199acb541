#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY PostgreSQL database and media folder,
# then prove the record intact: every notice file matches its hash and the chain, every stored
# score run recomputes to the same numbers from the restored ballots.
#
#   DATABASE_URL=postgres://minping@db/minping_restored MEDIA_ROOT=/srv/minping/media-restored \
#     scripts/restore.sh /backups/2026-11-29
#
# Exit status: 0 restored and verified; 1 restored but a check failed; 2 nothing restored.
set -euo pipefail

src=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the (empty) PostgreSQL database to restore into}"
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
media=${MEDIA_ROOT:-$here/var/media}

(cd "$src" && sha256sum --quiet --check SHA256SUMS) || { echo "the backup in $src is damaged (SHA256SUMS)" >&2; exit 2; }
tables=$(psql "$DATABASE_URL" -tAc "select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "the target database is not empty ($tables tables); restore only into a new database" >&2
  exit 2
fi
if [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
  echo "the media folder $media is not empty; restore only into a new folder" >&2
  exit 2
fi

# One transaction: a restore that fails half-way leaves the database empty, not half-filled.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$src/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$src/media.tar.gz"

export DATABASE_URL MEDIA_ROOT="$media"
cd "$here"
"$python" manage.py migrate --check --no-input >/dev/null || { echo "the restored schema needs migrations this code does not have" >&2; exit 1; }
"$python" manage.py verify_notices
"$python" manage.py score --verify-all
