#!/bin/sh
# steward/postgres:15 entrypoint: the official postgres image's contract, in brief, for the host's
# own PostgreSQL 15 binaries. On the first start (no PG_VERSION in PGDATA, i.e. a fresh volume)
# initdb makes a cluster whose superuser is POSTGRES_USER with POSTGRES_PASSWORD (scram-sha-256),
# creates POSTGRES_DB, trusts the local socket and asks every TCP client for the password; then
# (and on every later start) it execs the command (`postgres`) as user postgres, in the foreground.
set -eu

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    # A named volume arrives root-owned when the image's directory did not exist in it yet.
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?is not set: the database would have no password}"
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=/tmp/.pg-initdb-pw
    (umask 077 && printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile")
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
    if [ "$db" != postgres ]; then
        # Single-user mode: no server to start and stop just for this.
        echo "CREATE DATABASE \"$db\";" | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    echo "entrypoint: initialised $PGDATA (user $user, database $db)" >&2
fi

exec "$@"
