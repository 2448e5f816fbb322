#!/usr/bin/env bash
# Load benchmark on 127.0.0.1: the sample app (samples/Shop, served by the ApiRoutes runtime) against a raw ASP.NET Core
# minimal API with the same handler (bench/load/RawMinimalApi). Measures, in one run:
#   1. start-up to the first 200 of GET /api/hello (median of STARTUPS starts per app, the apps alternating), also of
#      both apps published with Native AOT (AOT=0 skips them; publishing them takes minutes);
#   2. GET /api/hello with wrk: requests/s, p99 and the server's CPU time per request (median of ROUNDS runs per app,
#      each round on a fresh pair of servers, the apps alternating; the ratio is the median of the per-round ratios);
#   3. POST /api/generate-report (a background route) with wrk: p99 of the 202 and the count of other answers;
#   4. the execution store: accepted (202) background requests/s and their p99 with the SQLite store against the
#      in-memory one (STORE_ROUNDS fresh servers each, alternating in-memory, SQLite, in-memory, SQLite, ...), on a
#      route whose work takes no time (4b, a steady state) and on the 2-second one of 3 (a growing backlog);
#   4c. the 202 at fixed rates (wrk2, an open loop): its p99 with room on the CPUs, in-memory and SQLite, beside the raw
#      app's GET /api/hello at the same rates (skipped without wrk2);
#   5. several replicas: accepted background requests/s and p99 with REPLICAS servers on one PostgreSQL database
#      against REPLICAS in-memory servers (wrk gives each thread one replica), STORE_ROUNDS rounds, alternating.
#   memory: the resident memory (RSS) of each app idle after its start-ups (1, 1b) and after the load of 2.
# Then prints a summary against the aims of the issues. See README.md beside this file. Usage: bash bench/load/run.sh
# (SECTIONS="1 1b" runs only those sections: start-up takes seconds, the whole run minutes).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk must use "." as the decimal point.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/load"

