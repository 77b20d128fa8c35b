"""Benchmark for `make bench-measure`: SNP launch measurement with the distro kernel and a
512 MiB initrd, `kata-runtime measure` against sev-snp-measure 0.0.13.

Prints wall time and peak RSS of each, side by side, and the OpenSSL bound: the bytes hashed
divided by the `openssl speed -evp sha256` rate on this machine.
"""
import argparse
import glob
import os
import re
import resource
import struct
import subprocess
import sys
import time
import uuid

MIB = 1 << 20


def ensure_kernel(work):
    found = glob.glob(os.path.join(work, "kernel", "boot", "vmlinuz-*"))
    if found:
        return found[0]
    depends = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], check=True,
                             capture_output=True, text=True).stdout
    package = re.search(r"Depends: (linux-image-[^\s]+)", depends).group(1)
    subprocess.run(["apt-get", "download", package], check=True, cwd=work)
    deb = glob.glob(os.path.join(work, package + "_*.deb"))[0]
    subprocess.run(["dpkg", "-x", deb, os.path.join(work, "kernel")], check=True)
    os.remove(deb)
    return glob.glob(os.path.join(work, "kernel", "boot", "vmlinuz-*"))[0]


def ensure_initrd(work, size):
    path = os.path.join(work, f"initrd-{size // MIB}M.img")
    if not os.path.exists(path) or os.path.getsize(path) != size:
        with open(path, "wb") as sink:
            for _ in range(size // (4 * MIB)):
                sink.write(os.urandom(4 * MIB))
    return path


def guid(text):
    return uuid.UUID(text).bytes_le


def ensure_firmware(work):
    """A 2 MiB image with an AmdSev-style footer table, including an SNP kernel-hashes section."""
    path = os.path.join(work, "amdsev-like.fd")
    if os.path.exists(path):
        return path
    size = 2 * MIB
    image = bytearray(os.urandom(size))
    sections = [(0x800000, 0x9000, 1), (0x80d000, 0x1000, 2), (0x80e000, 0x1000, 3), (0x80f000, 0x1000, 0x10),
                (0x810000, 0x10000, 1)]
    metadata = b"ASEV" + struct.pack("<III", 16 + 12 * len(sections), 1, len(sections))
    metadata += b"".join(struct.pack("<III", *section) for section in sections)
    image[size - 0x600:size - 0x600 + len(metadata)] = metadata
    entries = [
        (guid("00f771de-1a7e-4fcb-890e-68c77e2fb44e"), struct.pack("<I", 0x80b004)),
        (guid("7255371f-3a3b-4b04-927b-1da6efa8d454"), struct.pack("<II", 0x80fc00, 0x400)),
        (guid("dc886566-984a-4798-a75e-5585a7bf67cc"), struct.pack("<I", 0x600)),
    ]
    table = b"".join(data + struct.pack("<H", len(data) + 18) + tag for tag, data in entries)
    table += struct.pack("<H", len(table) + 18) + guid("96b582de-1fb2-45f7-baea-a366c55a082d")
    image[size - 32 - len(table):size - 32] = table
    with open(path, "wb") as sink:
        sink.write(image)
    return path


def measure(command):
    """Wall seconds, peak RSS in MiB and stdout of one run."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - start
    if status != 0:
        sys.exit(f"{command[0]} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024, output.decode().strip()


def openssl_rate():
    text = subprocess.run(["openssl", "speed", "-mr", "-evp", "sha256", "-bytes", str(MIB), "-seconds", "3"],
                          check=True, capture_output=True, text=True).stdout
    return float(re.search(r"\+F:\d+:sha256:([0-9.]+)", text).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kata", required=True)
    parser.add_argument("--sev-snp-measure", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--initrd-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    kernel = ensure_kernel(args.work)
    initrd = ensure_initrd(args.work, args.initrd_mib * MIB)
    firmware = ensure_firmware(args.work)
    options = ["--mode", "snp", "--vcpus", "4", "--vcpu-type", "EPYC-v4", "--ovmf", firmware, "--kernel", kernel,
               "--initrd", initrd, "--append", "console=ttyS0 root=/dev/vda1"]
    tools = {"kata-runtime measure": [args.kata, "measure"] + options,
             "sev-snp-measure 0.0.13": [args.sev_snp_measure] + options}
    for path in (kernel, initrd, firmware):  # warm the page cache so both read from memory
        with open(path, "rb") as source:
            while source.read(16 * MIB):
                pass
    results = {}
    for name, command in tools.items():
        runs = [measure(command) for _ in range(args.runs)]
        results[name] = (min(run[0] for run in runs), max(run[1] for run in runs), runs[0][2])
    hashed = os.path.getsize(kernel) + os.path.getsize(initrd)
    rate = openssl_rate()
    bound = hashed / rate
    print(f"inputs: kernel {os.path.getsize(kernel) / MIB:.1f} MiB ({os.path.basename(kernel)}), "
          f"initrd {args.initrd_mib} MiB, firmware 2 MiB; best of {args.runs} runs")
    print(f"{'tool':<24} {'wall (s)':>9} {'peak RSS (MiB)':>15}")
    for name, (wall, rss, _) in results.items():
        print(f"{name:<24} {wall:>9.3f} {rss:>15.1f}")
    ours, theirs = results["kata-runtime measure"], results["sev-snp-measure 0.0.13"]
    print(f"OpenSSL bound: {hashed / MIB:.0f} MiB / {rate / MIB:.0f} MiB/s (openssl speed -evp sha256) = {bound:.3f} s")
    print(f"speed-up vs sev-snp-measure: {theirs[0] / ours[0]:.2f}x (target >= 1.5x); "
          f"ours / OpenSSL bound: {ours[0] / bound:.2f} (target <= 1.3); "
          f"peak RSS {ours[1]:.1f} MiB (target < 32)")
    print(f"digests {'identical' if ours[2] == theirs[2] else 'DIFFER'}: {ours[2]}")
    return 0 if ours[2] == theirs[2] else 1


if __name__ == "__main__":
    sys.exit(main())
