#!/usr/bin/env bash
# Back up a Minping site: the PostgreSQL database and the media files (published notices, uploads).
#
#   DATABASE_URL=postgres://minping@db/minping MEDIA_ROOT=/srv/minping/media scripts/backup.sh /backups/2026-11-29
#
# Writes DEST/database.dump (pg_dump's custom format), DEST/media.tar.gz and DEST/SHA256SUMS.
# The database is dumped first and the media second: notices' files are written before their rows
# commit and are never deleted afterwards, so every file a dumped row names is in the archive.
# The server's secrets (SECRET_KEY, MINPING_BALLOT_SECRET when set, the signing key) are NOT part of a
# backup: keep them apart, since together with the dump they would let one link ballots to codes.
set -euo pipefail

dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh backs up PostgreSQL only (DATABASE_URL=${DATABASE_URL%%:*}://…)" >&2; exit 2;; esac
media=${MEDIA_ROOT:-$(dirname "$0")/../var/media}

if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "$dest exists and is not empty; a backup never overwrites another" >&2
  exit 2
fi
mkdir -p "$dest"

# A dump is one consistent snapshot (one REPEATABLE READ transaction) while the site keeps running.
pg_dump --format=custom --no-owner --no-privileges --file="$dest/database.dump" "$DATABASE_URL"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$dest/media.tar.gz" .
else
  tar -czf "$dest/media.tar.gz" --files-from /dev/null
fi
(cd "$dest" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "Backed up to $dest: $(du -sh "$dest" | cut -f1)"
