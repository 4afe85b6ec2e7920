#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 server for the tests: a temporary data directory owned
# by the postgres user, a free port on 127.0.0.1, password (SCRAM) authentication for TCP.
#
#   eval "$(scripts/test-postgres.sh start)"   # exports SANDCASTLE_TEST_POSTGRES_URL and _DIR
#   scripts/test-postgres.sh stop "$SANDCASTLE_TEST_POSTGRES_DIR"
#
# Tests run with fsync=off (faster, nothing to lose); set POSTGRES_FSYNC=on for benchmarks.
set -euo pipefail

bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    done
    echo "error: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2
    exit 1
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    BIN=$(bin_dir)
    DIR=$(mktemp -d /tmp/sandcastle-pg.XXXXXX)
    PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    printf '%s\n' "$PASSWORD" > "$DIR/.pw"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR/.pw"
    as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/.pw" --auth-host=scram-sha-256 --auth-local=trust -E UTF8 >"$DIR/initdb.log" 2>&1
    rm -f "$DIR/.pw"
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=${POSTGRES_FSYNC:-off} -c max_connections=200" start >/dev/null
    echo "export SANDCASTLE_TEST_POSTGRES_URL='postgres://postgres:$PASSWORD@127.0.0.1:$PORT/postgres'"
    echo "export SANDCASTLE_TEST_POSTGRES_DIR='$DIR'"
    ;;
stop)
    DIR=${2:?usage: test-postgres.sh stop DIR}
    BIN=$(bin_dir)
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
