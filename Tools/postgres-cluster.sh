#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for the SSEPostgres tests and benchmarks.
#
#   eval "$(Tools/postgres-cluster.sh start)"   # prints: export SSE_POSTGRES_URL=... SSE_POSTGRES_DIR=...
#   Tools/postgres-cluster.sh stop "$SSE_POSTGRES_DIR"
#
# `start` runs `initdb` and `pg_ctl` in a fresh temporary folder, on a free TCP port on 127.0.0.1,
# with the socket directory inside that folder (-k) and trust authentication for local TCP. It runs
# the server as the `postgres` user when the script runs as root (initdb refuses root), and
# installs PostgreSQL with apt when no server binaries are found. It keeps PostgreSQL's durability
# defaults (fsync and synchronous_commit on). The server also accepts TLS, with a certificate for
# 127.0.0.1 and localhost signed by a throwaway authority whose PEM file `start` exports as
# SSE_POSTGRES_CA (for `?sslmode=verify-full&sslrootcert=...` URLs). `stop` stops the server and
# removes the folder.
# Exits non-zero, with the reason on stderr, when it cannot start a server; Tools/test.sh turns
# that into a failure under CI=true.
set -euo pipefail

find_bin() {
    local dir
    for dir in ${PG_BIN:-} /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

# Makes a throwaway certificate authority and a server certificate it signs for 127.0.0.1 and
# localhost, in $1: ca.pem, server.crt and server.key (readable only by the server's user).
make_certificates() {
    local dir="$1"
    command -v openssl >/dev/null || { echo "postgres-cluster: openssl is needed for the TLS certificates" >&2; exit 1; }
    {
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=swift-sse test authority" \
            -keyout "$dir/ca.key" -out "$dir/ca.pem" &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" &&
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/server.ext" &&
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
            -extfile "$dir/server.ext" -out "$dir/server.crt"
    } >"$dir/openssl.log" 2>&1 || { echo "postgres-cluster: could not make certificates:" >&2; cat "$dir/openssl.log" >&2; exit 1; }
    rm -f "$dir/ca.key" "$dir/ca.srl" "$dir/server.csr" "$dir/server.ext"
    chmod 600 "$dir/server.key"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir/server.key" "$dir/server.crt"; fi
}

run_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local bin
    if ! bin=$(find_bin); then
        echo "postgres-cluster: installing PostgreSQL with apt" >&2
        local sudo=""
        if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
        { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null; } >&2 ||
            { echo "postgres-cluster: could not install PostgreSQL" >&2; exit 1; }
        bin=$(find_bin) || { echo "postgres-cluster: no initdb/pg_ctl after installing PostgreSQL" >&2; exit 1; }
    fi
    local dir port
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sse-postgres.XXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    make_certificates "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if ! run_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
        echo "postgres-cluster: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1
    fi
    if ! run_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300 -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >/dev/null 2>&1; then
        echo "postgres-cluster: the server did not start:" >&2; cat "$dir/server.log" >&2 || true; exit 1
    fi
    echo "export SSE_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export SSE_POSTGRES_DIR=$dir"
    echo "export SSE_POSTGRES_CA=$dir/ca.pem"
}

stop() {
    local dir="${1:?usage: postgres-cluster.sh stop DIR}" bin
    bin=$(find_bin) || true
    if [ -n "$bin" ] && [ -d "$dir/data" ]; then
        run_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in
        */sse-postgres.*) rm -rf "$dir" ;;
        *) echo "postgres-cluster: refusing to remove $dir" >&2; exit 1 ;;
    esac
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
