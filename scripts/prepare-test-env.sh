#!/usr/bin/env bash
# Makes sure what the tests need is here: Debian's Chromium for the browser tests, and PostgreSQL and Redis
# answering on 127.0.0.1. Installs or starts only what is missing, so it is cheap to run every time.
set -euo pipefail

log() { printf '[prepare] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  log "installing Debian's chromium for the end-to-end tests"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

if ! pg_up; then
  log "starting PostgreSQL"
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { log "PostgreSQL does not answer on 127.0.0.1:5432"; exit 1; }
# The tests use the database "test" with trust auth, as on the development machines.
if command -v psql >/dev/null; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null 2>&1 || true
fi

if ! redis_up; then
  log "starting Redis"
  command -v redis-server >/dev/null || DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
fi
redis_up || { log "Redis does not answer on 127.0.0.1:6379"; exit 1; }
log "chromium, PostgreSQL and Redis are ready"
