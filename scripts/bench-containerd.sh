# Sourced by the shim benchmarks: a private containerd whose kata runtime is the shim binary
# "$1", the busybox image imported. Sets work, sock and the EXIT trap; `bench_cleanup_extra`
# (optional, defined by the caller) runs first on exit.
work=$(mktemp -d /tmp/kata-bench.XXXXXX)
cleanup() {
    declare -F bench_cleanup_extra >/dev/null && bench_cleanup_extra
    "$repo/scripts/containerd-private.sh" stop "$work/containerd" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/bin"
ln -s "$1" "$work/bin/containerd-shim-kata-v2"
sed -E -e 's|^kernel = .*|kernel = "'"$repo"'/build/kernel/vmlinux"|' \
    -e 's|^initrd = .*|initrd = "'"$repo"'/build/guest/kata-initrd.img"|' \
    -e 's|^default_memory = .*|default_memory = 256|' \
    "$repo/configuration/configuration-qemu.toml" >"$work/configuration.toml"
export PATH="$work/bin:$PATH" KATA_CONF_FILE="$work/configuration.toml"
sock=$("$repo/scripts/containerd-private.sh" start "$work/containerd")
"$repo/scripts/busybox-image.sh" "$work/busybox.tar" >/dev/null
ctr -a "$sock" images import "$work/busybox.tar" >/dev/null
