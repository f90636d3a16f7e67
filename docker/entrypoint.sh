#!/bin/sh
# The image's entry point: every process of the Procfile by name, plus the migration and
# any management command. The command lines are the Procfile's, character for character
# (tests/test_deploy.py compares them); the image sets WEB_HOST=0.0.0.0 and
# DJANGO_SETTINGS_MODULE=config.settings.production. Extra arguments are passed on.
#
#   web | worker | beat | scheduler | relay   one process of the Procfile
#   migrate                                  public schema, type templates, then tenant schemas
#   manage <command> [args...]               python manage.py <command> [args...]
#   alive worker|scheduler|relay [seconds]   liveness: the process went round its loop lately
set -eu

usage() {
    echo "usage: entrypoint.sh web|worker|beat|scheduler|relay|migrate|manage <command> [args...]|alive <process> [seconds]" >&2
}

# The migration runs before anything else at install time, possibly while the database is
# still starting: wait for it (DATABASE_WAIT_SECONDS, default 60) instead of failing at once.
wait_for_database() {
    python -c '
import os, sys, time
import psycopg
deadline = time.monotonic() + float(os.environ.get("DATABASE_WAIT_SECONDS", "60"))
while True:
    try:
        psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5).close()
        break
    except psycopg.OperationalError as error:
        if time.monotonic() > deadline:
            sys.exit(f"database not reachable: {error}")
        print("waiting for the database", file=sys.stderr, flush=True)
        time.sleep(2)
'
}

if [ "$#" -eq 0 ]; then
    usage
    exit 64
fi
process="$1"
shift

case "$process" in
    web)
        exec env DB_POOL_MAX_SIZE=${DB_POOL_MAX_SIZE:-10} uvicorn config.asgi:application --host ${WEB_HOST:-127.0.0.1} --port ${WEB_PORT:-8000} --ws websockets-sansio --ws-per-message-deflate false --lifespan off --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-}" --no-access-log "$@"
        ;;
    worker)
        exec celery --app config worker --loglevel INFO --concurrency ${WORKER_CONCURRENCY:-2} --without-gossip --without-mingle "$@"
        ;;
    beat)
        exec celery --app config beat --loglevel INFO --schedule ${BEAT_SCHEDULE_FILE:-/tmp/complaint-desk-celerybeat-schedule} "$@"
        ;;
    scheduler)
        exec python manage.py run_scheduler "$@"
        ;;
    relay)
        exec python manage.py run_relay "$@"
        ;;
    migrate)
        wait_for_database
        exec python manage.py migrate_tenants --executor multiprocessing "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    alive)
        # The heartbeat file (config/heartbeat.py) is younger than the allowance: a process
        # that is idle still goes round its loop every few seconds; a wedged one does not.
        beat_file="${HEARTBEAT_DIR:-/tmp/complaint-desk-heartbeats}/${1:?which process}.alive"
        [ -f "$beat_file" ] || exit 1
        age=$(( $(date +%s) - $(stat -c %Y "$beat_file") ))
        [ "$age" -le "${2:-60}" ]
        ;;
    *)
        echo "unknown process: $process" >&2
        usage
        exit 64
        ;;
esac
