#!/usr/bin/env bash
# The main job, end to end: a private containerd runs a busybox container inside a QEMU VM
# through containerd-shim-kata-v2, prints the guest kernel (uname -a), and everything started
# here is stopped again. Expects `make build guest` to have run (the Makefile's demo does).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$repo" && swift build --show-bin-path)
work=$(mktemp -d /tmp/kata-demo.XXXXXX)
cleanup() {
    "$repo/scripts/containerd-private.sh" stop "$work/containerd" || true
    pkill -f "sandbox-kata-demo" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# containerd finds the shim by name on its PATH; the configuration comes from KATA_CONF_FILE.
mkdir -p "$work/bin"
ln -s "$bin/containerd-shim-kata-v2" "$work/bin/containerd-shim-kata-v2"
sed -E -e 's|^kernel = .*|kernel = "'"$repo"'/build/kernel/vmlinux"|' \
    -e 's|^initrd = .*|initrd = "'"$repo"'/build/guest/kata-initrd.img"|' \
    "$repo/configuration/configuration-qemu.toml" >"$work/configuration.toml"

export PATH="$work/bin:$PATH" KATA_CONF_FILE="$work/configuration.toml"
sock=$("$repo/scripts/containerd-private.sh" start "$work/containerd")
"$repo/scripts/busybox-image.sh" "$work/busybox.tar" >/dev/null
ctr -a "$sock" images import "$work/busybox.tar" >/dev/null

echo "host kernel : $(uname -r)"
start=$(date +%s%N)
ctr -a "$sock" run --rm --runtime io.containerd.kata.v2 docker.io/library/busybox:kata-local kata-demo uname -a
echo "ctr run took $((($(date +%s%N) - start) / 1000000)) ms (VM boot included)"
