#!/usr/bin/env bash
# A/B of the background 202 with the in-memory store, per accepted execution: two builds of the sample (A, B)
# alternate (A B, B A, A B, ...), a fresh server for every run, a short warm-up, then wrk -t2 -c64 with post.lua on a background route, as
# bench/load sections 4b (ROUTE=/api/record-visit, the default: a steady state) and 4 (ROUTE=/api/generate-report: a
# 2-second handler, the queue grows). Prints, per run: accepted/s, p50 and p99, the server's CPU and context switches
# per accepted execution, bytes allocated per accepted execution, gen0/1/2 collections, the GC's pause time, its
# longest pause and the pauses over 5 ms (GcProbe/, a startup hook loaded into both builds alike), lock contentions,
# thread-pool threads and its queue, per generation the GC pause time and longest pause, the bytes promoted per
# execution, the GC heap count, the heap's growth per accepted execution (with a backlog: what each queued execution holds),
# the live heap once the load is over (after a full collection: in the steady state, mostly the history of finished
# executions the server keeps), and the load average. Usage: bash bench/load/bg-ab.sh A/Shop.dll B/Shop.dll [PAIRS]
# Knobs: ROUTE, SECONDS_PER_RUN (5), STORE (InMemory), CONNECTIONS (64), NICE (0: the server's and wrk's niceness;
# -10 puts both ahead of other work on a shared machine, as store-ab.sh does), SERVER_ENV (none: NAME=VALUE pairs, space
# separated, set for both builds' servers alike), RETAINED=1 (instead of the runs: the bytes each queued execution
# keeps alive, after a full collection, with ROUTE=/api/generate-report; LOAD_SECONDS, 2), ENV_A and ENV_B (the same for A's or B's servers only: one build with
# and without a GC setting, e.g. ENV_B="DOTNET_GCgen0MaxBudget=0x1000000" bash bench/load/bg-ab.sh X.dll X.dll).
set -euo pipefail
export LC_ALL=C ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
A=$1 B=$2 PAIRS=${3:-3}
ROUTE=${ROUTE:-/api/record-visit} SECONDS_PER_RUN=${SECONDS_PER_RUN:-5} STORE=${STORE:-InMemory} CONNECTIONS=${CONNECTIONS:-64} NICE=${NICE:-0}
TMP=$(mktemp -d /tmp/apiroutes-bg-ab.XXXXXX)
PID=""
cleanup() {
    if [[ -n $PID ]]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

timeout 300 dotnet build -c Release -nodeReuse:false --nologo "$HERE/GcProbe" -o "$TMP/probe" >"$TMP/probe-build.log" 2>&1 ||
    { tail -n 20 "$TMP/probe-build.log"; exit 1; }

ticks() { local f; read -r -a f <"/proc/$PID/stat"; echo $((f[13] + f[14])); }
switches() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n }'; }

