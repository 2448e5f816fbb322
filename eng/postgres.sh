#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks, from Debian's `postgresql` package: its own data
# folder, listening on 127.0.0.1 only, trust authentication for the local superuser `postgres`.
#
#   eng/postgres.sh start DIR PORT   initialises DIR/data if needed, starts the server, prints its connection string
#   eng/postgres.sh stop DIR         stops it (fast shutdown) and deletes DIR
#
# POSTGRES_OPTIONS: more server options for start, e.g. "-c shared_preload_libraries=pg_stat_statements".
#
# initdb and postgres refuse to run as root; as root they run as the `postgres` user the package creates.
set -euo pipefail

command=${1:?usage: eng/postgres.sh start DIR PORT | stop DIR}
dir=$(realpath -m "${2:?the data folder is required}")

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /: the postgres user may not be allowed into the folder this script was started from.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

case "$command" in
  start)
    port=${3:?the port is required}
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres:postgres "$dir"
    fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # Sockets in the folder (not /var/run/postgresql, which may not exist); TCP on 127.0.0.1 only.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 ${POSTGRES_OPTIONS:-}" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "postgres.sh: unknown command '$command'" >&2
    exit 2
    ;;
esac
