#!/usr/bin/env bash
# Fetches Debian's kernel package (without installing it into /boot) and produces, under OUT:
#   vmlinuz        the distro bzImage
#   vmlinux        the unpacked ELF kernel (boots ~3 s faster under TCG: no decompression)
#   modules/       the kernel's module tree (lib/modules/<release>)
#   release        the kernel release string
# Idempotent: does nothing when OUT/vmlinux already matches the package version.
set -euo pipefail
OUT=${1:?usage: build-kernel.sh OUT_DIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# linux-image-amd64 is a metapackage; its one dependency is the versioned kernel package.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
    apt-get update -q >/dev/null
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$pkg" ] || { echo "build-kernel: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }

if [ -f "$OUT/package" ] && [ "$(cat "$OUT/package")" = "$pkg" ] && [ -f "$OUT/vmlinux" ]; then
    echo "kernel: $pkg already in $OUT"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$pkg" 2>/dev/null)
dpkg-deb -x "$work"/*.deb "$work/root"
release=${pkg#linux-image-}
bz="$work/root/boot/vmlinuz-$release"

# The bzImage's compressed payload starts at (setup_sects + 1) * 512 + payload_offset
# (boot protocol: setup_sects at 0x1f1, payload_offset at 0x248).
setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
payload_offset=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
start=$(((setup_sects + 1) * 512 + payload_offset))
magic=$(od -An -tx1 -j "$start" -N4 "$bz" | tr -d ' ')
# The decompressors stop at the end of their stream; what follows it is ignored.
tail -c +$((start + 1)) "$bz" >"$work/payload"
case "$magic" in
    fd377a58) xz -dc --single-stream <"$work/payload" >"$work/vmlinux" ;;
    28b52ffd) zstd -dc <"$work/payload" >"$work/vmlinux" ;;
    *) echo "build-kernel: unknown payload compression (magic $magic) in $bz" >&2; exit 1 ;;
esac
[ "$(od -An -tx1 -N4 "$work/vmlinux" | tr -d ' ')" = 7f454c46 ] \
    || { echo "build-kernel: unpacked payload of $bz is not an ELF file" >&2; exit 1; }

rm -rf "$OUT/modules"
mkdir -p "$OUT/modules"
cp -a "$work/root/lib/modules/$release" "$OUT/modules/"
cp "$bz" "$OUT/vmlinuz"
mv "$work/vmlinux" "$OUT/vmlinux"
echo "$release" >"$OUT/release"
echo "$pkg" >"$OUT/package"
echo "kernel: $pkg -> $OUT (vmlinux $(stat -c %s "$OUT/vmlinux") bytes)"
