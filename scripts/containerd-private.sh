#!/usr/bin/env bash
# Starts or stops a containerd of our own, with its root, state, sockets and config under DIR,
# so that tests and the demo never touch a system containerd.
#   containerd-private.sh start DIR    -> prints the socket path once containerd answers
#   containerd-private.sh stop DIR     -> stops it (and its shims), removes its mounts
# Optional environment for the CRI plugin (defaults keep the plain setup):
#   CRI_RUNTIME_HANDLERS="NAME=RUNTIME_TYPE ..."  CRI runtime handlers; default
#                         "kata=io.containerd.kata.v2". RUNTIME_TYPE may be a shim's absolute
#                         path. "runc=io.containerd.runc.v2" is added unless given: it is CRI's
#                         default handler, and the CRI plugin fails to load without it.
#   CRI_SANDBOX_IMAGE=REF the pod sandbox ("pause") image; it must be imported into the
#                         k8s.io namespace, since there is no registry to pull it from.
#   CRI_CNI_CONF_DIR=DIR  pod networks: CNI configuration (a .conflist) from DIR, plugins from
#                         CRI_CNI_BIN_DIR (default /usr/lib/cni). Unset: no CNI configuration.
#   CRI_KATA_SNIPPET=FILE handlers added with scripts/containerd-register-kata.sh, as `make
#                         install` adds configuration/containerd/kata-runtimes.toml on a node.
set -euo pipefail
action=${1:?usage: containerd-private.sh start|stop DIR}
dir=${2:?usage: containerd-private.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/containerd.sock"

case "$action" in
start)
    mkdir -p "$dir/root" "$dir/state" "$dir/opt"
    sandbox_image=""
    if [ -n "${CRI_SANDBOX_IMAGE:-}" ]; then
        case "$CRI_SANDBOX_IMAGE" in *[\"\\]*) echo "CRI_SANDBOX_IMAGE: quotes or backslashes not allowed" >&2; exit 2 ;; esac
        sandbox_image="  sandbox_image = \"$CRI_SANDBOX_IMAGE\""
    fi
    cni=""
    if [ -n "${CRI_CNI_CONF_DIR:-}" ]; then
        case "$CRI_CNI_CONF_DIR${CRI_CNI_BIN_DIR:-}" in *[\"\\]*) echo "CRI_CNI_*: quotes or backslashes not allowed" >&2; exit 2 ;; esac
        cni="[plugins.\"io.containerd.grpc.v1.cri\".cni]
  bin_dir = \"${CRI_CNI_BIN_DIR:-/usr/lib/cni}\"
  conf_dir = \"$CRI_CNI_CONF_DIR\"
"
    fi
    handlers=""
    handler_list=${CRI_RUNTIME_HANDLERS:-kata=io.containerd.kata.v2}
    [[ " $handler_list" == *" runc="* ]] || handler_list="runc=io.containerd.runc.v2 $handler_list"
    for handler in $handler_list; do
        name=${handler%%=*}
        type=${handler#*=}
        if ! [[ "$handler" == *=* && "$name" =~ ^[A-Za-z0-9._-]+$ && -n "$type" && "$type" != *[\"\\]* ]]; then
            echo "CRI_RUNTIME_HANDLERS: bad entry '$handler' (want NAME=RUNTIME_TYPE)" >&2
            exit 2
        fi
        handlers+="[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.\"$name\"]
  runtime_type = \"$type\"
"
    done
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
$sandbox_image
$handlers
$cni
TOML
    if [ -n "${CRI_KATA_SNIPPET:-}" ]; then
        "$(dirname "$0")/containerd-register-kata.sh" "$dir/config.toml" "$CRI_KATA_SNIPPET" >/dev/null
    fi
    # containerd must not keep our caller's descriptors: Foundation's Process, for one, takes
    # its child for running until every holder of an inherited socket has closed it.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
        done
        exec containerd --config "$dir/config.toml" --log-level info >"$dir/containerd.log" 2>&1
    ) &
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
        # Tasks left by a run that failed half way would outlive containerd with their shims
        # (and VMs): delete them, and their containers, while containerd still answers.
        if kill -0 "$pid" 2>/dev/null; then
            for ns in $(ctr -a "$sock" namespaces ls -q 2>/dev/null); do
                for task in $(ctr -a "$sock" -n "$ns" tasks ls -q 2>/dev/null); do
                    timeout 60 ctr -a "$sock" -n "$ns" tasks delete -f "$task" >/dev/null 2>&1 || true
                done
                for container in $(ctr -a "$sock" -n "$ns" containers ls -q 2>/dev/null); do
                    timeout 30 ctr -a "$sock" -n "$ns" containers rm "$container" >/dev/null 2>&1 || true
                done
            done
        fi
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/containerd.pid"
    fi
    # Snapshots and task rootfs mounts live under root/state; unmount deepest first.
    { grep -F " $dir/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
    ;;
*) echo "unknown action $action" >&2; exit 2 ;;
esac
