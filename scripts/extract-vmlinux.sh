#!/usr/bin/env bash
# Unpacks the ELF vmlinux from an x86 bzImage: the compressed payload starts at
# (setup_sects + 1) * 512 + payload_offset (boot protocol header fields at 0x1f1 and 0x248).
set -euo pipefail
bzimage=$1 out=$2
u8() { od -An -t u1 -j "$1" -N 1 "$bzimage" | tr -d ' '; }
u32() { od -An -t u4 -j "$1" -N 4 "$bzimage" | tr -d ' '; }
setup_sects=$(u8 $((0x1f1)))
payload_offset=$(u32 $((0x248)))
start=$(((setup_sects + 1) * 512 + payload_offset))
magic=$(od -An -t x1 -j "$start" -N 6 "$bzimage" | tr -d ' ')
case $magic in
    fd377a585a00) decompress=(xz -dc --single-stream) ;;
    28b52ffd*) decompress=(zstd -dcq) ;;
    1f8b*) decompress=(gzip -dc) ;;
    5d0000*) decompress=(xz -dc --format=lzma) ;;
    *) echo "extract-vmlinux: $bzimage: unknown payload compression (magic $magic)" >&2; exit 1 ;;
esac
# A file, not a pipe: the decompressor stops at the end of its stream (trailing bytes follow).
tail -c +$((start + 1)) "$bzimage" >"$out.payload"
"${decompress[@]}" <"$out.payload" >"$out.tmp"
rm -f "$out.payload"
[ "$(od -An -t x1 -N 4 "$out.tmp" | tr -d ' ')" = 7f454c46 ] || { echo "extract-vmlinux: not an ELF" >&2; exit 1; }
mv "$out.tmp" "$out"
echo "kernel: unpacked $out"
