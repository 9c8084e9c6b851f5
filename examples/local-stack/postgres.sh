#!/bin/sh
# A throwaway PostgreSQL for the example, from Debian's packages: initialised on first start, run
# as the postgres user (PostgreSQL refuses to run as root), listening on loopback only.
set -e
DATA=${EXAMPLE_PGDATA:-/tmp/switchboard-example/postgres}
PORT=${EXAMPLE_PGPORT:-25432}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
mkdir -p "$DATA"
if [ "$(id -u)" = 0 ]; then
    chown postgres "$DATA"
    chmod 700 "$DATA"
    AS="runuser -u postgres --"
else
    AS=""
fi
[ -f "$DATA/PG_VERSION" ] || $AS "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
# The socket (and its lock file) live in the data directory, not a /tmp shared with other runs.
exec $AS "$BIN/postgres" -D "$DATA" -p "$PORT" -k "$DATA" -c listen_addresses=127.0.0.1
