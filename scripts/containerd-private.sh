#!/usr/bin/env bash
# Starts or stops a containerd of our own, with its root, state, sockets and config under DIR,
# so that tests and the demo never touch a system containerd.
#   containerd-private.sh start DIR    -> prints the socket path once containerd answers
#   containerd-private.sh stop DIR     -> stops it (and its shims), removes its mounts
set -euo pipefail
action=${1:?usage: containerd-private.sh start|stop DIR}
dir=${2:?usage: containerd-private.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/containerd.sock"

case "$action" in
start)
    mkdir -p "$dir/root" "$dir/state" "$dir/opt"
    cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
TOML
    containerd --config "$dir/config.toml" --log-level info >"$dir/containerd.log" 2>&1 &
    echo $! >"$dir/containerd.pid"
    for _ in $(seq 1 100); do
        if [ -S "$sock" ] && ctr -a "$sock" version >/dev/null 2>&1; then echo "$sock"; exit 0; fi
        kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "containerd did not come up; its log:" >&2
    tail -20 "$dir/containerd.log" >&2
    exit 1
    ;;
stop)
    if [ -f "$dir/containerd.pid" ]; then
        pid=$(cat "$dir/containerd.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/containerd.pid"
    fi
    # Snapshots and task rootfs mounts live under root/state; unmount deepest first.
    grep -F " $dir/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
    ;;
*) echo "unknown action $action" >&2; exit 2 ;;
esac
