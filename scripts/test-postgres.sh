#!/bin/sh
# A throwaway PostgreSQL for the test suite, from Debian's packages: `start` initialises it on
# first use and starts it on loopback; `stop` stops it. Run as the postgres user when root
# (PostgreSQL refuses to run as root). Durability is off: the cluster lives for one run.
#   scripts/test-postgres.sh start|stop
# Then: SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT/postgres
set -e
DATA=${SWITCHBOARD_TEST_PGDATA:-/tmp/switchboard-test-postgres}
PORT=${SWITCHBOARD_TEST_PGPORT:-25433}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" = 0 ]; then
    AS="runuser -u postgres --"
else
    AS=""
fi
case "$1" in
start)
    mkdir -p "$DATA"
    if [ -n "$AS" ]; then
        chown postgres "$DATA"
    fi
    chmod 700 "$DATA"
    [ -f "$DATA/PG_VERSION" ] || $AS "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
    # The socket (and its lock file) live in the data directory, not a /tmp shared with others.
    $AS "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o \
        "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
        start >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    [ -f "$DATA/postmaster.pid" ] && $AS "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
