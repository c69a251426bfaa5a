#!/bin/sh
# PgBouncer in front of the Dagster instance's Postgres: writes its configuration from the
# environment, then runs in the foreground.
#
# Why: Dagster's Postgres storage opens a new connection for every storage call (two to four per
# event). Straight to Postgres each one starts a server process; through PgBouncer it is handed an
# open one (figures in benchmarks/README.md).
#
# Clients log in with md5 by default: SCRAM derives its key with 4096 rounds of PBKDF2 on both ends,
# ~5 ms for every connection here, which would cost more than the pooling saves. The listener is
# reachable only inside the compose network, PgBouncer logs in to Postgres with SCRAM, and
# PGBOUNCER_AUTH_TYPE=scram-sha-256 chooses SCRAM for clients too.
#
# Session pooling: a client keeps its server connection until it disconnects, so session state (the
# statement_timeout the webserver sets on its connections) behaves as on Postgres itself, and the
# connection is reset (DISCARD ALL) before the next client gets it.
set -eu

: "${PGBOUNCER_SERVER_HOST:?set PGBOUNCER_SERVER_HOST (the Postgres host)}"
: "${DAGSTER_POSTGRES_USER:?set DAGSTER_POSTGRES_USER}"
: "${DAGSTER_POSTGRES_PASSWORD:?set DAGSTER_POSTGRES_PASSWORD}"
database=${DAGSTER_POSTGRES_DB:-dagster}
config_dir=${PGBOUNCER_CONFIG_DIR:-/run/pgbouncer}

mkdir -p "$config_dir"
umask 077
# One "user" "password" line; a double quote inside a value is doubled. The plain password lets
# PgBouncer check either login method and log in to Postgres with SCRAM itself.
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
printf '%s %s\n' "$(quoted "$DAGSTER_POSTGRES_USER")" "$(quoted "$DAGSTER_POSTGRES_PASSWORD")" \
    > "$config_dir/userlist.txt"

cat > "$config_dir/pgbouncer.ini" <<INI
[databases]
$database = host=$PGBOUNCER_SERVER_HOST port=${PGBOUNCER_SERVER_PORT:-5432} dbname=$database

[pgbouncer]
listen_addr = ${PGBOUNCER_LISTEN_ADDR:-0.0.0.0}
listen_port = ${PGBOUNCER_LISTEN_PORT:-6432}
unix_socket_dir =
auth_type = ${PGBOUNCER_AUTH_TYPE:-md5}
auth_file = $config_dir/userlist.txt
pool_mode = session
server_reset_query = DISCARD ALL
; Open server connections per database and user. The webserver keeps up to three idle ones (one
; per storage); run workers and the daemon hold theirs only for one storage call.
default_pool_size = ${PGBOUNCER_POOL_SIZE:-40}
max_client_conn = 500
INI

exec pgbouncer "$config_dir/pgbouncer.ini"