# Every knob can be set from the environment; the defaults keep the whole run under 5 minutes on 2 cores.
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
DURATION_SECONDS=${DURATION_SECONDS:-10}
ROUNDS=${ROUNDS:-5}
# 15: with 5, the raw app's own starts spread from 281 to 437 ms on a quiet machine, too wide to judge a 1.15 aim; 15
# per app keep sections 1 and 1b near a minute (bench/load/README.md, "Start-up, sixth pass").
STARTUPS=${STARTUPS:-15}
STARTUP_LIMIT_SECONDS=30
BG_DURATION_SECONDS=${BG_DURATION_SECONDS:-10}
BG_CONCURRENCY=${BG_CONCURRENCY:-1024}
BG_QUEUE_LENGTH=${BG_QUEUE_LENGTH:-10000000}
STORE_ROUNDS=${STORE_ROUNDS:-2}
STORE_DURATION_SECONDS=${STORE_DURATION_SECONDS:-8}
# Background warm-up: this long at full load on the steady-state route (/api/record-visit, no backlog) before the light
# 2 s one on the measured route, so that 3, 4 and 4b measure tier-1 code, not the JIT (after 2-3 s, a third of the
# server's samples were still the JIT; bench/load/README.md, "Durable 202, fifth pass").
BG_WARMUP_SECONDS=${BG_WARMUP_SECONDS:-5}
STORE_AIM=5000 # accepted background requests/s with the SQLite store (issue "Durable background executions")
REPLICAS=${REPLICAS:-3}
REPLICAS_AIM=3000 # accepted background requests/s with PostgreSQL and 3 replicas (same issue)
AOT=${AOT:-1}   # 1: also publish both apps with Native AOT and measure their start-up (needs clang and zlib1g-dev)
SECTIONS=${SECTIONS:-1 1b 2 3 4 4c 5} # the sections to run; AOT=0 leaves out 1b
# 4c: the 202 at fixed rates with wrk2 (an open loop: latency counted from when each request was due). WRK2 names its
# executable; without one, 4c is skipped (bench/load/README.md, "How to run", says how to build it).
WRK2=${WRK2:-$(command -v wrk2 || true)}
FIXED_RATES=${FIXED_RATES:-1000 3000 10000} # requests/s offered in 4c, each for FIXED_SECONDS
FIXED_SECONDS=${FIXED_SECONDS:-10}
IDLE_SECONDS=${IDLE_SECONDS:-0.5}  # how long an app started in 1 or 1b stays idle after its first 200 before its RSS is read
RID=${RID:-linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')}
QUIET_PERCENT=10 # a round is "quiet" when other processes took at most this share of the CPUs in both its runs
# Aims of issue 15 ("Performance"), printed in the summary.
STARTUP_AIM=1.15     # ApiRoutes / raw JIT start-up to first 200
AOT_AIM=1.2          # ApiRoutes AOT / raw AOT start-up
AOT_JIT_AIM=0.4      # ApiRoutes AOT / raw JIT start-up
RSS_AIM=1.2          # ApiRoutes / raw resident memory after the load of section 2

((AOT)) || SECTIONS=" $SECTIONS "
((AOT)) || SECTIONS=${SECTIONS// 1b / }
# runs SECTION: 0 when SECTION is one of SECTIONS.
runs() { [[ " $SECTIONS " == *" $1 "* ]]; }

SHOP_DLL="$ROOT/samples/Shop/bin/Release/net10.0/Shop.dll"
RAW_DLL="$HERE/RawMinimalApi/bin/Release/net10.0/RawMinimalApi.dll"
LOGS=$(mktemp -d /tmp/apiroutes-load.XXXXXX)
SCRIPT_START=$EPOCHREALTIME

# Both apps: Production, and logging kept out of the measurement.
export ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production Logging__LogLevel__Default=Warning

# ---------------------------------------------------------------------------------------------------------------------
# Processes: every server started is recorded and stopped on exit, whatever happens.

SERVER_PIDS=()

# Running and not a zombie (kill -0 also succeeds on a zombie).
alive() {
    local state
    read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
    [[ $state != Z ]]
}

# Stops one of our servers (SIGTERM, then SIGKILL after 15 s) and forgets its pid, so it is never signalled again.
stop_server() {
    local pid=$1 i kept=()
    if kill -TERM "$pid" 2>/dev/null; then
        for ((i = 0; i < 150; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    for i in "${SERVER_PIDS[@]}"; do
        [[ $i == "$pid" ]] || kept+=("$i")
    done
    SERVER_PIDS=("${kept[@]}")
}

cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}"; do
        stop_server "$pid"
    done
    if [[ -n ${PG_DIR:-} ]]; then "$ROOT/eng/postgres.sh" stop "$PG_DIR" || true; fi
    if [[ -z ${KEEP_LOGS:-} ]]; then rm -rf "$LOGS"; else echo "logs kept in $LOGS"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # an interrupted run also goes through cleanup

# A file descriptor that never has data: `read -t` on it sleeps without starting a process.
exec {SLEEP_FD}<> <(:)
nap() { read -r -t "$1" -u "$SLEEP_FD" _ || true; }

# The time in microseconds, read without starting a process: "$(...)" forks the shell, ~4 ms of CPU each on this machine,
# which a poll loop calling it every 2 ms spent beside the starting app (two thirds of a core; the app with more threads
# lost more to it). Use it as ${EPOCHREALTIME/./} inline, never in a command substitution.

# A port nobody listens on, below the kernel's ephemeral range (which wrk's own sockets use).
free_port() {
    local i port
    for ((i = 0; i < 50; i++)); do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

# 0 when GET /api/hello on the port answers 200. Pure bash, so polling costs no process start of its own.
probe() {
    local port=$1 fd line=""
    # The braces make the silencing of stderr last only for this line, not for the rest of the script.
    { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&"$fd" 2>/dev/null || true
    IFS= read -r -t 2 -u "$fd" line || true
    exec {fd}>&-
    [[ $line == "HTTP/1.1 200"* ]]
}

# start_server NAME DLL PORT [VAR=VALUE...]: starts the app in the background and sets STARTED_PID. Each NAME gets its
# own execution store in the temporary folder: the backlog the background run leaves behind (every execution still
# queued at the stop is kept, to run at the next start) must never reach the default store in ~/.local/share, where
# any later start of the sample would pick it up. XDG_DATA_HOME keeps any other default data file there too.
start_server() {
    local name=$1 dll=$2 port=$3 launch
    shift 3
    launch=(dotnet "$dll")
    [[ $dll == *.dll ]] || launch=("$dll") # a Native AOT executable
    env ApiRoutes__Store__Path="$LOGS/$name-executions.db" XDG_DATA_HOME="$LOGS/data" "$@" \
        "${launch[@]}" --urls "http://127.0.0.1:$port" >>"$LOGS/$name.log" 2>&1 &
    STARTED_PID=$!
    SERVER_PIDS+=("$STARTED_PID")
}

# rss_mb PID: the resident memory (VmRSS) of a running process, in MB.
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# wait_ready PID PORT: polls every 2 ms, at most STARTUP_LIMIT_SECONDS; fails when the app dies or never answers.
wait_ready() {
    local pid=$1 port=$2 deadline=$((${EPOCHREALTIME/./} + STARTUP_LIMIT_SECONDS * 1000000))
    until probe "$port"; do
        alive "$pid" || { echo "the server (pid $pid) exited before answering" >&2; return 1; }
        ((${EPOCHREALTIME/./} < deadline)) || { echo "no 200 from port $port within ${STARTUP_LIMIT_SECONDS} s" >&2; return 1; }
        nap 0.002
    done
}

# How busy the CPUs are over one second while none of our servers or wrk runs: the work of other processes, which
# lands in the measurement as noise. Printed with the results.
cpu_busy_percent() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; idle = y[2] - x[2]
        printf "%.0f", (busy + idle > 0) ? 100 * busy / (busy + idle) : 0 }'
}

# ---------------------------------------------------------------------------------------------------------------------
# Numbers.

# wrk latency ("850.00us", "6.53ms", "1.02s", "1.50m") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else { print "NaN" } }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# The wrk results in a log: "RPS P99_MS NON_2XX SOCKET_ERRORS OTHERS_CPU_PERCENT".
wrk_result() {
    local log=$1 rps p99 non2xx errors others
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$log")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$log")
    errors=$(awk '/Socket errors:/ { n = 0; for (i = 3; i <= NF; i += 2) n += $(i + 1); print n }' "$log")
    others=$(awk '$1 == "others_cpu_percent" { print $2 }' "$log")
    echo "${rps:-0} $p99 ${non2xx:-0} ${errors:-0} ${others:-0}"
}

# How long the wrk run in a log lasted, in seconds ("152000 requests in 10.01s, ...").
wrk_seconds() {
    local took
    took=$(awk '/ requests in / { sub(/,$/, "", $4); print $4 }' "$1")
    awk -v ms="$(to_ms "${took:-0s}")" 'BEGIN { printf "%.3f", ms / 1000 }'
}

# The status lines post.lua prints: the count of 202s, of every other answer, and all of them as "202 x N, 503 x M".
# warm_background PORT ROUTE NAME: the background warm-up (BG_WARMUP_SECONDS on /api/record-visit at full load, then a
# light 2 s on ROUTE), into $LOGS/NAME-warmup-steady.txt and $LOGS/NAME-warmup.txt; warmup_202 NAME counts their 202s.
warm_background() {
    local port=$1 route=$2 name=$3
    if ((BG_WARMUP_SECONDS > 0)); then
        timeout $((BG_WARMUP_SECONDS + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${BG_WARMUP_SECONDS}s" -s "$HERE/post.lua" \
            "http://127.0.0.1:$port/api/record-visit" >"$LOGS/$name-warmup-steady.txt" 2>&1
    else
        : >"$LOGS/$name-warmup-steady.txt"
    fi
    timeout 30 wrk -t1 -c8 -d2s -s "$HERE/post.lua" "http://127.0.0.1:$port$route" >"$LOGS/$name-warmup.txt" 2>&1
}
warmup_202() { echo $(($(status_202 "$LOGS/$1-warmup-steady.txt") + $(status_202 "$LOGS/$1-warmup.txt"))); }

status_202() { awk '$1 == "status" && $2 == 202 { n += $3 } END { print n + 0 }' "$1"; }
status_other() { awk '$1 == "status" && $2 != 202 { n += $3 } END { print n + 0 }' "$1"; }
status_codes() { awk '$1 == "status" { printf "%s%s x %s", sep, $2, $3; sep = ", " } END { if (!sep) printf "none" }' "$1"; }

# CPU time in clock ticks. The machine's, "BUSY TOTAL"; one process's; and this shell's waited-for children's (wrk,
# through timeout), which `times` must report from this shell itself, not from a $(...) subshell.
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat; }
process_ticks() { local f; read -r -a f <"/proc/$1/stat"; echo $((f[13] + f[14])); }
children_ticks_from() { awk -v hz="$(getconf CLK_TCK)" 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }' "$1"; }

# read_post_run LOG: what sections 4 and 5 report of one POST run, as globals: p99, errors, others (also added to
# OTHERS), accepted (the 202s), refused (other answers and socket errors) and accepted_rps (202s over wrk's duration).
read_post_run() {
    local log=$1
    read -r _ p99 _ errors others < <(wrk_result "$log")
    OTHERS+="$others "
    accepted=$(status_202 "$log")
    refused=$(($(status_other "$log") + errors))
    accepted_rps=$(awk -v n="$accepted" -v s="$(wrk_seconds "$log")" 'BEGIN { printf "%.1f", (s > 0) ? n / s : 0 }')
}

# run_wrk LOG SECONDS URL SERVER_PID [wrk options...]: one bounded wrk run, its output kept in LOG, followed by the
# share of the machine's CPU that processes other than the server and wrk took meanwhile ("others_cpu_percent").
run_wrk() {
    local log=$1 seconds=$2 url=$3 pid=$4 busy0 total0 busy1 total1 server0 server1 wrk0 wrk1
    shift 4
    read -r busy0 total0 < <(machine_ticks)
    server0=$(process_ticks "$pid")
    times >"$LOGS/times"
    wrk0=$(children_ticks_from "$LOGS/times")
    timeout $((seconds + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 5s --latency "$@" "$url" >"$log" 2>&1
    read -r busy1 total1 < <(machine_ticks)
    server1=$(process_ticks "$pid")
    times >"$LOGS/times"
    wrk1=$(children_ticks_from "$LOGS/times")
    awk -v others=$(((busy1 - busy0) - (server1 - server0) - (wrk1 - wrk0))) -v total=$((total1 - total0)) \
        'BEGIN { printf "others_cpu_percent %.0f\n", (total > 0 && others > 0) ? 100 * others / total : 0 }' >>"$log"
    echo "server_cpu_ticks $((server1 - server0))" >>"$log"
}

# server_us_per_request LOG: the server's CPU time (user + system) during the wrk run in LOG over the requests wrk
# completed, in microseconds: what a request costs the server, whatever share of the CPUs wrk took meanwhile.
server_us_per_request() {
    awk -v hz="$(getconf CLK_TCK)" '$1 == "server_cpu_ticks" { t = $2 } / requests in / { n = $1 }
        END { printf "%.2f", (n > 0) ? t / hz * 1e6 / n : 0 }' "$1"
}

# ---------------------------------------------------------------------------------------------------------------------
# 0. Tools and builds.

if ! command -v wrk >/dev/null; then
    echo "== installing wrk"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

echo "== building both apps (Release)"
for project in "$ROOT/samples/Shop" "$HERE/RawMinimalApi"; do
    if ! timeout 240 dotnet build -c Release -nodeReuse:false --nologo "$project" >"$LOGS/build.log" 2>&1; then
        tail -n 30 "$LOGS/build.log"
        exit 1
    fi
done
[[ -f $SHOP_DLL && -f $RAW_DLL ]] || { echo "build outputs missing" >&2; exit 1; }

STARTUP_APPS=()
runs 1 && STARTUP_APPS+=(raw apiroutes)
declare -A NATIVE=()
if runs 1b; then
    echo "== publishing both apps with Native AOT ($RID)"
    for project in "$ROOT/samples/Shop" "$HERE/RawMinimalApi"; do
        name=$(basename "$project")
        if ! timeout 1200 dotnet publish -c Release -r "$RID" -p:PublishAot=true -nodeReuse:false --nologo \
            -o "$LOGS/aot-$name" "$project" >"$LOGS/publish-aot.log" 2>&1; then
            tail -n 30 "$LOGS/publish-aot.log"
            exit 1
        fi
        NATIVE[$name]="$LOGS/aot-$name/$name"
    done
    STARTUP_APPS+=(raw-aot apiroutes-aot)
fi

BUSY_BEFORE=$(cpu_busy_percent)
echo "== other processes keep the CPUs ${BUSY_BEFORE}% busy (1 s sample before measuring; 0-5% is a quiet machine)"

APPS=(raw apiroutes)
# Shared by several sections (and the summary), so declared whichever sections run.
declare -A THIS FAILED=([raw]=0 [apiroutes]=0) LOADED_RSS PEAK_RSS
OTHERS="" QUIET_RPS_RATIOS=""
declare -A DLL=([raw]=$RAW_DLL [apiroutes]=$SHOP_DLL [raw-aot]=${NATIVE[RawMinimalApi]:-} [apiroutes-aot]=${NATIVE[Shop]:-})

# ---------------------------------------------------------------------------------------------------------------------
# 1. Start-up to the first 200: from just before the process starts to the first 200 of GET /api/hello (1b: the
# Native AOT executables, in the same alternation). Then, IDLE_SECONDS later, the app's resident memory, idle.

declare -A STARTUP_MS=([raw]="" [apiroutes]="" [raw-aot]="" [apiroutes-aot]="") IDLE_RSS=([raw]="" [apiroutes]="" [raw-aot]="" [apiroutes-aot]="")
if ((${#STARTUP_APPS[@]} > 0)); then
    echo "== start-up to first 200 ($STARTUPS starts per app, alternating: ${STARTUP_APPS[*]}), RSS ${IDLE_SECONDS} s after it"
    for ((i = 1; i <= STARTUPS; i++)); do
        for app in "${STARTUP_APPS[@]}"; do
            port=$(free_port)
            t0=${EPOCHREALTIME/./}
            start_server "$app-startup" "${DLL[$app]}" "$port"
            wait_ready "$STARTED_PID" "$port"
            t1=${EPOCHREALTIME/./}
            ms=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1000 }')
            nap "$IDLE_SECONDS"
            rss=$(rss_mb "$STARTED_PID")
            stop_server "$STARTED_PID"
            STARTUP_MS[$app]+="$ms "
            IDLE_RSS[$app]+="$rss "
            printf '  start %d %-13s %8.1f ms   idle RSS %6.1f MB\n' "$i" "$app" "$ms" "$rss"
        done
    done
fi
# median_of LIST: the median of a space-separated list; empty for the list of a section not run.
# shellcheck disable=SC2086 # the list is meant to split into arguments
median_of() { if [[ -n $1 ]]; then median $1; fi; }
startup_raw=$(median_of "${STARTUP_MS[raw]}") startup_api=$(median_of "${STARTUP_MS[apiroutes]}")
startup_raw_aot=$(median_of "${STARTUP_MS[raw-aot]}") startup_api_aot=$(median_of "${STARTUP_MS[apiroutes-aot]}")
idle_raw=$(median_of "${IDLE_RSS[raw]}") idle_api=$(median_of "${IDLE_RSS[apiroutes]}")
idle_raw_aot=$(median_of "${IDLE_RSS[raw-aot]}") idle_api_aot=$(median_of "${IDLE_RSS[apiroutes-aot]}")

# ---------------------------------------------------------------------------------------------------------------------
# 2. GET /api/hello: each round starts a fresh pair of servers, warms both, measures both back to back, then stops
# them: a server's requests/s depends on draws made once per process (its tier-1 code, its thread pool, where its
# threads run), which one pair kept for every round would carry into every round, so each round draws anew. Then the
# resident memory of both, right after their measured run (and its peak), the median over the rounds. The `if runs N`
# of each section is not indented, so that the section's lines stay as they were.

if runs 2; then
echo "== GET /api/hello: wrk -t$THREADS -c$CONNECTIONS -d${DURATION_SECONDS}s, $ROUNDS rounds, each on a fresh pair of servers (warmed ${WARMUP_SECONDS} s each), alternating"
# Each round measures both apps back to back, in the order raw-api, api-raw, raw-api, ... so that a slow drift of the
# machine favours neither. The ratios are taken per round (the two runs of a round are seconds apart) and their median
# is reported, next to the median requests/s, p99 and server CPU time per request of each app.
declare -A RPS=([raw]="" [apiroutes]="") P99=([raw]="" [apiroutes]="") CPU_US=([raw]="" [apiroutes]="")
declare -A ROUND_RSS=([raw]="" [apiroutes]="") ROUND_PEAK=([raw]="" [apiroutes]="")
RPS_RATIOS="" P99_RATIOS="" CPU_RATIOS=""
for ((round = 1; round <= ROUNDS; round++)); do
    order=(raw apiroutes)
    ((round % 2 == 1)) || order=(apiroutes raw)
    declare -A PORT=() URL=() PID_OF=()
    for app in "${order[@]}"; do
        PORT[$app]=$(free_port)
        start_server "$app" "${DLL[$app]}" "${PORT[$app]}"
        PID_OF[$app]=$STARTED_PID
        wait_ready "$STARTED_PID" "${PORT[$app]}"
        URL[$app]="http://127.0.0.1:${PORT[$app]}/api/hello"
    done
    for app in "${order[@]}"; do
        run_wrk "$LOGS/$app-warmup$round.txt" "$WARMUP_SECONDS" "${URL[$app]}" "${PID_OF[$app]}"
    done
    for app in "${order[@]}"; do
        log="$LOGS/$app-round$round.txt"
        run_wrk "$log" "$DURATION_SECONDS" "${URL[$app]}" "${PID_OF[$app]}"
        read -r rps p99 non2xx errors others < <(wrk_result "$log")
        cpu_us=$(server_us_per_request "$log")
        ROUND_RSS[$app]+="$(rss_mb "${PID_OF[$app]}") "
        ROUND_PEAK[$app]+="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/${PID_OF[$app]}/status") "
        OTHERS+="$others "
        RPS[$app]+="$rps "
        P99[$app]+="$p99 "
        CPU_US[$app]+="$cpu_us "
        THIS[$app-rps]=$rps
        THIS[$app-p99]=$p99
        THIS[$app-cpu]=$cpu_us
        THIS[$app-others]=$others
        FAILED[$app]=$((FAILED[$app] + non2xx + errors))
        printf '  round %d %-9s %10.0f req/s   p99 %8.2f ms   server CPU %6.2f us/request   non-2xx %d   socket errors %d   other processes %d%% CPU   load %s\n' \
            "$round" "$app" "$rps" "$p99" "$cpu_us" "$non2xx" "$errors" "$others" "$(cut -d ' ' -f 1 /proc/loadavg)"
    done
    for app in "${order[@]}"; do
        stop_server "${PID_OF[$app]}"
    done
    RPS_RATIOS+="$(ratio "${THIS[apiroutes-rps]}" "${THIS[raw-rps]}") "
    P99_RATIOS+="$(ratio "${THIS[apiroutes-p99]}" "${THIS[raw-p99]}") "
    CPU_RATIOS+="$(ratio "${THIS[apiroutes-cpu]}" "${THIS[raw-cpu]}") "
    if ((THIS[raw-others] <= QUIET_PERCENT && THIS[apiroutes-others] <= QUIET_PERCENT)); then
        QUIET_RPS_RATIOS+="$(ratio "${THIS[apiroutes-rps]}" "${THIS[raw-rps]}") "
    fi
done
for app in "${APPS[@]}"; do
    # shellcheck disable=SC2086 # the lists are meant to split into arguments
    LOADED_RSS[$app]=$(printf '%.1f' "$(median ${ROUND_RSS[$app]})")
    # shellcheck disable=SC2086
    PEAK_RSS[$app]=$(printf '%.1f' "$(median ${ROUND_PEAK[$app]})")
done
echo "  ApiRoutes/raw per round: requests/s ${RPS_RATIOS}  p99 ${P99_RATIOS}  server CPU per request ${CPU_RATIOS}"
echo "  RSS after the load (median of the rounds): raw ${LOADED_RSS[raw]} MB (peak ${PEAK_RSS[raw]}), apiroutes ${LOADED_RSS[apiroutes]} MB (peak ${PEAK_RSS[apiroutes]})"
# shellcheck disable=SC2086 # the lists are meant to split into arguments
rps_raw=$(median ${RPS[raw]})
# shellcheck disable=SC2086
rps_api=$(median ${RPS[apiroutes]})
# shellcheck disable=SC2086
p99_raw=$(median ${P99[raw]})
# shellcheck disable=SC2086
p99_api=$(median ${P99[apiroutes]})
# shellcheck disable=SC2086
cpu_raw=$(median ${CPU_US[raw]})
# shellcheck disable=SC2086
cpu_api=$(median ${CPU_US[apiroutes]})
# shellcheck disable=SC2086
rps_ratio=$(median $RPS_RATIOS)
# shellcheck disable=SC2086
p99_ratio=$(median $P99_RATIOS)
# shellcheck disable=SC2086
cpu_ratio=$(median $CPU_RATIOS)
rss_ratio=$(ratio "${LOADED_RSS[apiroutes]}" "${LOADED_RSS[raw]}")
fi # section 2

# ---------------------------------------------------------------------------------------------------------------------
# 3. POST /api/generate-report: each 202 is an accepted 2-second execution. At ~35,000 requests/s the workers would
# need ~70,000 slots to keep up, so with 1024 of them the queue grows for the whole run: its cap is raised so that every
# request is admitted, the workers run background work alongside, and the run is kept short because each queued
# execution holds memory (the server's peak resident memory is printed). A short drain period, so that the stop does
# not wait for the backlog.

if runs 3; then
echo "== POST /api/generate-report: wrk -t$THREADS -c$CONNECTIONS -d${BG_DURATION_SECONDS}s" \
    "(MaxConcurrency=$BG_CONCURRENCY, MaxQueueLength=$BG_QUEUE_LENGTH)"
bg_port=$(free_port)
start_server background "$SHOP_DLL" "$bg_port" \
    ApiRoutes__Background__MaxConcurrency="$BG_CONCURRENCY" \
    ApiRoutes__Background__MaxQueueLength="$BG_QUEUE_LENGTH" \
    ApiRoutes__ShutdownDrainTimeout=00:00:01
bg_pid=$STARTED_PID
wait_ready "$bg_pid" "$bg_port"
bg_url="http://127.0.0.1:$bg_port/api/generate-report"
# A warm-up so the measured run does not pay for JIT compilation.
warm_background "$bg_port" /api/generate-report background
run_wrk "$LOGS/background.txt" "$BG_DURATION_SECONDS" "$bg_url" "$bg_pid" -s "$HERE/post.lua"
read -r bg_rps bg_p99 _ bg_errors bg_others < <(wrk_result "$LOGS/background.txt")
OTHERS+="$bg_others "
bg_202=$(status_202 "$LOGS/background.txt")
bg_other=$(status_other "$LOGS/background.txt")
bg_codes=$(status_codes "$LOGS/background.txt")
bg_peak_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$bg_pid/status")
stop_server "$bg_pid"
printf '  %.0f req/s   p99 %.2f ms   status codes: %s   socket errors %d   server peak RSS %s MB   other processes %d%% CPU\n' \
    "$bg_rps" "$bg_p99" "$bg_codes" "$bg_errors" "$bg_peak_mb" "$bg_others"
fi # section 3

# ---------------------------------------------------------------------------------------------------------------------
# 4. The execution store: POST /api/generate-report with the SQLite store (the default: every execution committed
# before its 202, group commit) against the in-memory store, same settings as in 3. A fresh server for every run, so
# that each starts with an empty queue and store; the providers alternate (in-memory, SQLite, in-memory, ...) so a
# drift of the machine favours neither. Accepted/s is the 202 count over wrk's own duration of the run.
# 4b. The same in a steady state: POST /api/record-visit, whose handler takes no time, so the queue stays short, every
# execution also starts and finishes (two more store writes) within the run, and the heap does not grow with a backlog.

# store_rounds ROUTE TAG: STORE_ROUNDS rounds of both stores on ROUTE; sets ACCEPTED, STORE_P99, STORE_REFUSED,
# STORE_RATIOS, STORE_ROWS and the medians accepted_mem, accepted_sqlite, store_p99_mem, store_p99_sqlite, store_ratio,
# store_p99_ratio (each round's p99 ratio SQLite / in-memory in STORE_P99_RATIOS; the median of them is the one reported).
# start_store_app NAME STORE PORT: the sample on one execution store (InMemory or Sqlite), the settings of sections 3-4c,
# answering; sets pid.
start_store_app() {
    start_server "$1" "$SHOP_DLL" "$3" \
        ApiRoutes__Store__Provider="$2" \
        ApiRoutes__Background__MaxConcurrency="$BG_CONCURRENCY" \
        ApiRoutes__Background__MaxQueueLength="$BG_QUEUE_LENGTH" \
        ApiRoutes__ShutdownDrainTimeout=00:00:01
    pid=$STARTED_PID
    wait_ready "$pid" "$3"
}

# sqlite_rows NAME: the rows of that server's SQLite store file (its server stopped), or sqlite3's error.
sqlite_rows() { timeout 30 sqlite3 "$LOGS/$1-executions.db" 'SELECT count(*) FROM executions' 2>&1 | tail -n 1 || true; }

store_rounds() {
    local route=$1 tag=$2 round store name port pid url peak_mb t0 stop_s sent rows
    STORES=(InMemory Sqlite)
    declare -gA ACCEPTED=([InMemory]="" [Sqlite]="") STORE_P99=([InMemory]="" [Sqlite]="") STORE_REFUSED=([InMemory]=0 [Sqlite]=0)
    STORE_RATIOS="" STORE_ROWS="" STORE_P99_RATIOS=""
    for ((round = 1; round <= STORE_ROUNDS; round++)); do
        for store in "${STORES[@]}"; do
            name="store$tag-$store-$round"
            port=$(free_port)
            start_store_app "$name" "$store" "$port"
            url="http://127.0.0.1:$port$route"
            warm_background "$port" "$route" "$name"
            run_wrk "$LOGS/$name.txt" "$STORE_DURATION_SECONDS" "$url" "$pid" -s "$HERE/post.lua"
            read_post_run "$LOGS/$name.txt"
            peak_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
            t0=${EPOCHREALTIME/./}
            stop_server "$pid"
            t1=${EPOCHREALTIME/./}
            stop_s=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1000000 }')
            ACCEPTED[$store]+="$accepted_rps "
            STORE_P99[$store]+="$p99 "
            STORE_REFUSED[$store]=$((STORE_REFUSED[$store] + refused))
            THIS[$store]=$accepted_rps
            THIS_P99[$store]=$p99
            rows=""
            if [[ $store == Sqlite ]] && command -v sqlite3 >/dev/null; then
                # Every 202 (of the warm-up too) must be a row: it was committed before it was sent. A few more rows than
                # 202s are expected: requests committed while wrk was stopping, whose 202 it did not wait for.
                sent=$(($(warmup_202 "$name") + accepted))
                rows=$(sqlite_rows "$name")
                STORE_ROWS+="round $round: $rows rows for $sent 202s received; "
                rows="   store rows $rows for $sent 202s received (warm-up included)"
            fi
            printf '  round %d %-8s %10.0f accepted/s   p99 %8.2f ms   status codes: %s   socket errors %d   peak RSS %s MB   stop %s s   other processes %d%% CPU%s\n' \
                "$round" "$store" "$accepted_rps" "$p99" "$(status_codes "$LOGS/$name.txt")" "$errors" "$peak_mb" "$stop_s" \
                "$others" "$rows"
        done
        STORE_RATIOS+="$(ratio "${THIS[Sqlite]}" "${THIS[InMemory]}") "
        STORE_P99_RATIOS+="$(ratio "${THIS_P99[Sqlite]}" "${THIS_P99[InMemory]}") "
    done
    echo "  SQLite/in-memory per round: accepted/s ${STORE_RATIOS}; p99 ${STORE_P99_RATIOS}"
    # shellcheck disable=SC2086 # the lists are meant to split into arguments
    accepted_mem=$(median ${ACCEPTED[InMemory]})
    # shellcheck disable=SC2086
    accepted_sqlite=$(median ${ACCEPTED[Sqlite]})
    # shellcheck disable=SC2086
    store_p99_mem=$(median ${STORE_P99[InMemory]})
    # shellcheck disable=SC2086
    store_p99_sqlite=$(median ${STORE_P99[Sqlite]})
    # shellcheck disable=SC2086
    store_ratio=$(median $STORE_RATIOS)
    # shellcheck disable=SC2086
    store_p99_ratio=$(median $STORE_P99_RATIOS)
}
if runs 4; then
declare -A THIS_P99=()

echo "== 4b. execution store, steady state: POST /api/record-visit (no work: each execution also starts and finishes)," \
    "wrk -t$THREADS -c$CONNECTIONS -d${STORE_DURATION_SECONDS}s, $STORE_ROUNDS fresh servers per store, alternating"
store_rounds /api/record-visit -steady
steady_accepted_mem=$accepted_mem steady_accepted_sqlite=$accepted_sqlite steady_ratio=$store_ratio
steady_p99_mem=$store_p99_mem steady_p99_sqlite=$store_p99_sqlite steady_p99_ratio=$store_p99_ratio
steady_refused=$((STORE_REFUSED[Sqlite] + STORE_REFUSED[InMemory])) steady_rows=$STORE_ROWS

echo "== 4. execution store: POST /api/generate-report (2-second handler, growing backlog), wrk -t$THREADS -c$CONNECTIONS" \
    "-d${STORE_DURATION_SECONDS}s, $STORE_ROUNDS fresh servers per store, alternating"
store_rounds /api/generate-report ""

# The aims of issue 15 for the durable 202, in both designs, against the in-memory store of the same run.
durable_202() {
    printf '  %-34s SQLite %9.0f accepted/s, p99 %7.2f ms | in-memory %9.0f accepted/s, p99 %7.2f ms | ratios %s, %s | aims: p99 < 5 ms %s, p99 ratio <= 1.5 %s, accepted ratio >= 0.7 %s\n' \
        "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$(awk -v a="$3" 'BEGIN { print (a < 5) ? "yes" : "no" }')" \
        "$(awk -v a="$7" 'BEGIN { print (a <= 1.5) ? "yes" : "no" }')" "$(awk -v a="$6" 'BEGIN { print (a >= 0.7) ? "yes" : "no" }')"
}
echo "== durable 202 (medians of $STORE_ROUNDS rounds; ratios SQLite / in-memory, medians of per-round ratios)"
durable_202 "steady state (/api/record-visit)" "$steady_accepted_sqlite" "$steady_p99_sqlite" "$steady_accepted_mem" \
    "$steady_p99_mem" "$steady_ratio" "$steady_p99_ratio"
durable_202 "backlog (/api/generate-report)" "$accepted_sqlite" "$store_p99_sqlite" "$accepted_mem" "$store_p99_mem" \
    "$store_ratio" "$store_p99_ratio"
echo "  other answers and socket errors in the steady state: $steady_refused; SQLite rows there: ${steady_rows%; }"
fi # section 4 (and 4b)

# ---------------------------------------------------------------------------------------------------------------------
# 4c. The 202 at fixed rates: wrk2 sends each connection's requests on a schedule (FIXED_RATES requests/s in all, 64
# connections) and counts each one's latency from when it was due, so a stall counts for every request it held back;
# wrk's closed loop (sections 2-4) sends nothing while its 64 requests wait, which hides them ("coordinated omission"),
# and it measures the p99 of a saturated machine, where the 202 waits for CPUs that wrk itself takes. Here the CPUs have
# room: the p99 is the path's own (its queueing, the flush, garbage collection). Per round, fresh servers in turn: the
# raw app's GET /api/hello (the floor: what any request's p99 is at that rate on this machine), then POST
# /api/record-visit on the in-memory store and on SQLite, every rate on the same warm server, lowest first.

# wrk2's "99.000%" line ("25.38ms", "1.02s") in milliseconds; "NaN" when it has none.
wrk2_p99() { to_ms "$(awk '$1 == "99.000%" { print $2; exit }' "$1")"; }

if runs 4c && [[ -z $WRK2 ]]; then
    echo "== 4c. skipped: no wrk2 (set WRK2=/path/to/wrk2; bench/load/README.md, \"How to run\", says how to build it)"
fi
if runs 4c && [[ -n $WRK2 ]]; then
echo "== 4c. the 202 at fixed rates: wrk2 -t$THREADS -c$CONNECTIONS -d${FIXED_SECONDS}s -R <rate> (rates: $FIXED_RATES)," \
    "$STORE_ROUNDS rounds of fresh servers: raw GET /api/hello, in-memory and SQLite POST /api/record-visit"
declare -A FIXED_P99=() FIXED_SHORT=()
FIXED_ROWS=""
for ((round = 1; round <= STORE_ROUNDS; round++)); do
    for app in raw InMemory Sqlite; do
        name="fixed-$app-$round"
        port=$(free_port)
        if [[ $app == raw ]]; then
            start_server "$name" "$RAW_DLL" "$port"
            pid=$STARTED_PID
            wait_ready "$pid" "$port"
            url="http://127.0.0.1:$port/api/hello"
            timeout 40 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP_SECONDS}s" "$url" >/dev/null 2>&1
            script=()
        else
            start_store_app "$name" "$app" "$port"
            url="http://127.0.0.1:$port/api/record-visit"
            warm_background "$port" /api/record-visit "$name"
            script=(-s "$HERE/post.lua")
        fi
        line="  round $round $(printf '%-8s' "$app")"
        sent=0
        for rate in $FIXED_RATES; do
            log="$LOGS/$name-$rate.txt"
            read -r busy0 total0 < <(machine_ticks)
            timeout $((FIXED_SECONDS + 60)) "$WRK2" -t"$THREADS" -c"$CONNECTIONS" -d"${FIXED_SECONDS}s" -R"$rate" \
                --timeout 5s --latency "${script[@]}" "$url" >"$log" 2>&1 || true
            read -r busy1 total1 < <(machine_ticks)
            p99=$(wrk2_p99 "$log")
            rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$log")
            errors=$(awk '/Socket errors:/ { n = 0; for (i = 3; i <= NF; i += 2) n += $(i + 1); print n }' "$log")
            if [[ $app == raw ]]; then
                other=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$log")
            else
                other=$(status_other "$log")
                sent=$((sent + $(status_202 "$log")))
            fi
            FIXED_P99[$app-$rate]+="$p99 "
            # A rate the server (or wrk2) did not keep up with: its p99 is a queue's, not the path's.
            ((${rps:-0} * 100 >= rate * 95)) || FIXED_SHORT[$app-$rate]=1
            line+=$(printf '   %6s/s: p99 %7.2f ms (%s/s, other %s, errors %s, busy %s%%)' "$rate" "$p99" "${rps:-0}" \
                "${other:-0}" "${errors:-0}" "$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) 'BEGIN { printf "%.0f", (t > 0) ? 100 * b / t : 0 }')")
        done
        stop_server "$pid"
        if [[ $app == Sqlite ]] && command -v sqlite3 >/dev/null; then
            sent=$((sent + $(warmup_202 "$name")))
            rows=$(sqlite_rows "$name")
            FIXED_ROWS+="round $round: $rows rows for $sent 202s received; "
            line+="   store rows $rows for $sent 202s"
        fi
        echo "$line"
    done
done
fi # section 4c

# ---------------------------------------------------------------------------------------------------------------------
# 5. Several replicas: REPLICAS servers on one PostgreSQL database (a fresh database per round, on a throwaway server
# from eng/postgres.sh unless BENCH_POSTGRES names one) against REPLICAS in-memory servers; wrk runs one thread per
# replica, so the load is spread evenly, as a load balancer would. Settings as in 4.

if runs 5; then
if [[ -n ${BENCH_POSTGRES:-} ]]; then
    PG="$BENCH_POSTGRES"
else
    # Not under $LOGS: the server runs as the postgres user, which cannot enter that folder.
    PG_DIR=$(mktemp -u /tmp/apiroutes-bench-pg.XXXXXX)
    PG=$("$ROOT/eng/postgres.sh" start "$PG_DIR" "$(free_port)")
fi
pg_field() { tr ';' '\n' <<<"$PG" | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print $2 }'; }
pg_sql() { timeout 60 psql -qtA "host=$(pg_field Host) port=$(pg_field Port) user=$(pg_field Username) dbname=$1" -c "$2"; }

echo "== replicas: POST /api/generate-report, $REPLICAS servers, wrk -t$REPLICAS -c$CONNECTIONS -d${STORE_DURATION_SECONDS}s," \
    "$STORE_ROUNDS rounds, alternating"
KINDS=(InMemory PostgreSql)
declare -A REP_ACCEPTED=([InMemory]="" [PostgreSql]="") REP_P99=([InMemory]="" [PostgreSql]="") REP_REFUSED=([InMemory]=0 [PostgreSql]=0)
REP_RATIOS="" REP_ROWS=""
for ((round = 1; round <= STORE_ROUNDS; round++)); do
    for store in "${KINDS[@]}"; do
        database="bench_${round}_$RANDOM"
        [[ $store == PostgreSql ]] && pg_sql postgres "CREATE DATABASE $database" >/dev/null
        pids=() ports=()
        for ((r = 1; r <= REPLICAS; r++)); do
            port=$(free_port)
            start_server "replica-$store-$round-$r" "$SHOP_DLL" "$port" \
                ApiRoutes__Store__Provider="$store" \
                ConnectionStrings__ApiRoutes="$(sed "s/Database=[^;]*/Database=$database/" <<<"$PG")" \
                ApiRoutes__Background__MaxConcurrency="$BG_CONCURRENCY" \
                ApiRoutes__Background__MaxQueueLength="$BG_QUEUE_LENGTH" \
                ApiRoutes__ShutdownDrainTimeout=00:00:01
            pids+=("$STARTED_PID") ports+=("$port")
        done
        for r in "${!pids[@]}"; do wait_ready "${pids[$r]}" "${ports[$r]}"; done
        name="replicas-$store-$round"
        url="http://127.0.0.1:${ports[0]}/api/generate-report"
        export WRK_PORTS="${ports[*]}"
        timeout 30 wrk -t"$REPLICAS" -c"$REPLICAS" -d2s -s "$HERE/post.lua" "$url" >"$LOGS/$name-warmup.txt" 2>&1
        run_wrk "$LOGS/$name.txt" "$STORE_DURATION_SECONDS" "$url" "${pids[0]}" -s "$HERE/post.lua" -t"$REPLICAS"
        unset WRK_PORTS
        read_post_run "$LOGS/$name.txt"
        for pid in "${pids[@]}"; do stop_server "$pid"; done
        REP_ACCEPTED[$store]+="$accepted_rps "
        REP_P99[$store]+="$p99 "
        REP_REFUSED[$store]=$((REP_REFUSED[$store] + refused))
        THIS[$store]=$accepted_rps
        rows=""
        if [[ $store == PostgreSql ]]; then
            # Every 202 must be a row: it was committed before it was sent.
            sent=$(($(status_202 "$LOGS/$name-warmup.txt") + accepted))
            rows=$(pg_sql "$database" 'SELECT count(*) FROM apiroutes_executions' 2>&1 | tail -n 1 || true)
            REP_ROWS+="round $round: $rows rows for $sent 202s received; "
            rows="   rows $rows for $sent 202s received (warm-up included)"
            pg_sql postgres "DROP DATABASE $database" >/dev/null || true
        fi
        printf '  round %d %-10s %10.0f accepted/s   p99 %8.2f ms   status codes: %s   socket errors %d   other processes (the other replicas and PostgreSQL included) %d%% CPU%s\n' \
            "$round" "$store" "$accepted_rps" "$p99" "$(status_codes "$LOGS/$name.txt")" "$errors" "$others" "$rows"
    done
    REP_RATIOS+="$(ratio "${THIS[PostgreSql]}" "${THIS[InMemory]}") "
done
if [[ -n ${PG_DIR:-} ]]; then
    "$ROOT/eng/postgres.sh" stop "$PG_DIR"
    PG_DIR=""
fi
echo "  PostgreSQL/in-memory accepted/s per round: ${REP_RATIOS}"
# shellcheck disable=SC2086 # the lists are meant to split into arguments
rep_mem=$(median ${REP_ACCEPTED[InMemory]})
# shellcheck disable=SC2086
rep_pg=$(median ${REP_ACCEPTED[PostgreSql]})
# shellcheck disable=SC2086
rep_p99_mem=$(median ${REP_P99[InMemory]})
# shellcheck disable=SC2086
rep_p99_pg=$(median ${REP_P99[PostgreSql]})
# shellcheck disable=SC2086
rep_ratio=$(median $REP_RATIOS)
fi # section 5

# ---------------------------------------------------------------------------------------------------------------------
# Summary.

# meets A OP B: "yes" when the number A is OP (<, <=, >=) the number B, else "no".
meets() {
    awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
        ok = (op == "<") ? a < b : (op == "<=") ? a <= b : a >= b
        print ok ? "yes" : "no" }'
}
# row METRIC APIROUTES RAW RATIO AIM MET: one line of a summary table ("-" where a column does not apply).
row() { printf '%-44s %12s %12s %8s  %-16s %s\n' "$@"; }
ms() { printf '%.1f' "$1"; } # one decimal, for milliseconds and MB

echo
echo "== summary: the aims of issue 15 (medians; $(nproc) CPUs shared by wrk and the servers; sections run: $(echo $SECTIONS))"
row "metric" "ApiRoutes" "raw" "ratio" "aim" "met"
if runs 1; then
    startup_ratio=$(ratio "$startup_api" "$startup_raw")
    row "start-up to first 200, JIT (ms)" "$(ms "$startup_api")" "$(ms "$startup_raw")" "$startup_ratio" \
        "ratio <= $STARTUP_AIM" "$(meets "$startup_ratio" "<=" "$STARTUP_AIM")"
fi
if runs 1b; then
    aot_ratio=$(ratio "$startup_api_aot" "$startup_raw_aot")
    row "start-up to first 200, Native AOT (ms)" "$(ms "$startup_api_aot")" "$(ms "$startup_raw_aot")" "$aot_ratio" \
        "ratio <= $AOT_AIM" "$(meets "$aot_ratio" "<=" "$AOT_AIM")"
    if runs 1; then
        aot_jit_ratio=$(ratio "$startup_api_aot" "$startup_raw")
        row "  ApiRoutes AOT vs raw JIT start-up (ms)" "$(ms "$startup_api_aot")" "$(ms "$startup_raw")" "$aot_jit_ratio" \
            "ratio <= $AOT_JIT_AIM" "$(meets "$aot_jit_ratio" "<=" "$AOT_JIT_AIM")"
    fi
    row "idle resident memory, Native AOT (MB)" "$(ms "$idle_api_aot")" "$(ms "$idle_raw_aot")" "$(ratio "$idle_api_aot" "$idle_raw_aot")" "reported" "-"
fi
if runs 1; then
    row "idle resident memory, JIT (MB)" "$(ms "$idle_api")" "$(ms "$idle_raw")" "$(ratio "$idle_api" "$idle_raw")" "-" "-"
fi
if runs 2; then
    row "resident memory after the load of 2 (MB)" "${LOADED_RSS[apiroutes]}" "${LOADED_RSS[raw]}" "$rss_ratio" \
        "ratio <= $RSS_AIM" "$(meets "$rss_ratio" "<=" "$RSS_AIM")"
    row "  peak resident memory (MB)" "${PEAK_RSS[apiroutes]}" "${PEAK_RSS[raw]}" "$(ratio "${PEAK_RSS[apiroutes]}" "${PEAK_RSS[raw]}")" "-" "-"
    row "GET /api/hello requests/s" "$(printf '%.0f' "$rps_api")" "$(printf '%.0f' "$rps_raw")" "$rps_ratio" \
        "ratio >= 0.95" "$(meets "$rps_ratio" ">=" 0.95)"
    row "GET /api/hello p99 (ms)" "$(printf '%.2f' "$p99_api")" "$(printf '%.2f' "$p99_raw")" "$p99_ratio" "-" "-"
    row "  server CPU per request (us)" "$(printf '%.2f' "$cpu_api")" "$(printf '%.2f' "$cpu_raw")" "$cpu_ratio" "-" "-"
fi
# Issue 15 item 3, the durable 202 (sections 3 and 4 set these variables): SQLite background 202 p99 at 64
# connections < 5 ms and within 1.5x the in-memory store's p99 of the same run; accepted/s >= 0.7x in-memory.
if runs 3; then
    # The p99 describes the 202s only when every answer was a 202.
    bg_met=$(meets "$bg_p99" "<" 5)
    ((bg_other + bg_errors == 0)) || bg_met=no
    row "POST /api/generate-report 202 p99 (ms)" "$(printf '%.2f' "$bg_p99")" "-" "-" "< 5 ms" "$bg_met"
    row "  202 answers / other answers + errors" "${bg_202:-0}/$((bg_other + bg_errors))" "-" "-" "-" "-"
    row "  requests/s while queueing" "$(printf '%.0f' "$bg_rps")" "-" "-" "-" "-"
fi
if runs 4; then
    row "SQLite 202 p99 vs in-memory (ms)" "$(printf '%.2f' "$store_p99_sqlite")" "$(printf '%.2f' "$store_p99_mem")" \
        "$store_p99_ratio" "< 5 ms, <= 1.5" "$(meets "$store_p99_sqlite" "<" 5)/$(meets "$store_p99_ratio" "<=" 1.5)"
    row "SQLite accepted/s vs in-memory" "$(printf '%.0f' "$accepted_sqlite")" "$(printf '%.0f' "$accepted_mem")" \
        "$store_ratio" "ratio >= 0.7" "$(meets "$store_ratio" ">=" 0.7)"
fi
echo "(the two columns are ApiRoutes and raw, except for the store rows: SQLite and in-memory)"

if runs 4; then
    echo
    echo "execution store (median of $STORE_ROUNDS x ${STORE_DURATION_SECONDS} s per store; the ratio is the median of per-round ratios)"
    row "metric" "SQLite" "in-memory" "ratio" "aim" "met"
    row "accepted (202) background requests/s" "$(printf '%.0f' "$accepted_sqlite")" "$(printf '%.0f' "$accepted_mem")" \
        "$store_ratio" "SQLite >= $STORE_AIM" "$(meets "$accepted_sqlite" ">=" "$STORE_AIM")"
    row "  p99 (ms)" "$(printf '%.2f' "$store_p99_sqlite")" "$(printf '%.2f' "$store_p99_mem")" "$store_p99_ratio" "-" "-"
    row "  other answers + socket errors" "${STORE_REFUSED[Sqlite]}" "${STORE_REFUSED[InMemory]}" "-" "-" "-"
    if [[ -n $STORE_ROWS ]]; then
        echo "SQLite store files after the run (rows >= 202s received, else an acknowledged execution was lost): ${STORE_ROWS%; }"
    fi
fi
if runs 4c && [[ -n $WRK2 ]]; then
    echo
    echo "the 202 at fixed rates (wrk2, open loop; p99 in ms, median of $STORE_ROUNDS rounds; * = the rate was not kept up)"
    row "offered requests/s" "SQLite" "in-memory" "ratio" "raw GET hello" "SQLite p99 < 5 ms"
    for rate in $FIXED_RATES; do
        # shellcheck disable=SC2086
        f_sql=$(median ${FIXED_P99[Sqlite-$rate]}) f_mem=$(median ${FIXED_P99[InMemory-$rate]}) f_raw=$(median ${FIXED_P99[raw-$rate]})
        row "$rate" "$(printf '%.2f' "$f_sql")${FIXED_SHORT[Sqlite-$rate]:+*}" "$(printf '%.2f' "$f_mem")${FIXED_SHORT[InMemory-$rate]:+*}" \
            "$(ratio "$f_sql" "$f_mem")" "$(printf '%.2f' "$f_raw")${FIXED_SHORT[raw-$rate]:+*}" "$(meets "$f_sql" "<" 5)"
    done
    if [[ -n $FIXED_ROWS ]]; then
        echo "SQLite store files after 4c (rows >= 202s received, else an acknowledged execution was lost): ${FIXED_ROWS%; }"
    fi
fi
if runs 5; then
    echo
    echo "several replicas ($REPLICAS servers each; median of $STORE_ROUNDS x ${STORE_DURATION_SECONDS} s; the ratio is the median of per-round ratios)"
    row "metric" "PostgreSQL" "in-memory" "ratio" "aim" "met"
    row "accepted (202) background requests/s" "$(printf '%.0f' "$rep_pg")" "$(printf '%.0f' "$rep_mem")" \
        "$rep_ratio" "PG >= $REPLICAS_AIM" "$(meets "$rep_pg" ">=" "$REPLICAS_AIM")"
    row "  p99 (ms)" "$(printf '%.2f' "$rep_p99_pg")" "$(printf '%.2f' "$rep_p99_mem")" "$(ratio "$rep_p99_pg" "$rep_p99_mem")" "-" "-"
    row "  other answers + socket errors" "${REP_REFUSED[PostgreSql]}" "${REP_REFUSED[InMemory]}" "-" "-" "-"
    echo "PostgreSQL rows after the run (rows >= 202s received, else an acknowledged execution was lost): ${REP_ROWS%; }"
fi
echo
if runs 2; then
    if [[ -n $QUIET_RPS_RATIOS ]]; then
        # shellcheck disable=SC2086
        echo "quiet rounds (other processes <= ${QUIET_PERCENT}% CPU in both runs): requests/s ratios ${QUIET_RPS_RATIOS}-> median $(median $QUIET_RPS_RATIOS)"
    else
        echo "no quiet round (other processes took more than ${QUIET_PERCENT}% CPU in every round): treat the ratios with care"
    fi
    echo "for scale: the raw app's GET /api/hello p99 in this run was ${p99_raw} ms (median) on the same CPUs"
    if ((FAILED[raw] + FAILED[apiroutes] > 0)); then
        echo "warning: /api/hello had non-2xx answers or socket errors (raw ${FAILED[raw]}, apiroutes ${FAILED[apiroutes]})"
    fi
fi
BUSY_AFTER=$(cpu_busy_percent)
# shellcheck disable=SC2086
echo "CPU taken by other processes: ${BUSY_BEFORE}% before, ${BUSY_AFTER}% after (1 s samples)${OTHERS:+, at most $(printf '%s\n' $OTHERS | sort -g | tail -n 1)% during a measured wrk run};" \
    "load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
SCRIPT_END=${EPOCHREALTIME/./}
echo "total run time: $(awk -v d=$((SCRIPT_END - ${SCRIPT_START/./})) 'BEGIN { printf "%.0f", d / 1000000 }') s"
