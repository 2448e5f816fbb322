#!/usr/bin/env bash
# A/B of the durable 202 in the steady state, per accepted execution: two builds of the sample (A, B) alternate, a fresh
# server for every run (SQLite store in a temporary folder), a 4 s warm-up (WARMUP_SECONDS), then 5 s of wrk -t2 -c64 on
# POST /api/record-visit (as bench/load section 4b). Prints, per run: accepted/s, p99, the server's CPU and context
# switches per accepted execution, and (perf stat, when allowed) fsync, pwrite, sched_yield and futex calls per
# execution, with the load average. SLOW_FSYNC_US=N adds N µs to every fsync/fdatasync of the server (slow-fsync/,
# built with gcc into the temporary folder): a slow disk flush, as an idle virtual CPU's wake-up makes it on a quiet
# machine; with STORE_DIR=/dev/shm (a tmpfs, where fsync itself costs nothing) the flush is that delay alone, not the
# shared disk's. CONNECTIONS (64) sets wrk's connections (1: one thread); NICE (0) the server's and wrk's niceness
# (-10: ahead of the other work on a shared machine); ROUTE (/api/record-visit; /api/generate-report: section 4, a backlog). Usage: bash bench/load/store-ab.sh A.dll B.dll [PAIRS] [STORE]
# (STORE: Sqlite, default, or InMemory)
set -euo pipefail
export LC_ALL=C ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
A=$1 B=$2 PAIRS=${3:-3} STORE=${4:-Sqlite} SECONDS_PER_RUN=5 WARMUP_SECONDS=${WARMUP_SECONDS:-4} CONNECTIONS=${CONNECTIONS:-64} NICE=${NICE:-0}
TMP=$(mktemp -d "${STORE_DIR:-/tmp}/apiroutes-store-ab.XXXXXX")
PID=""
cleanup() {
    if [[ -n $PID ]]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
PRELOAD=()
if [[ -n ${SLOW_FSYNC_US:-} ]]; then
    gcc -shared -fPIC -O2 -o "$TMP/slow-fsync.so" "$HERE/slow-fsync/slow-fsync.c" -ldl
    PRELOAD=(LD_PRELOAD="$TMP/slow-fsync.so" SLOW_FSYNC_US="$SLOW_FSYNC_US")
fi

ticks() { local f; read -r -a f <"/proc/$PID/stat"; echo $((f[13] + f[14])); }
switches() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n }'; }

# run LABEL DLL: one fresh server, warm-up, measured run; prints one line.
run() {
    local label=$1 dll=$2 port=$((20000 + RANDOM % 12000)) dir i t0 t1 c0 c1 n seconds p99 calls load
    dir=$(mktemp -d "$TMP/run.XXXXXX")
    (cd "$(dirname "$dll")" && exec env ApiRoutes__Store__Path="$dir/executions.db" XDG_DATA_HOME="$dir/data" \
        ApiRoutes__Store__Provider="$STORE" ApiRoutes__Background__MaxConcurrency=1024 \
        ApiRoutes__Background__MaxQueueLength=10000000 ApiRoutes__ShutdownDrainTimeout=00:00:01 "${PRELOAD[@]}" \
        nice -n "$NICE" dotnet "$dll" --urls "http://127.0.0.1:$port") >"$dir/server.log" 2>&1 &
    PID=$!
    for ((i = 0; i < 300; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$port/api/hello" && break
        sleep 0.05
    done
    local url="http://127.0.0.1:$port${ROUTE:-/api/record-visit}"
    timeout $((WARMUP_SECONDS + 30)) wrk -t1 -c8 -d"${WARMUP_SECONDS}s" -s "$HERE/post.lua" "$url" >"$dir/warm.txt" 2>&1
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(ticks) c0=$(switches)
    (perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_pwrite64,syscalls:sys_enter_sched_yield,syscalls:sys_enter_futex \
        -p "$PID" -o "$dir/stat.txt" -- sleep "$SECONDS_PER_RUN" >/dev/null 2>&1 || true) &
    local stat=$!
    timeout $((SECONDS_PER_RUN + 30)) nice -n "$NICE" wrk -t$((CONNECTIONS > 1 ? 2 : 1)) -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$HERE/post.lua" "$url" >"$dir/wrk.txt" 2>&1
    t1=$(ticks) c1=$(switches)
    wait "$stat" || true
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
    n=$(awk '$1 == "status" && $2 == 202 { print $3 }' "$dir/wrk.txt")
    seconds=$(awk '/requests in/ { for (i = 1; i <= NF; i++) if ($i ~ /s,$/) { s = $i; sub(/s,/, "", s); print s } }' "$dir/wrk.txt")
    p99=$(awk '$1 == "50%" { p = $2 } $1 == "99%" { print $2 " (p50 " p ")" }' "$dir/wrk.txt")
    calls=$(awk -F, -v n="${n:-0}" '/syscalls/ && n > 0 { split($3, a, "_enter_"); printf "%s %.3f ", a[2], $1 / n }' "$dir/stat.txt" 2>/dev/null || true)
    awk -v l="$label" -v n="${n:-0}" -v s="${seconds:-1}" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v c=$((c1 - c0)) \
        -v p="$p99" -v load="$load" -v calls="$calls" 'BEGIN { if (n == 0) { printf "%s: no 202\n", l; exit }
        printf "%-2s %8.0f accepted/s  p99 %-22s CPU/execution %6.1f us  context switches/execution %5.2f  load %s  per execution: %s\n",
            l, n / s, p, t / hz * 1e6 / n, c / n, load, calls }'
}

for ((pair = 1; pair <= PAIRS; pair++)); do
    run A "$A"
    run B "$B"
done
