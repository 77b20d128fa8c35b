#!/usr/bin/env bash
# Figures for the main job, in one run on this machine:
#   - `ctr run` (our shim) to the container's first output line, N times;
#   - the floor: a bare QEMU boot of the same kernel and initrd to the agent's first answer
#     (`make bench-agent`'s measurement);
#   - peak RSS of the shim and of QEMU during those runs.
# Prints figures; does not judge them (targets: overhead over the floor < 15 %, shim < 25 MiB).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
# The shim as it ships: a release build.
(cd "$repo" && swift build -c release --product containerd-shim-kata-v2 >/dev/null)
bin=$(cd "$repo" && swift build -c release --show-bin-path)
bench_cleanup_extra() { [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true; }
source "$repo/scripts/bench-containerd.sh" "$bin/containerd-shim-kata-v2"

# Peak RSS (VmHWM) of every shim and QEMU seen while the runs go on.
(
    while true; do
        for pid in $(pgrep -f 'containerd-shim-kata-v2|qemu-system-x86_64 -name sandbox-' || true); do
            name=qemu; grep -qa containerd-shim "/proc/$pid/cmdline" 2>/dev/null && name=shim
            hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
            [ -n "$hwm" ] && echo "$name $hwm" >>"$work/rss"
        done
        sleep 0.05
    done
) &
sampler=$!

echo "ctr run -> first output line (ms), $runs runs:"
total=0
for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    ctr -a "$sock" run --rm --runtime io.containerd.kata.v2 docker.io/library/busybox:kata-local \
        "sandbox-bench-$i" /bin/echo ready | head -n1 >/dev/null
    ms=$((($(date +%s%N) - start) / 1000000))
    total=$((total + ms))
    echo "  run $i: $ms"
done
shim_mean=$((total / runs))
kill "$sampler" 2>/dev/null || true
sampler=

echo "floor: bare QEMU boot of the same kernel+initrd to the agent's first answer:"
floor_line=$(cd "$repo" && swift run -q AgentBench 2>/dev/null | grep '^median' || true)
echo "  $floor_line"
shim_peak=$(awk '$1=="shim" && $2>m {m=$2} END {print m+0}' "$work/rss")
qemu_peak=$(awk '$1=="qemu" && $2>m {m=$2} END {print m+0}' "$work/rss")
echo "mean ctr run -> first output: ${shim_mean} ms"
# The floor for first output: boot to the agent's answer plus container create+start to its
# first byte, both from the bare-QEMU benchmark.
floor_ms=$(echo "$floor_line" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/ && $(i+1) == "s" || $i ~ /^[0-9.]+$/ && $(i+1) == "s;") {t += $i}} END {printf "%d", t * 1000}')
if [ "${floor_ms:-0}" -gt 0 ]; then
    echo "floor (boot to agent + create/start to first byte): ${floor_ms} ms; overhead $(( (shim_mean - floor_ms) * 100 / floor_ms )) %"
fi
echo "peak RSS: shim $((shim_peak / 1024)) MiB, QEMU $((qemu_peak / 1024)) MiB"
