#!/usr/bin/env bash
# Statements and commits per background execution with the PostgreSQL store, as PostgreSQL itself counts them
# (pg_stat_statements calls, pg_stat_database xact_commit), over every execution accepted in a short wrk run and then
# run to its end. One sample server (samples/Shop, ApiRoutes__Store__Provider=PostgreSql) on a fresh database of a
# throwaway server from eng/postgres.sh, per load: LOADS lists "THREADS:CONNECTIONS" pairs (one connection: each
# write is a transaction of its own; many: the group commit batches them). The route is /api/record-visit, whose
# handler takes no time, so every execution costs its three writes (accepted, running, succeeded) within the run.
# See README.md beside this file. Usage: bash bench/load/pg-statements.sh   (BUILD=0 skips the Release build)
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/load"
LOADS=${LOADS:-"1:1 2:64"}
SECONDS_PER_LOAD=${SECONDS_PER_LOAD:-3}
ROUTE=${ROUTE:-/api/record-visit}
SHOP_DLL="$ROOT/samples/Shop/bin/Release/net10.0/Shop.dll"
WORK=$(mktemp -d /tmp/apiroutes-pgstat.XXXXXX)
PG_DIR=$(mktemp -u /tmp/apiroutes-pgstat-server.XXXXXX) # not under WORK: the server runs as the postgres user
SERVER_PID=""
export ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning

cleanup() {
    if [[ -n $SERVER_PID ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    "$ROOT/eng/postgres.sh" stop "$PG_DIR" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { echo $((20000 + RANDOM % 12000)); }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [[ ${BUILD:-1} != 0 ]]; then
    timeout 240 dotnet build -c Release -nodeReuse:false --nologo "$ROOT/samples/Shop" >"$WORK/build.log" 2>&1 \
        || { tail -n 30 "$WORK/build.log"; exit 1; }
fi

PG=$(POSTGRES_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" \
    "$ROOT/eng/postgres.sh" start "$PG_DIR" "$(free_port)")
pg_field() { tr ';' '\n' <<<"$PG" | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print $2 }'; }
sql() { timeout 60 psql -qtA -F ' ' "host=$(pg_field Host) port=$(pg_field Port) user=$(pg_field Username) dbname=$1" -c "$2"; }
echo "== statements and commits per execution, PostgreSQL store, POST $ROUTE for ${SECONDS_PER_LOAD} s per load" \
    "($(psql --version | awk '{ print $3 }'), load average $(cut -d' ' -f1-3 /proc/loadavg))"

for load in $LOADS; do
    threads=${load%%:*} connections=${load##*:}
    database="pgstat_$RANDOM"
    sql postgres "CREATE DATABASE $database" >/dev/null
    sql "$database" "CREATE EXTENSION pg_stat_statements" >/dev/null
    port=$(free_port)
    env ApiRoutes__Store__Provider=PostgreSql \
        ConnectionStrings__ApiRoutes="$(sed "s/Database=[^;]*/Database=$database/" <<<"$PG")" \
        ApiRoutes__Background__MaxQueueLength=10000000 ApiRoutes__ShutdownDrainTimeout=00:00:05 \
        XDG_DATA_HOME="$WORK/data" dotnet "$SHOP_DLL" --urls "http://127.0.0.1:$port" >>"$WORK/server-$load.log" 2>&1 &
    SERVER_PID=$!
    for ((i = 0; i < 600; i++)); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/api/hello" && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server-$load.log"; exit 1; }
        sleep 0.05
    done
    # Counted from here: what start-up wrote (schema, registration) is not an execution's.
    sql "$database" "SELECT pg_stat_statements_reset()" >/dev/null
    commits0=$(sql "$database" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    timeout $((SECONDS_PER_LOAD + 30)) wrk -t"$threads" -c"$connections" -d"${SECONDS_PER_LOAD}s" -s "$HERE/post.lua" \
        "http://127.0.0.1:$port$ROUTE" >"$WORK/wrk-$load.txt" 2>&1
    accepted=$(awk '$1 == "status" && $2 == 202 { n += $3 } END { print n + 0 }' "$WORK/wrk-$load.txt")
    # Every accepted execution runs to its end (bounded: at most 60 s).
    for ((i = 0; i < 600; i++)); do
        read -r rows open < <(sql "$database" "SELECT count(*), count(*) FILTER (WHERE status <> 'Succeeded') FROM apiroutes_executions")
        ((open == 0)) && break
        sleep 0.1
    done
    # Stopped first: a server's connections report their counts when they close (PostgreSQL may hold them up to 10 s
    # otherwise). The stop's own statements (unregistering) count too, once per run.
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    sleep 1
    # Only the server's statements count, not this script's (it reads pg_stat_* and counts unfinished rows).
    mine="s.query NOT LIKE '%pg_stat%' AND s.query NOT LIKE '%count(*) FILTER%'"
    statements=$(sql "$database" "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND $mine")
    commits1=$(sql "$database" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    # This script's own transactions since commits0: that read, each count of unfinished rows, the statements read.
    commits=$((commits1 - commits0 - (i + 1) - 2))
    printf '  %s threads, %s connections: %d executions (%d 202s), %d unfinished; %d statements, %d commits:' \
        "$threads" "$connections" "$rows" "$accepted" "$open" "$statements" "$commits"
    awk -v s="$statements" -v c="$commits" -v n="$rows" 'BEGIN { printf " %.3f statements and %.3f commits per execution\n", s / n, c / n }'
    sql "$database" "SELECT calls, left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND $mine ORDER BY calls DESC LIMIT 8" \
        | sed 's/^/      /'
done
