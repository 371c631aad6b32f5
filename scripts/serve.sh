#!/usr/bin/env bash
# Serves the portal at http://127.0.0.1:8000 with the ingest worker (the inbox in batches),
# a Celery worker and its beat schedule; Ctrl-C stops them all within seconds.
# `--dev` adds Vite's dev server (hot reload) and Django's autoreloading server instead
# of gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
BIND="${PORTAL_BIND:-127.0.0.1:8000}"
DATA_DIR="${PORTAL_DATA_DIR:-data}"

# Metrics of every process of this host (gunicorn's workers, the Celery worker, the ingest
# worker) are added up through this folder and served at /metrics.
export PROMETHEUS_MULTIPROC_DIR="$DATA_DIR/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

# Each process runs in a session of its own, so that Ctrl-C reaches only this script,
# which asks each once to stop (SIGTERM), waits up to 8 s, then ends what is left.
PIDS=()
start() {
    setsid "$@" &
    PIDS+=($!)
}
stop() {
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 80); do
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive == 0 ]] && break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    exit 0
}
trap stop EXIT INT TERM

start .venv/bin/python manage.py ingest_worker
start .venv/bin/celery -A proximeter worker --beat --loglevel INFO --concurrency 2 \
    --schedule "$DATA_DIR/celerybeat-schedule"

if [[ "${1:-}" == "--dev" ]]; then
    start npm run --prefix frontend dev
    start .venv/bin/python manage.py runserver "$BIND"
else
    echo "Proximeter Portal: http://$BIND/  (demo accounts in README.md; Ctrl-C stops)"
    # No access log: its paths would name people and devices; the portal logs each request
    # with its route (core.middleware.RequestLogMiddleware).
    start .venv/bin/gunicorn proximeter.wsgi --bind "$BIND" --workers 2 --threads 4
fi
wait
