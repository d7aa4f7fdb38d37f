#!/usr/bin/env bash
# `make run`: migrate, set up the demo on first run, then serve the web app and
# the django-q2 cluster together. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
# The demo sends about a thousand emails on its first sweep: to files, not the terminal.
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
export EMAIL_FILE_PATH=${EMAIL_FILE_PATH:-var/sent-mail}

$PY manage.py migrate --noinput
$PY manage.py demo_setup

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

cat <<MSG

  Proactive Care is running.
    Admin:    http://$HOST:$PORT/admin/   (local demo only: admin / admin, and one login per role,
              care / care, senior / senior, marketer / marketer, manager / manager; docs/demo.md)
    API docs: http://$HOST:$PORT/api/v1/docs
    Emails:   written to $EMAIL_FILE_PATH, SMS to this terminal; every message is in the admin's message log.
  Press Ctrl-C to stop the web server and the scheduler.

MSG
# Stop everything as soon as either process exits.
wait -n
