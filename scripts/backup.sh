#!/usr/bin/env bash
# Back up the databases that cannot be rebuilt: associations (who held which
# device when) and default (accounts, audit trail). Encounters expire after 14
# days and are deliberately not backed up; assets can be re-imported.
#   scripts/backup.sh DIR            -> DIR/associations.dump, DIR/default.dump
#   scripts/backup.sh --restore DIR  -> restores both into the configured databases
# Uses ASSOCIATIONS_DATABASE_URL and DATABASE_URL (postgres:// URLs).
set -euo pipefail

restore=0
if [[ "${1:-}" == "--restore" ]]; then restore=1; shift; fi
folder="${1:?usage: scripts/backup.sh [--restore] DIR}"
mkdir -p "$folder"

for pair in "associations:${ASSOCIATIONS_DATABASE_URL:?}" "default:${DATABASE_URL:?}"; do
    name="${pair%%:*}"
    url="${pair#*:}"
    if [[ $restore -eq 0 ]]; then
        pg_dump --format=custom --no-owner --file "$folder/$name.dump" "$url"
        echo "backed up $name -> $folder/$name.dump"
    else
        pg_restore --clean --if-exists --no-owner --exit-on-error --dbname "$url" "$folder/$name.dump"
        echo "restored $name <- $folder/$name.dump"
    fi
done
