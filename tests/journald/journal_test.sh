#!/usr/bin/env bash
# Runs one kata container and kata-monitor with a private systemd-journald, then saves what
# `journalctl -t kata -o json` finds. Run it inside a private mount namespace
# (`unshare -m --propagation private`): the tmpfs mounts below hide the host's journal
# directories from this namespace only, so nothing on the host is touched.
#   journal_test.sh WORK IMAGE_TAR ID   (PATH must find our shim; KATA_CONF_FILE set)
# Writes WORK/journal.json (one entry a line) and exits 0 once the container ran.
set -euo pipefail
work=${1:?usage: journal_test.sh WORK IMAGE_TAR ID}
image_tar=${2:?}
id=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || {
    echo "journal_test.sh: run me in a private mount namespace" >&2
    exit 2
}
# A host without /run/systemd gets a private /run instead (no directory is made on the host).
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; else mount -t tmpfs tmpfs /run && mkdir -p /run/systemd; fi
mkdir -p /run/log && mount -t tmpfs tmpfs /run/log
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
/lib/systemd/systemd-journald >"$work/journald.log" 2>&1 &
journald=$!
monitor=""
cleanup() {
    [ -n "$monitor" ] && kill "$monitor" 2>/dev/null || true
    "$repo/scripts/containerd-private.sh" stop "$work/containerd" || true
    kill "$journald" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
[ -S /run/systemd/journal/socket ] || { echo "journald did not start" >&2; exit 1; }

sock=$("$repo/scripts/containerd-private.sh" start "$work/containerd")
ctr -a "$sock" images import "$image_tar" >/dev/null
ctr -a "$sock" run --rm --runtime io.containerd.kata.v2 docker.io/library/busybox:kata-local "$id" \
    /bin/echo hello-journal >"$work/ctr.out" 2>&1

kata-monitor --listen-address 127.0.0.1:0 --log-level info >"$work/kata-monitor.log" 2>&1 &
monitor=$!
sleep 1
kill -TERM "$monitor"
wait "$monitor" || true
monitor=""
sleep 0.5  # journald writes what it was sent
journalctl -t kata -o json --no-pager >"$work/journal.json"
