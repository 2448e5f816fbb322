#!/usr/bin/env bash
# The cost of a SQLite store inside the content root (event 4006): the sample's durable 202 in the steady state with its
# store outside the content root (the baseline), inside it (data/executions.db below the working folder, which
# ASP.NET Core watches with every folder below it for appsettings.json), and inside it with reloading off
# (DOTNET_hostBuilder__reloadConfigOnChange=false). The three alternate, a fresh server and store for every run, a 4 s
# warm-up (WARMUP_SECONDS), then 5 s of wrk -t2 -c64 on POST /api/record-visit (as section 4b of run.sh). Prints each run
# (accepted/s, the server's CPU and context switches per accepted execution), then the medians and their ratios to the
# baseline's of the same run. Usage: bash bench/load/store-folder-watch.sh [SHOP_DLL] [ROUNDS] (3; about 30 s a round)
set -euo pipefail
export LC_ALL=C ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DLL=${1:-$HERE/../../samples/Shop/bin/Release/net10.0/Shop.dll} ROUNDS=${2:-3} SECONDS_PER_RUN=5 WARMUP_SECONDS=${WARMUP_SECONDS:-4}
[[ -f $DLL ]] || { echo "no $DLL: dotnet build -c Release samples/Shop first" >&2; exit 1; }
DLL=$(cd "$(dirname "$DLL")" && pwd)/$(basename "$DLL")
TMP=$(mktemp -d /tmp/apiroutes-folder-watch.XXXXXX)
PID=""
cleanup() {
    if [[ -n $PID ]]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

ticks() { local f; read -r -a f <"/proc/$PID/stat"; echo $((f[13] + f[14])); }
switches() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n }'; }
declare -A RATES=()

# run LAYOUT: one fresh server in a fresh working folder (its content root), warm-up, measured run; prints one line.
run() {
    local layout=$1 port=$((20000 + RANDOM % 12000)) dir store i t0 t1 c0 c1 n seconds extra=()
    dir=$(mktemp -d "$TMP/run.XXXXXX")
    mkdir -p "$dir/root" "$dir/outside"
    case $layout in
        outside) store=$dir/outside/executions.db ;;
        inside) store=$dir/root/data/executions.db ;;
        no-reload) store=$dir/root/data/executions.db extra=(DOTNET_hostBuilder__reloadConfigOnChange=false) ;;
    esac
    (cd "$dir/root" && exec env ApiRoutes__Store__Path="$store" XDG_DATA_HOME="$dir/outside" \
        ApiRoutes__Background__MaxConcurrency=1024 ApiRoutes__Background__MaxQueueLength=10000000 \
        ApiRoutes__ShutdownDrainTimeout=00:00:01 "${extra[@]}" dotnet "$DLL" --urls "http://127.0.0.1:$port") >"$dir/server.log" 2>&1 &
    PID=$!
    for ((i = 0; i < 300; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$port/api/hello" && break
        sleep 0.05
    done
    local url="http://127.0.0.1:$port/api/record-visit"
    timeout $((WARMUP_SECONDS + 30)) wrk -t2 -c64 -d"${WARMUP_SECONDS}s" -s "$HERE/post.lua" "$url" >"$dir/warm.txt" 2>&1
    t0=$(ticks) c0=$(switches)
    timeout $((SECONDS_PER_RUN + 30)) wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s "$HERE/post.lua" "$url" >"$dir/wrk.txt" 2>&1
    t1=$(ticks) c1=$(switches)
    local warned=no
    grep -q 'ApiRoutes\[4006\]' "$dir/server.log" && warned=yes
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
    n=$(awk '$1 == "status" && $2 == 202 { print $3 }' "$dir/wrk.txt")
    seconds=$(awk '/requests in/ { for (i = 1; i <= NF; i++) if ($i ~ /s,$/) { s = $i; sub(/s,/, "", s); print s } }' "$dir/wrk.txt")
    RATES[$layout]+="$(awk -v n="${n:-0}" -v s="${seconds:-1}" 'BEGIN { printf "%.0f", n / s }') "
    awk -v l="$layout" -v n="${n:-0}" -v s="${seconds:-1}" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v c=$((c1 - c0)) -v w="$warned" \
        'BEGIN { if (n == 0) { printf "%-9s no 202\n", l; exit }
        printf "%-9s %8.0f accepted/s  CPU/execution %6.1f us  context switches/execution %5.2f  event 4006: %s\n", l, n / s, t / hz * 1e6 / n, c / n, w }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.0f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for ((round = 1; round <= ROUNDS; round++)); do
    for layout in outside inside no-reload; do run "$layout"; done
done
# shellcheck disable=SC2086 # each list is meant to split into arguments
base=$(median ${RATES[outside]})
for layout in outside inside no-reload; do
    # shellcheck disable=SC2086
    m=$(median ${RATES[$layout]})
    awk -v l="$layout" -v m="$m" -v b="$base" 'BEGIN { printf "median %-9s %8.0f accepted/s  ratio to outside %.3f\n", l, m, (b > 0) ? m / b : 0 }'
done
