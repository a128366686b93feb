#!/usr/bin/env bash
# Scale-out check: two app servers and two huey consumers on one PostgreSQL and one Redis,
# behind haproxy (round-robin, no stickiness). See docs/operations.md, "Scale-out check".
#
#   scripts/scaleout/run.sh            # or: make scaleout
#
# Environment (all optional):
#   PYTHON              interpreter with the platform installed (default: .venv/bin/python)
#   SCALEOUT_PG         PostgreSQL server URL without a database (postgres://postgres@127.0.0.1:5432)
#   SCALEOUT_DB         database to (re)create (yiwang_scaleout)
#   SCALEOUT_REDIS      Redis URL of the queue, cache and sessions (redis://127.0.0.1:6379/3; flushed)
#   SCALEOUT_PORT       proxy port (18480); the app servers take the next two
#   SCALEOUT_DIR        working folder with the shared var/ and media/ and the logs (a new temp dir)
#   SCALEOUT_SUBMISSIONS, SCALEOUT_CONCURRENCY   the kill -9 load (200, 8)
#   SCALEOUT_KEEP=1     leave the database and working folder for inspection
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
PG="${SCALEOUT_PG:-postgres://postgres@127.0.0.1:5432}"
DB="${SCALEOUT_DB:-yiwang_scaleout}"
REDIS="${SCALEOUT_REDIS:-redis://127.0.0.1:6379/3}"
PORT="${SCALEOUT_PORT:-18480}"
APP1_PORT=$((PORT + 1))
APP2_PORT=$((PORT + 2))
WORK="${SCALEOUT_DIR:-$(mktemp -d /tmp/yiwang-scaleout.XXXXXX)}"
mkdir -p "$WORK/var" "$WORK/media" "$WORK/logs"

export PGOPTIONS="-c client_min_messages=warning"
log() { printf '[scaleout] %s\n' "$*" >&2; }

# --- haproxy from Debian ------------------------------------------------------------------------
if ! command -v haproxy >/dev/null; then
  log "installing haproxy (apt-get)"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get install -y haproxy >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y haproxy >/dev/null; }
fi
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"

# --- one environment for every process ------------------------------------------------------------
export DJANGO_SETTINGS_MODULE=yiwang.settings
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export DATABASE_URL="$PG/$DB"
export REDIS_URL="$REDIS"
export YIWANG_VAR_DIR="$WORK/var"            # secrets generated once in var/keys, shared by all
export YIWANG_MEDIA_ROOT="$WORK/media"       # the shared storage (NFS or S3 in production)
export YIWANG_STATIC_ROOT="$WORK/var/static"
export YIWANG_DEMO=true
export YIWANG_HUEY_IMMEDIATE=false
export YIWANG_HUEY_NAME="yiwang-scaleout"
export YIWANG_AUDIT_ANCHOR_MINUTES=1         # a periodic task every minute, to count its runs
export YIWANG_PROXY_IPS=127.0.0.1
export YIWANG_ALLOWED_HOSTS=127.0.0.1,localhost
export YIWANG_SITE_URL="http://127.0.0.1:$PORT"
export YIWANG_LOG_LEVEL=INFO
export YIWANG_SMS_BACKEND=file YIWANG_EMAIL_BACKEND=file

PIDS=()
cleanup() {
  local code=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  if [[ "${SCALEOUT_KEEP:-0}" != 1 ]]; then
    psql "$PG/postgres" -qAt -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  else
    log "kept $WORK and database $DB"
  fi
  exit "$code"
}
trap cleanup EXIT INT TERM

# start NAME CMD...: in its own process group, so kill -9 -PGID takes the master and its workers.
start() {
  local name=$1; shift
  setsid "$@" >"$WORK/logs/$name.log" 2>&1 &
  PIDS+=($!)
  echo $! >"$WORK/$name.pid"
  disown $!  # the kill -9 is on purpose: no "Killed" job notice
}

# --- fresh database and queue, migrated and seeded once ------------------------------------------
log "database $DB on $PG, Redis $REDIS, working folder $WORK"
psql "$PG/postgres" -qAt -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql "$PG/postgres" -qAt -c "CREATE DATABASE $DB" >/dev/null
"$PYTHON" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
cd "$ROOT"
"$PYTHON" manage.py migrate --noinput -v 0
"$PYTHON" manage.py seed_demo --if-empty -v 0 >"$WORK/logs/seed.log" 2>&1
"$PYTHON" manage.py collectstatic --noinput -v 0

# --- two app servers (gunicorn as `manage.py serve` runs it) and two consumers -------------------
GUNICORN=(-m gunicorn yiwang.wsgi:application --workers "${SCALEOUT_WEB_WORKERS:-1}" --threads 4
          --timeout 60 --access-logfile - --forwarded-allow-ips 127.0.0.1)
control() {  # gunicorn >= 25 opens a control socket at one default path: one per server here
  if "$PYTHON" -m gunicorn --help 2>/dev/null | grep -q -- "--control-socket "; then echo --control-socket "$WORK/$1.ctl"; fi
}
start app1 "$PYTHON" "${GUNICORN[@]}" --bind "127.0.0.1:$APP1_PORT" $(control app1)
start app2 "$PYTHON" "${GUNICORN[@]}" --bind "127.0.0.1:$APP2_PORT" $(control app2)
start huey1 "$PYTHON" manage.py run_huey --workers 1   # both with the scheduler on: the guard
start huey2 "$PYTHON" manage.py run_huey --workers 1   # in core/periodic.py makes runs single

cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 5s
    retries 2
    option redispatch
frontend yiwang
    bind 127.0.0.1:$PORT
    default_backend apps
backend apps
    balance roundrobin
    option httpchk GET /healthz
    http-request set-header X-Forwarded-For %[src]
    http-response set-header X-Yiwang-Server %[srv_name]
    server app1 127.0.0.1:$APP1_PORT check inter 1s fall 2 rise 2
    server app2 127.0.0.1:$APP2_PORT check inter 1s fall 2 rise 2
EOF
"$HAPROXY" -c -q -f "$WORK/haproxy.cfg"
start haproxy "$HAPROXY" -db -f "$WORK/haproxy.cfg"

log "waiting for both app servers"
for port in "$APP1_PORT" "$APP2_PORT"; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 1
  done
done

"$PYTHON" "$ROOT/scripts/scaleout/drive.py" \
  --proxy "http://127.0.0.1:$PORT" --work "$WORK" \
  --submissions "${SCALEOUT_SUBMISSIONS:-200}" --concurrency "${SCALEOUT_CONCURRENCY:-8}"
