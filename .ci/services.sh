#!/usr/bin/env bash
# Throwaway PostgreSQL 15 + Redis for the test suite, on 127.0.0.1 and free ports.
#
#   .ci/services.sh start   # start both, write var/test-services.env (export lines)
#   .ci/services.sh stop    # stop both, remove temp dirs (idempotent)
#   .ci/services.sh env     # print the env file
#
# Knobs: BRIDGEPOINT_PG_BIN (dir with initdb/pg_ctl; no lookup or install when set),
#        BRIDGEPOINT_REDIS_SERVER (path to redis-server; likewise).
# A server that cannot be started fails the run when CI=true; otherwise its URL is
# left unset and the tests needing it skip.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
ENV_FILE="$VAR/test-services.env"
STATE_FILE="$VAR/test-services.state"
DB_NAME=bridgepoint_test
PG_SUPERUSER=postgres

log()  { echo "services: $*" >&2; }
fail() {  # a server could not be started
    if [ "${CI:-}" = true ]; then log "ERROR: $* (CI=true: failing)"; cmd_stop; exit 1; fi
    log "WARNING: $* -- tests needing it will be skipped"
    return 1
}

APT_UPDATED=
apt_install() {
    command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || { log "cannot install $* (need root + apt-get)"; return 1; }
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$APT_UPDATED" ]; then apt-get update -qq >&2 || return 1; APT_UPDATED=1; fi
    log "installing $*"
    apt-get install -y -qq --no-install-recommends "$@" >&2
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- PostgreSQL
find_pg_bin() {
    if [ -n "${BRIDGEPOINT_PG_BIN:-}" ]; then
        [ -x "$BRIDGEPOINT_PG_BIN/initdb" ] && echo "$BRIDGEPOINT_PG_BIN"; return
    fi
    local d
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"; return
    fi
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    d="$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/initdb$' | head -n1)"
    [ -n "$d" ] && { dirname "$d"; return; }
    apt_install postgresql >/dev/null || return
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
}

# Run a command as the owner of the cluster (initdb refuses to run as root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

start_postgres() {
    local bin port dir i
    bin="$(find_pg_bin)"
    [ -n "$bin" ] || { fail "PostgreSQL binaries (initdb/pg_ctl) not found"; return; }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres || { fail "cannot create user postgres"; return; }
    fi
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bridgepoint-pg.XXXXXX")" || { fail "mktemp failed"; return; }
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    echo "PG_DIR=$dir" >>"$STATE_FILE"
    echo "PG_BIN=$bin" >>"$STATE_FILE"
    port="$(free_port)"

    as_pg "$bin/initdb" -D "$dir/data" -U "$PG_SUPERUSER" -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; fail "initdb failed"; return; }
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start >/dev/null 2>&1 \
        || { tail -n 20 "$dir/postgres.log" >&2; fail "PostgreSQL did not start"; return; }
    for ((i = 0; i < 60; i++)); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
        sleep 0.5
    done
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || { fail "PostgreSQL not accepting connections on port $port"; return; }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" "$DB_NAME" || { fail "createdb $DB_NAME failed"; return; }
    log "PostgreSQL ($("$bin/postgres" --version | awk '{print $3}')) on 127.0.0.1:$port, data in $dir"
    echo "export BRIDGEPOINT_TEST_POSTGRES_URL=postgresql+asyncpg://$PG_SUPERUSER@127.0.0.1:$port/$DB_NAME" >>"$ENV_FILE"
}

stop_postgres() {
    local dir="$1" bin="$2" pid
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
            pid="$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null)"
            [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
        }
    fi
    rm -rf "$dir"
}

# ---------------------------------------------------------------- Redis
find_redis() {
    if [ -n "${BRIDGEPOINT_REDIS_SERVER:-}" ]; then
        [ -x "$BRIDGEPOINT_REDIS_SERVER" ] && echo "$BRIDGEPOINT_REDIS_SERVER"; return
    fi
    command -v redis-server || { apt_install redis-server >/dev/null && command -v redis-server; }
}

redis_ping() {  # port -> 0 when the server answers PONG
    if command -v redis-cli >/dev/null; then
        [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
    else
        exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || return 1
        printf 'PING\r\n' >&3; local r; read -r -t 2 r <&3; exec 3>&-
        [ "${r%$'\r'}" = +PONG ]
    fi
}

start_redis() {
    local server port dir i
    server="$(find_redis)"
    [ -n "$server" ] || { fail "redis-server not found"; return; }
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bridgepoint-redis.XXXXXX")" || { fail "mktemp failed"; return; }
    port="$(free_port)"
    echo "REDIS_DIR=$dir" >>"$STATE_FILE"
    echo "REDIS_PORT=$port" >>"$STATE_FILE"
    "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2 \
        || { fail "redis-server did not start"; return; }
    for ((i = 0; i < 60; i++)); do
        redis_ping "$port" && break
        sleep 0.5
    done
    redis_ping "$port" || { tail -n 20 "$dir/redis.log" >&2; fail "Redis not answering on port $port"; return; }
    log "Redis on 127.0.0.1:$port"
    echo "export BRIDGEPOINT_TEST_REDIS_URL=redis://127.0.0.1:$port/0" >>"$ENV_FILE"
}

stop_redis() {
    local dir="$1" pid i
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    pid="$(cat "$dir/redis.pid" 2>/dev/null)"
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
}

# ---------------------------------------------------------------- commands
cmd_stop() {
    local PG_DIR="" PG_BIN="" REDIS_DIR="" REDIS_PORT=""
    # shellcheck disable=SC1090
    [ -f "$STATE_FILE" ] && . "$STATE_FILE"
    stop_postgres "$PG_DIR" "$PG_BIN"
    stop_redis "$REDIS_DIR"
    rm -f "$STATE_FILE" "$ENV_FILE"
}

cmd_start() {
    cmd_stop
    mkdir -p "$VAR"
    {
        echo "# written by .ci/services.sh start; source this file"
        echo "unset BRIDGEPOINT_TEST_POSTGRES_URL BRIDGEPOINT_TEST_REDIS_URL"
    } >"$ENV_FILE"
    : >"$STATE_FILE"
    start_postgres
    start_redis
    cat "$ENV_FILE"
}

case "${1:-}" in
    start) cmd_start ;;
    stop)  cmd_stop ;;
    env)   [ -f "$ENV_FILE" ] && cat "$ENV_FILE" ;;
    *)     echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
