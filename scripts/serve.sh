#!/usr/bin/env bash
# Serves the portal at http://127.0.0.1:8000 with a Celery worker and its beat
# schedule; Ctrl-C stops them all. `--dev` adds Vite's dev server (hot reload)
# and Django's autoreloading server instead of gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
BIND="${PORTAL_BIND:-127.0.0.1:8000}"
DATA_DIR="${PORTAL_DATA_DIR:-data}"

trap 'trap - EXIT INT TERM; kill 0 2>/dev/null || true' EXIT INT TERM

.venv/bin/celery -A proximeter worker --beat --loglevel INFO --concurrency 2 \
    --schedule "$DATA_DIR/celerybeat-schedule" &

if [[ "${1:-}" == "--dev" ]]; then
    npm run --prefix frontend dev &
    .venv/bin/python manage.py runserver "$BIND"
else
    # Metrics of all gunicorn workers are added up through this folder.
    export PROMETHEUS_MULTIPROC_DIR="$DATA_DIR/prometheus"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    echo "Proximeter Portal: http://$BIND/  (demo accounts in README.md; Ctrl-C stops)"
    # No access log: its paths would name people and devices; the portal logs each request
    # with its route (core.middleware.RequestLogMiddleware).
    .venv/bin/gunicorn proximeter.wsgi --bind "$BIND" --workers 2 --threads 4
fi
