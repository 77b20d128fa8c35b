#!/usr/bin/env bash
# How long anything of a sandbox (its shim, QEMU, state and share directories, mounts) outlives
# `ctr run --rm` returning, N times, with the shim binary SHIM (default: this tree's debug build).
# Prints figures; not a test (PromptExitTests checks the 1 s bound).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
shim=${SHIM:-$(cd "$repo" && swift build --show-bin-path)/containerd-shim-kata-v2}
source "$repo/scripts/bench-containerd.sh" "$shim"

left() {
    local id=$1
    pgrep -f -- "containerd-shim-kata-v2 .*-id $id " >/dev/null && return 0
    pgrep -f -- "sandbox-$id " >/dev/null && return 0
    [ -e "/run/vc/sbs/$id" ] || [ -e "/run/kata-containers/shared/sandboxes/$id" ] && return 0
    grep -q "/run/kata-containers/shared/sandboxes/$id/" /proc/mounts && return 0
    return 1
}

echo "ctr run --rm returned -> nothing of the sandbox left (s), $runs runs, shim $shim:"
for i in $(seq 1 "$runs"); do
    id="exit-$i-$$"
    ctr -a "$sock" run --rm --runtime io.containerd.kata.v2 docker.io/library/busybox:kata-local \
        "$id" /bin/true
    start=$(date +%s%N)
    while left "$id" && [ $(($(date +%s%N) - start)) -lt 20000000000 ]; do sleep 0.01; done
    echo "  run $i: $(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN {printf "%.3f", ns / 1e9}')"
done
