"""An independent TDX direct-boot calculation (RTMR1, RTMR2, PE Authenticode), written from
the published algorithms to check the Swift one against; headers are parsed with pefile.

Usage:
  tdx_reference.py authenticode FILE...   one JSON object per file: its edk2-rule SHA-384
                                          and SHA-256
  tdx_reference.py rtmr CASES.json        one JSON object per case: events, rtmr_1, rtmr_2
"""
import hashlib
import json
import struct
import sys

import pefile

SECURITY = pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_SECURITY"]


def authenticode(data, algorithm):
    """edk2 MeasurePeImageAndExtend: headers minus CheckSum and the certificate entry, sections
    with raw data sorted by file offset, then the rest up to the certificate table."""
    pe = pefile.PE(data=bytes(data), fast_load=True)
    optional = pe.OPTIONAL_HEADER
    checksum = optional.get_field_absolute_offset("CheckSum")
    headers = optional.SizeOfHeaders
    digest = hashlib.new(algorithm)
    digest.update(data[:checksum])
    cert_size = 0
    if optional.NumberOfRvaAndSizes > SECURITY:
        entry = optional.DATA_DIRECTORY[SECURITY]
        entry_offset = entry.get_file_offset()
        digest.update(data[checksum + 4:entry_offset])
        digest.update(data[entry_offset + 8:headers])
        cert_size = entry.Size
    else:
        digest.update(data[checksum + 4:headers])
    hashed = headers
    sections = [s for s in pe.sections if s.SizeOfRawData]
    for section in sorted(sections, key=lambda s: s.PointerToRawData):
        start = section.PointerToRawData
        digest.update(data[start:start + section.SizeOfRawData])
        hashed += section.SizeOfRawData
    if len(data) > hashed + cert_size:
        digest.update(data[hashed:len(data) - cert_size])
    return digest.hexdigest()


def patch_like_qemu(data, cmdline_length, initrd_size, memory):
    """x86_load_linux's header writes (QEMU < 10.2), q35 memory layout."""
    data = bytearray(data)
    protocol = struct.unpack_from("<H", data, 0x206)[0] if data[0x202:0x206] == b"HdrS" else 0
    loadflags = data[0x211]
    cmdline_size = (cmdline_length + 16) & ~15
    if protocol < 0x202 or not loadflags & 1:
        real, cmdline = 0x90000, (0x9A000 - cmdline_size) & 0xFFFFFFFF
    else:
        real, cmdline = 0x10000, 0x20000
    lowmem = 0x80000000 if memory >= 0xB0000000 else 0xB0000000
    below = min(memory, lowmem)
    if protocol >= 0x20C and struct.unpack_from("<H", data, 0x236)[0] & 2:
        initrd_max = 0xFFFFFFFF
    elif protocol >= 0x203:
        initrd_max = struct.unpack_from("<I", data, 0x22C)[0]
    else:
        initrd_max = 0x37FFFFFF
    acpi = 0x28000
    if initrd_max >= below - acpi:
        initrd_max = below - acpi - 1
    if protocol >= 0x202:
        struct.pack_into("<I", data, 0x228, cmdline)
    else:
        struct.pack_into("<HH", data, 0x20, 0xA33F, (cmdline - real) & 0xFFFF)
    if protocol >= 0x200:
        data[0x210] = 0xB0
    if protocol >= 0x201:
        data[0x211] = loadflags | 0x80
        struct.pack_into("<H", data, 0x224, (cmdline - real - 0x200) & 0xFFFF)
    if initrd_size is not None:
        if initrd_size >= initrd_max:
            raise ValueError("initrd too large")
        struct.pack_into("<II", data, 0x218, (initrd_max - initrd_size) & ~0xFFF, initrd_size)
    return data


def kernel_release(data):
    if data[0x202:0x206] != b"HdrS":
        return None
    pointer = struct.unpack_from("<H", data, 0x20E)[0]
    if not pointer:
        return None
    text = data[pointer + 0x200:pointer + 0x200 + 256].split(b"\0")[0].decode("utf-8", "replace")
    parts = text.split(" ")[0].split("-")[0].split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def sha384(data):
    return hashlib.sha384(data).hexdigest()


def rtmr(case):
    with open(case["kernel"], "rb") as source:
        kernel = source.read()
    initrd = None
    if case.get("initrd"):
        with open(case["initrd"], "rb") as source:
            initrd = source.read()
    cmdline = case["cmdline"]
    if case["header"] == "patched":
        kernel = patch_like_qemu(kernel, len(cmdline.encode()), None if initrd is None else len(initrd), case["memory"])
    events = [(1, authenticode(kernel, "sha384")), (1, sha384(b"Calling EFI Application from Boot Option"))]
    events.append((1 if case["separator"] == "rtmr_1" else 0, sha384(b"\0\0\0\0")))
    events += [(1, sha384(b"Exit Boot Services Invocation")), (1, sha384(b"Exit Boot Services Returned with Success"))]
    stub = case.get("stub")
    if stub is None:
        release = kernel_release(kernel)
        stub = release is not None and release >= (6, 9)
    if stub:
        has_initrd = bool(initrd)
        options = cmdline
        if has_initrd:
            options = "initrd=initrd " + cmdline if case["initrd_option"] == "prefix" else cmdline + " initrd=initrd"
        if options:
            # Each byte of the ASCII command line becomes one UTF-16 unit; then the NUL.
            wide = b"".join(bytes([byte, 0]) for byte in options.encode()) + b"\0\0"
            events.append((2, sha384(wide)))
        if has_initrd:
            events.append((2, sha384(initrd)))
    registers = {}
    for index in (1, 2):
        value = bytes(48)
        for register, digest in events:
            if register == index:
                value = hashlib.sha384(value + bytes.fromhex(digest)).digest()
        registers[index] = value.hex()
    return {"events": [[r, d] for r, d in events], "rtmr_1": registers[1], "rtmr_2": registers[2]}


def main():
    if sys.argv[1] == "authenticode":
        for path in sys.argv[2:]:
            with open(path, "rb") as source:
                data = source.read()
            print(json.dumps({
                "path": path, "sha384": authenticode(data, "sha384"), "sha256": authenticode(data, "sha256"),
            }))
    elif sys.argv[1] == "rtmr":
        with open(sys.argv[2]) as source:
            cases = json.load(source)
        for case in cases:
            print(json.dumps(rtmr(case)))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")


main()
