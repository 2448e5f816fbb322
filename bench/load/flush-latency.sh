#!/usr/bin/env bash
# The disk's flush latency on this machine, three ways: alone (every CPU may idle while the flush waits), with a busy
# CPU beside it (a shell loop at normal priority) and with a busy CPU at idle priority (SCHED_IDLE, as the SQLite
# store's CpuAwake thread). Each: FLUSHES (300) times an 8 KB write in place and fdatasync, median and p90 printed;
# ROUNDS (3) rounds, the three ways alternating. About 10 s; needs python3. A file of 400 KB in a temporary folder.
set -euo pipefail
FLUSHES=${FLUSHES:-300}
ROUNDS=${ROUNDS:-3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

flushes() {
    python3 - "$DIR/file" "$FLUSHES" <<'PY'
import os, statistics, sys, time
path, count = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDWR | os.O_CREAT)
os.pwrite(fd, bytes(50 * 8192), 0); os.fsync(fd)
block = os.urandom(8192); took = []
for i in range(count):
    start = time.perf_counter(); os.pwrite(fd, block, (i % 50) * 8192); os.fdatasync(fd)
    took.append((time.perf_counter() - start) * 1000)
took.sort()
print(f"median {statistics.median(took):6.3f} ms   p90 {took[int(count * 0.9)]:6.3f} ms")
PY
}

busy() { # busy SECONDS [idle]: one CPU busy for SECONDS, at idle priority with "idle"
    if [[ ${2:-} == idle ]]; then
        timeout "$1" python3 -c 'import os
os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
while True: pass' || true
    else
        timeout "$1" sh -c 'while :; do :; done' || true
    fi
}

echo "== fdatasync latency ($FLUSHES flushes of an 8 KB write in place each; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for ((round = 1; round <= ROUNDS; round++)); do
    printf 'round %d  alone                  %s\n' "$round" "$(flushes)"
    busy 3 & pid=$!; sleep 0.2
    printf 'round %d  a busy CPU beside it   %s\n' "$round" "$(flushes)"
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    busy 3 idle & pid=$!; sleep 0.2
    printf 'round %d  a busy CPU, SCHED_IDLE %s\n' "$round" "$(flushes)"
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
done
