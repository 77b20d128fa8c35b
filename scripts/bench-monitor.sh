#!/usr/bin/env bash
# kata-monitor figures, in one run on this machine: GET /metrics latency (median and max of 10
# scrapes) with 1, 4 and 8 running sandboxes, beside one shim's own /metrics answered directly
# (the baseline: kata-monitor's cost is what it adds to the slowest shim), and kata-monitor's
# peak RSS. Release builds of the shim and kata-monitor. Prints figures; judges nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
(cd "$repo" && swift build -c release --product containerd-shim-kata-v2 >/dev/null &&
    swift build -c release --product kata-monitor >/dev/null)
bin=$(cd "$repo" && swift build -c release --show-bin-path)
ids=()
bench_cleanup_extra() {
    [ -n "${monitor:-}" ] && kill "$monitor" 2>/dev/null || true
    for id in "${ids[@]}"; do
        ctr -a "$sock" task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        ctr -a "$sock" task delete -f "$id" >/dev/null 2>&1 || true
        ctr -a "$sock" container rm "$id" >/dev/null 2>&1 || true
    done
}
source "$repo/scripts/bench-containerd.sh" "$bin/containerd-shim-kata-v2"
port=$((20000 + RANDOM % 20000))
"$bin/kata-monitor" --listen-address "127.0.0.1:$port" --log-level error 2>"$work/kata-monitor.log" &
monitor=$!

# Median and max milliseconds of 10 GETs of URL (curl args after the URL).
timed() {
    local times=()
    for _ in $(seq 1 10); do
        local start=$(date +%s%N)
        curl -sf -m 30 "$@" >/dev/null
        times+=($((($(date +%s%N) - start) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, max %d ms", a[int((NR+1)/2)], a[NR]}'
}

for target in 1 4 8; do
    while [ "${#ids[@]}" -lt "$target" ]; do
        id="bench-monitor-${#ids[@]}-$$"
        ctr -a "$sock" run -d --runtime io.containerd.kata.v2 docker.io/library/busybox:kata-local \
            "$id" /bin/sleep 3600 >/dev/null
        ids+=("$id")
    done
    for _ in $(seq 1 100); do
        [ "$(curl -sf "127.0.0.1:$port/sandboxes" | grep -c bench-monitor- || true)" -ge "$target" ] && break
        sleep 0.2
    done
    echo "$target sandbox(es): kata-monitor /metrics $(timed "http://127.0.0.1:$port/metrics");" \
        "one shim's /metrics $(timed --unix-socket "/run/vc/sbs/${ids[0]}/shim-monitor.sock" http://localhost/metrics)"
done
echo "kata-monitor peak RSS: $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$monitor/status")"
