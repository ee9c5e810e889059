#!/bin/sh
# Start a throwaway PostgreSQL server for tests/bot/test_digest_postgres.py and print its URL.
#
#   export POLICYBOT_TEST_POSTGRES_URL="$(sh tests/postgres_server.sh)"
#   sh tests/postgres_server.sh stop
#
# Run as root on Debian: installs Debian's `postgresql` package when missing, then runs a
# cluster of its own (initdb in $PGTEST_DIR, owned by the `postgres` user) on 127.0.0.1 at a
# fixed port, trusting local connections, and creates the database. Running it again while the
# server is up prints the URL again. Only the URL goes to stdout; progress goes to stderr.
set -eu

PORT="${PGTEST_PORT:-54329}"
DIR="${PGTEST_DIR:-/tmp/policybot-postgres}"
DB="${PGTEST_DB:-policybot_test}"
USER_NAME=postgres
URL="postgresql+psycopg://${USER_NAME}@127.0.0.1:${PORT}/${DB}"

say() { echo "postgres_server: $*" >&2; }

bindir() {
    # The newest installed major version's programs (initdb, pg_ctl are not on PATH on Debian).
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        su "$USER_NAME" -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}

BIN="$(bindir)"
if [ "${1:-start}" = "stop" ]; then
    if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
        as_postgres "'$BIN/pg_ctl' -D '$DIR/data' -m fast -w stop" >&2
    fi
    exit 0
fi

if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    if [ "$(id -u)" != "0" ]; then
        say "PostgreSQL is not installed and installing it needs root"
        exit 1
    fi
    say "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    BIN="$(bindir)"
fi

if ! id "$USER_NAME" >/dev/null 2>&1; then
    say "no '$USER_NAME' user: the postgresql package creates it"
    exit 1
fi

mkdir -p "$DIR"
chown "$USER_NAME" "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
    say "creating a cluster in $DIR/data"
    as_postgres "'$BIN/initdb' -D '$DIR/data' -U '$USER_NAME' --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null"
fi

if ! as_postgres "'$BIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
    say "starting on 127.0.0.1:$PORT"
    # Sockets in the data folder: the Debian default (/var/run/postgresql) may not exist here.
    as_postgres "'$BIN/pg_ctl' -D '$DIR/data' -l '$DIR/server.log' -w -t 60 \
        -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$DIR' -c fsync=off -c max_connections=100\" start" >&2
fi

if ! as_postgres "'$BIN/psql' -h 127.0.0.1 -p $PORT -U '$USER_NAME' -d postgres -tAc \
        \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" | grep -q 1; then
    as_postgres "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U '$USER_NAME' '$DB'"
fi

echo "$URL"