# start DLL ENV WORKERS: one fresh server with the probe, up; sets PID, DIR and URL.
start() {
    local port=$((20000 + RANDOM % 12000)) i
    DIR=$(mktemp -d "$TMP/run.XXXXXX")
    (cd "$(dirname "$1")" && exec env ApiRoutes__Store__Path="$DIR/executions.db" XDG_DATA_HOME="$DIR/data" \
        ApiRoutes__Store__Provider="$STORE" ApiRoutes__Background__MaxConcurrency="$3" \
        ApiRoutes__Background__MaxQueueLength=10000000 ApiRoutes__ShutdownDrainTimeout=00:00:01 \
        ${SERVER_ENV:-} $2 DOTNET_STARTUP_HOOKS="$TMP/probe/GcProbe.dll" GC_PROBE_FILE="$DIR/gc.txt" \
        nice -n "$NICE" dotnet "$1" --urls "http://127.0.0.1:$port") >"$DIR/server.log" 2>&1 &
    PID=$!
    for ((i = 0; i < 300; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$port/api/hello" && break
        sleep 0.05
    done
    URL="http://127.0.0.1:$port$ROUTE"
}

stop() {
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}

# run LABEL DLL ENV: one fresh server, warm-up, measured run; prints one line.
run() {
    local label=$1 t0 t1 c0 c1 l0 l1 n seconds p50 p99 load live
    start "$2" "$3" 1024
    local dir=$DIR url=$URL
    timeout 30 wrk -t1 -c8 -d3s -s "$HERE/post.lua" "$url" >"$dir/warm.txt" 2>&1
    sleep 0.3
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(ticks) c0=$(switches) l0=$(wc -l <"$dir/gc.txt")
    timeout $((SECONDS_PER_RUN + 30)) nice -n "$NICE" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$HERE/post.lua" "$url" >"$dir/wrk.txt" 2>&1
    t1=$(ticks) c1=$(switches) l1=$(wc -l <"$dir/gc.txt")
    # What the server keeps once the load is over (its history of finished executions, in memory), after a full collection.
    live=$(full)
    stop
    n=$(awk '$1 == "status" && $2 == 202 { print $3 }' "$dir/wrk.txt")
    seconds=$(awk '/requests in/ { for (i = 1; i <= NF; i++) if ($i ~ /s,$/) { s = $i; sub(/s,/, "", s); print s } }' "$dir/wrk.txt")
    p50=$(awk '$1 == "50%" { print $2 }' "$dir/wrk.txt")
    p99=$(awk '$1 == "99%" { print $2 }' "$dir/wrk.txt")
    # The probe's lines at the run's start (l0) and end (l1): differences of its counters, the longest pause between.
    gc=$(awk -v l0="$l0" -v l1="$l1" -v n="${n:-0}" 'NR == l0 { split($0, a, " ") } NR > l0 && NR <= l1 && $1 != "full" { if ($7 > max) max = $7; for (g = 0; g < 3; g++) if ($(15 + g) > m[g]) m[g] = $(15 + g); if ($19 > q) q = $19 }
        NR == l1 { split($0, b, " ") } END { if (n > 0) printf "alloc/execution %6.0f B  gen0/1/2 %d/%d/%d  GC pause %6.1f ms (max %5.1f, >5ms %d; by gen total/max %.0f/%.1f %.0f/%.1f %.0f/%.1f)  promoted/execution %.0f B  lock contentions/execution %.3f  threads %d  pool queue max %d  heaps %d  heap growth/execution %.0f B",
            (b[2] - a[2]) / n, b[3] - a[3], b[4] - a[4], b[5] - a[5], b[6] - a[6], max, b[8] - a[8], b[12] - a[12], m[0], b[13] - a[13], m[1], b[14] - a[14], m[2], (b[18] - a[18]) / n, (b[9] - a[9]) / n, b[10], q, b[20], (b[11] - a[11]) / n }' "$dir/gc.txt")
    awk -v l="$label" -v n="${n:-0}" -v s="${seconds:-1}" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v c=$((c1 - c0)) \
        -v p50="$p50" -v p="$p99" -v load="$load" -v gc="$gc" -v live="$live" 'BEGIN { if (n == 0) { printf "%s: no 202\n", l; exit }
        printf "%-2s %7.0f accepted/s  p50 %-8s p99 %-8s CPU/execution %5.1f us  switches/execution %5.2f  %s  live heap after %.1f MB  load %s\n",
            l, n / s, p50, p, t / hz * 1e6 / n, c / n, gc, live / 1048576, load }'
}

# full: asks the probe for a full compacting collection; prints the live heap's bytes after it (at most 30 s).
full() {
    local before i
    before=$(grep -c '^full' "$DIR/gc.txt" || true)
    touch "$DIR/gc.txt.collect"
    for ((i = 0; i < 300; i++)); do
        if (($(grep -c '^full' "$DIR/gc.txt" || true) > before)); then grep '^full' "$DIR/gc.txt" | tail -n 1 | cut -d' ' -f2; return; fi
        sleep 0.1
    done
    echo "no full collection in 30 s" >&2
    exit 1
}

# retained LABEL DLL ENV: what each queued execution keeps alive (RETAINED=1). One worker and a 2-second handler,
# so almost every execution accepted stays queued; a 1 s warm-up, a full collection, LOAD_SECONDS (2) of wrk -c8,
# another full collection: the live heap's growth over the 202s of the load, which hardly depends on the machine's load.
retained() {
    local label=$1 base after n
    start "$2" "$3" 1
    timeout 30 wrk -t1 -c8 -d1s -s "$HERE/post.lua" "$URL" >"$DIR/warm.txt" 2>&1
    base=$(full)
    timeout 60 wrk -t1 -c8 -d"${LOAD_SECONDS:-2}s" -s "$HERE/post.lua" "$URL" >"$DIR/wrk.txt" 2>&1
    n=$(awk '$1 == "status" && $2 == 202 { print $3 }' "$DIR/wrk.txt")
    after=$(full)
    stop
    awk -v l="$label" -v n="${n:-0}" -v b="$base" -v a="$after" -v s="$STORE" -v r="$ROUTE" 'BEGIN { if (n == 0) { printf "%s: no 202\n", l; exit }
        printf "%-2s %s %s: %d accepted, live heap %.1f -> %.1f MB, %.0f B per accepted execution\n", l, s, r, n, b / 1048576, a / 1048576, (a - b) / n }'
}

for ((pair = 1; pair <= PAIRS; pair++)); do
    if [[ ${RETAINED:-0} == 1 ]]; then
        retained A "$A" "${ENV_A:-}"
        retained B "$B" "${ENV_B:-}"
    elif ((pair % 2 == 1)); then
        run A "$A" "${ENV_A:-}"
        run B "$B" "${ENV_B:-}"
    else
        # A, B, B, A, ...: a run's slot in its pair draws on its numbers (bench/load/README.md, seventh pass).
        run B "$B" "${ENV_B:-}"
        run A "$A" "${ENV_A:-}"
    fi
done
