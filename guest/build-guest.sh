#!/usr/bin/env bash
# Assembles the guest image under OUT from a built kata-agent and `make kernel`'s output:
#   OUT/kata-agent        the agent, stripped (it is /init in the initrd)
#   OUT/kata-initrd.img   the reproducible initrd (build-initrd.sh)
# and prints the size and SHA-256 of each, and of KERNEL_DIR/vmlinux (the kernel the VM boots).
#   build-guest.sh OUT_DIR KERNEL_DIR AGENT_BINARY
set -euo pipefail
out=${1:?usage: build-guest.sh OUT_DIR KERNEL_DIR AGENT_BINARY}
kernel_dir=${2:?kernel dir}
agent=${3:?agent binary}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

# The agent must not pull in full Foundation (its ICU data alone is ~40 MB) nor need the Swift
# runtime as shared libraries. (Counted, not `grep -q`: an early grep exit fails the pipe.)
if [ "$(ldd "$agent" | grep -c 'libswift\|libFoundation' || true)" != 0 ]; then
    echo "build-guest: $agent links the Swift runtime dynamically; build it with --static-swift-stdlib" >&2
    exit 1
fi
if [ "$(nm "$agent" | grep -c 'FoundationInternationalization\|icudt' || true)" != 0 ]; then
    echo "build-guest: $agent contains full Foundation (ICU); import FoundationEssentials only" >&2
    exit 1
fi
strip -o "$out/kata-agent.tmp" "$agent"
mv "$out/kata-agent.tmp" "$out/kata-agent"
touch -d @0 "$out/kata-agent"
"$here/build-initrd.sh" "$out/kata-initrd.img" "$kernel_dir" "$out/kata-agent" >/dev/null
for f in "$out/kata-agent" "$out/kata-initrd.img" "$kernel_dir/vmlinux"; do
    printf '%-50s %10s bytes  sha256 %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
done
