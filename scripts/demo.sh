#!/usr/bin/env bash
# The main job, end to end: a private containerd runs a busybox container inside a QEMU VM
# through containerd-shim-kata-v2 and prints the guest kernel (uname -a); then a container in a
# qemu-coco-dev sandbox with an initdata annotation (no host share; the guest's initdata digest),
# and what the same pod would measure under the SNP and TDX configurations. Everything started
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

# --- A confidential pod's shape on this machine (configuration-qemu-coco-dev.toml) ----------
# No TEE here, but everything else as a confidential pod has it: nothing of the host is shared
# into the VM (the container's root filesystem is an EROFS image with a dm-verity tree,
# hot-plugged read-only), and the pod's initdata (its key broker, its policy) arrives on a
# read-only disk whose digest the guest computes. On SNP/TDX that digest is bound into the launch.
echo
echo "== coco-dev: a container with nothing shared from the host, and initdata"
sed -E -e 's|^kernel = .*|kernel = "'"$repo"'/build/kernel/vmlinux"|' \
    -e 's|^initrd = .*|initrd = "'"$repo"'/build/guest/kata-initrd.img"|' \
    -e 's|^default_memory = .*|default_memory = 512|' \
    "$repo/configuration/configuration-qemu-coco-dev.toml" >"$work/coco-dev.toml"
cat >"$work/initdata.toml" <<'TOML'
version = "0.1.0"
algorithm = "sha384"

[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://kbs.example.internal:8080"
'''
"policy.rego" = '''
package agent_policy
default AllowRequestsFailingPolicy := true
'''
TOML
annotation="io.katacontainers.config.hypervisor.cc_init_data=$(gzip -9n <"$work/initdata.toml" | base64 -w0)"
echo "initdata    : sha384 $(sha384sum "$work/initdata.toml" | cut -d' ' -f1) (computed on the host)"
ctr -a "$sock" run --rm --runtime io.containerd.kata.v2 --runtime-config-path "$work/coco-dev.toml" \
    --annotation "$annotation" docker.io/library/busybox:kata-local kata-demo-coco \
    sh -c 'echo "container   : hello from $(uname -n), root on $(grep " / " /proc/mounts | cut -d" " -f1,3 | tail -1)"; sleep 3' &
run=$!
qemu=""
for _ in $(seq 1 300); do
    qemu=$(pgrep -f "sandbox-kata-demo-coco" | head -1 || true)
    [ -n "$qemu" ] && grep -q "kata-agent: initdata:" /run/vc/sbs/kata-demo-coco/vm/console.log 2>/dev/null && break
    sleep 0.2
done
if [ -n "$qemu" ]; then
    argv=$(tr '\0' ' ' <"/proc/$qemu/cmdline" 2>/dev/null || true)
    if grep -Eq 'virtio-9p|fsdev|virtfs' <<<"$argv"; then
        echo "host share  : QEMU HAS a 9p share: $argv"
    else
        echo "host share  : none (QEMU's argv has no 9p/virtfs device; $(grep -o 'pcie-root-port' <<<"$argv" | wc -l) hot-plug ports, $(grep -o 'id=initdata' <<<"$argv" | wc -l) read-only initdata disk)"
    fi
    line=$(grep -ao "kata-agent: initdata: .*" /run/vc/sbs/kata-demo-coco/vm/console.log | head -1 || true)
    echo "guest       : ${line:-no initdata line on the guest console}"
fi
wait "$run"

# What the same pod would measure under the SNP and TDX configurations. This machine has
# neither, so the planner is shown a described host offering the technology (--host-root,
# --host-cpuid: files and CPUID leaves, nothing runs); the firmware, kernel and initrd are real.
described_host() { # technology dir
    local dir=$2
    mkdir -p "$dir/proc" "$dir/etc" "$dir/dev" "$dir/sys/module/kvm/parameters"
    printf 'NAME=described\nVERSION_ID=1\n' >"$dir/etc/os-release"
    printf 'MemTotal:       25165824 kB\nMemAvailable:   20000000 kB\n' >"$dir/proc/meminfo"
    echo N >"$dir/sys/module/kvm/parameters/ignore_msrs"
    mknod "$dir/dev/kvm" c 10 232
    if [ "$1" = tdx ]; then
        printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx tdx_host_platform\n\n' >"$dir/proc/cpuinfo"
        mkdir -p "$dir/sys/module/kvm_intel/parameters"
        echo Y >"$dir/sys/module/kvm_intel/parameters/tdx"
    else
        printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu lm svm sev sev_es sev_snp\n\n' >"$dir/proc/cpuinfo"
        mkdir -p "$dir/sys/module/kvm_amd/parameters"
        for p in sev sev_es sev_snp; do echo Y >"$dir/sys/module/kvm_amd/parameters/$p"; done
        mknod "$dir/dev/sev" c 1 3
    fi
}
for tech in snp tdx; do
    described_host "$tech" "$work/host-$tech"
    sed -E -e 's|^kernel = .*|kernel = "'"$repo"'/build/kernel/vmlinuz"|' \
        -e 's|^initrd = .*|initrd = "'"$repo"'/build/guest/kata-initrd.img"|' \
        "$repo/configuration/configuration-qemu-$tech.toml" >"$work/$tech.toml"
    if [ "$tech" = tdx ]; then
        cpuid=(--host-cpuid 0x1=806f8,0,0,0 --host-cpuid 0x80000000=80000008,0,0,0)
    else
        cpuid=(--host-cpuid 0x1=a10f11,0,0,0 --host-cpuid 0x80000000=80000021,0,0,0 --host-cpuid 0x8000001f=1b,73,0,0)
    fi
    echo
    echo "== $tech: kata-runtime measure --config configuration-qemu-$tech.toml --annotation cc_init_data=..."
    if report=$("$bin/kata-runtime" measure --config "$work/$tech.toml" --host-root "$work/host-$tech" \
        "${cpuid[@]}" --annotation "$annotation" --json 2>&1); then
        python3 -c 'import json, sys
d = json.loads(sys.argv[1])
for key in ("mr_td", "rtmr_1", "rtmr_2") if "mr_td" in d else ("measurement",):
    quiet = set(d[key]) == {"0"}
    print(f"{key:<12}: {d[key]}" + (" (zero: EFI stubs before Linux 6.9 measure nothing here)" if quiet else ""))
i = d.get("init_data") or {}
field, value, algorithm = i.get("field") or "initdata", i.get("value"), i.get("algorithm")
print(f"{field:<12}: {value} ({algorithm} of the initdata, first bytes)")' "$report"
    else
        echo "refused     : ${report#Error: }"
        [ "$tech" = snp ] && echo "host_data   : $(sha384sum "$work/initdata.toml" | cut -c1-64) (what HOST_DATA would carry: the first 32 bytes of the initdata's sha384)"
    fi
done
