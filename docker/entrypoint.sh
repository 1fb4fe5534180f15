#!/bin/sh
# One image, several roles. The role is the first argument; anything else is run as is.
set -eu
role="${1:-web}"
case "$role" in
  web)
    # Model calls a web process waits on at once: all its threads but one, which stays free
    # for pages whatever the models do (deployments/services/model_calls.py).
    export INFERENCE_CALLS_PER_PROCESS="${INFERENCE_CALLS_PER_PROCESS:-$(( ${WEB_THREADS:-4} - 1 ))}"
    exec gunicorn marketplace.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --threads "${WEB_THREADS:-4}" \
      --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" ;;
  migrate)
    exec python manage.py migrate --noinput ;;
  worker-harvest)
    exec celery -A marketplace worker -Q harvest -n "harvest@%h" --concurrency "${WORKER_CONCURRENCY:-2}" ;;
  worker-deploy)
    exec celery -A marketplace worker -Q deploy,default -n "deploy@%h" --concurrency "${WORKER_CONCURRENCY:-4}" ;;
  worker-sync)
    exec celery -A marketplace worker -Q sync -n "sync@%h" --concurrency "${WORKER_CONCURRENCY:-2}" ;;
  worker-monitoring)
    # Drift checks, pruning and the sandbox's sample traffic (docs/mlops.md).
    exec celery -A marketplace worker -Q monitoring -n "monitoring@%h" --concurrency "${WORKER_CONCURRENCY:-2}" ;;
  beat)
    exec celery -A marketplace beat -s /tmp/celerybeat-schedule ;;
  sandbox)
    exec python -m deployments.sandbox --nomad-port 4646 --oscar-port 8088 --host 0.0.0.0 ;;
  *)
    exec "$@" ;;
esac
