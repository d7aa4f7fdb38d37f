#!/usr/bin/env bash
# `make run`: migrate, set up the demo on first run, then serve the web app,
# the django-q2 cluster (schedules) and one dispatch loop (sending) together.
# Ctrl-C or SIGTERM stops all three within 10 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Seconds the children get to stop by themselves before they are killed.
STOP_GRACE=${STOP_GRACE:-7}
export DEBUG=${DEBUG:-1}
# Links in messages (and Twilio's signature check) name the address we serve on.
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}
# The demo sends about a thousand emails on its first sweep: to files, not the terminal.
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
export EMAIL_FILE_PATH=${EMAIL_FILE_PATH:-var/sent-mail}

# Each child runs in a process group of its own (job control), so stopping it
# reaches everything it started (qcluster's worker processes too), and a
# Ctrl-C in the terminal reaches only this script, which stops them in order.
set -m
pids=()
stop() {
    # Ctrl-C or SIGTERM: a clean stop (0); a failed step or child: its status.
    local status=${1:-$?}
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    # django-q2's cluster can hang on SIGTERM (django-q2 #346): wait a little,
    # then kill whatever is left. Every child is safe to kill.
    for _ in $(seq $((STOP_GRACE * 10))); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    exit "$status"
}
trap 'stop 0' INT TERM
trap stop EXIT

# In the background and waited for, so that a signal stops them at once too.
$PY manage.py migrate --noinput &
pids+=($!)
wait $!
$PY manage.py demo_setup &
pids+=($!)
wait $!

$PY manage.py qcluster &
pids+=($!)
$PY manage.py dispatch --loop &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

cat <<MSG

  Proactive Care is running.
    Admin:    http://$HOST:$PORT/admin/   (local demo only: admin / admin, and one login per role,
              care / care, senior / senior, marketer / marketer, manager / manager; docs/demo.md)
    API docs: http://$HOST:$PORT/api/v1/docs
    Emails:   written to $EMAIL_FILE_PATH, SMS to this terminal; every message is in the admin's message log.
  Press Ctrl-C to stop the web server, the scheduler and the sender.

MSG
# Stop everything as soon as any process exits.
wait -n
