#!/usr/bin/env bash
# Smart Embassy container entrypoint. One image, several roles; the first argument picks the role:
#
#   web        the web server (Granian serving Django's WSGI app) on 0.0.0.0:8000; runs migrations first only if MIGRATE_ON_START=1
#   worker     task worker for TASKS_BACKEND (database: db_worker; rq: django-rq's rqworker)
#   scheduler  the periodic-job scheduler (one per deployment; it takes a database lock)
#   migrate    one-shot: [check --deploy], migrate, load_reference
#   manage     anything else: `manage createsuperuser`, `manage rotate_field_keys`, ...
#   healthcheck  GET /healthz on this container (used by compose's healthcheck)
#
# Every role `exec`s its process so it receives SIGTERM from `docker stop` directly (compose runs
# the container with `init: true`, so tini is PID 1 and forwards the signal).
# Settings come from the environment only: see docs/configuration.md and deploy/.env.example.
set -euo pipefail

# APP_DIR and PORT are for running these roles outside a container (`make cluster`, scripts/cluster.py).
cd "${APP_DIR:-/app}"

log() { printf '[entrypoint] %s\n' "$*" >&2; }

# CPUs this container may use: the smaller of the visible CPUs and the cgroup v2 CPU quota.
cpu_count() {
    local cpus quota period q
    cpus=$(nproc)
    if [[ -r /sys/fs/cgroup/cpu.max ]]; then
        read -r quota period </sys/fs/cgroup/cpu.max || true
        if [[ -n "${quota:-}" && "$quota" != "max" && -n "${period:-}" && "$period" -gt 0 ]]; then
            q=$(((quota + period - 1) / period))
            if ((q >= 1 && q < cpus)); then cpus=$q; fi
        fi
    fi
    echo "$cpus"
}

web_concurrency() {
    if [[ -n "${WEB_CONCURRENCY:-}" ]]; then
        echo "$WEB_CONCURRENCY"
        return
    fi
    local n
    n=$((2 * $(cpu_count) + 1))
    if ((n > 8)); then n=8; fi
    echo "$n"
}

run_deploy_check() {
    # `check --deploy` must be clean with production settings; a warning stops the rollout here,
    # before any schema change, instead of in production traffic. DEPLOY_CHECK=0 skips it.
    if [[ "${DEPLOY_CHECK:-1}" == "1" ]]; then
        log "manage.py check --deploy --fail-level WARNING"
        python manage.py check --deploy --fail-level WARNING
    fi
}

role="${1:-web}"
if [[ $# -gt 0 ]]; then shift; fi

case "$role" in
web)
    if [[ "${MIGRATE_ON_START:-0}" == "1" ]]; then
        # Only for single-instance setups: with several app replicas use the one-shot `migrate` role.
        log "MIGRATE_ON_START=1: applying migrations before starting the server"
        python manage.py migrate --noinput
    fi
    workers=$(web_concurrency)
    level=$(printf '%s' "${LOG_LEVEL:-info}" | tr '[:upper:]' '[:lower:]')
    access_log=(--no-access-log)
    if [[ "${WEB_ACCESS_LOG:-0}" == "1" ]]; then access_log=(--access-log); fi
    log "granian (WSGI) with ${workers} worker(s) x ${WEB_THREADS:-4} threads; trusted proxies: ${FORWARDED_ALLOW_IPS:-127.0.0.1}"
    if [[ "$workers" -gt 1 || -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]]; then
        # /metrics adds up every worker process's SOS histogram and request counts (docs/operations.md).
        export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus}"
        rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    fi
    # Why Granian serving WSGI, and each flag: deploy/web-server.md. The client address behind the proxy comes
    # from X-Forwarded-For when the peer is in FORWARDED_ALLOW_IPS (config/proxy_headers.py).
    exec granian --interface wsgi config.wsgi:application \
        --host "${BIND_HOST:-0.0.0.0}" --port "${PORT:-8000}" \
        --workers "$workers" \
        --blocking-threads "${WEB_THREADS:-4}" \
        --respawn-failed-workers \
        --workers-kill-timeout "${WEB_GRACEFUL_TIMEOUT:-20}" \
        --log-level "$level" \
        "${access_log[@]}" \
        "$@"
    ;;
worker)
    backend="${TASKS_BACKEND:-database}"
    case "$backend" in
    database)
        exec python manage.py run_worker --queue-name "*" "$@"
        ;;
    rq)
        # django-tasks-rq (0.12) has no worker of its own: it runs on django-rq's `rqworker`, which
        # needs `django_rq` in INSTALLED_APPS and RQ_QUEUES for every queue, and must be given the
        # backend's job class. --with-scheduler moves tasks with run_after to their queue when due;
        # RQ lets one worker at a time hold each queue's scheduler lock, so every replica may pass it.
        # Queue order is priority order: a worker always drains the first queue before the next.
        # WORKER_CLASS: rq's SimpleWorker runs each task in the worker process itself. rq's default Worker
        # forks a child per task, which costs more CPU than most of these tasks (a kick, a batch of
        # sends); a task that dies takes the worker with it, and the container restarts it. The outbox's
        # leases and the kicks' safety net pick up what a dead worker held (docs/operations.md).
        read -r -a queues <<<"${WORKER_QUEUES:-inbound default notify bulk}"
        exec python manage.py rqworker --job-class django_tasks_rq.Job \
            --worker-class "${WORKER_CLASS:-rq.worker.SimpleWorker}" --with-scheduler \
            "${queues[@]}" "$@"
        ;;
    immediate)
        log "TASKS_BACKEND=immediate runs tasks inside the web process; a worker has nothing to do."
        log "Use TASKS_BACKEND=rq (several machines) or database (one machine)."
        exit 64
        ;;
    *)
        log "unknown TASKS_BACKEND=${backend}"
        exit 64
        ;;
    esac
    ;;
scheduler)
    exec python manage.py run_scheduler "$@"
    ;;
migrate)
    run_deploy_check
    log "manage.py migrate --noinput"
    python manage.py migrate --noinput
    log "manage.py load_reference"
    exec python manage.py load_reference "$@"
    ;;
manage)
    exec python manage.py "$@"
    ;;
healthcheck)
    # The app answers only for ALLOWED_HOSTS and redirects plain http to https unless the proxy says
    # the original request was https, so the probe presents itself as the proxy would.
    exec python - "$@" <<'PY'
import json, os, sys, urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = os.environ.get("HEALTHCHECK_HOST") or next((h for h in hosts if "*" not in h), "localhost")
req = urllib.request.Request(
    "http://127.0.0.1:8000/healthz",
    headers={"Host": host, "X-Forwarded-Proto": "https", "Accept": "application/json"},
)
try:
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 (fixed loopback URL)
        body = resp.read(4096)
        ok = resp.status == 200
except Exception as exc:  # any failure is "unhealthy"; print why for `docker inspect`
    print(f"unhealthy: {exc}")
    sys.exit(1)
try:
    print(json.dumps(json.loads(body)))
except ValueError:
    print(body[:200])
sys.exit(0 if ok else 1)
PY
    ;;
*)
    # Anything else runs as given (e.g. `bash`, `python`), still as the unprivileged user.
    exec "$role" "$@"
    ;;
esac
