"""An independent MRTD calculation, to check the Swift one against.

Usage: tdx_mrtd.py IMAGE... ; prints one line per image: the MRTD in hex, or "error: why".
Walks the OVMF footer table forwards from its declared start, finds the TDVF metadata, and
hashes TDH.MEM.PAGE.ADD / TDH.MR.EXTEND records page by page.
"""
import hashlib
import struct
import sys
import uuid

FOOTER = uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d").bytes_le
TDX_METADATA = uuid.UUID("e47a6535-984a-4798-865e-4685a7bf8ec2").bytes_le
PAGE = 4096


def footer_entries(image):
    end = len(image) - 32
    size, guid = struct.unpack_from("<H16s", image, end - 18)
    if guid != FOOTER:
        raise ValueError("no footer table")
    start = end - size
    entries = {}
    # Entries are laid out back to back; each ends with its size and GUID.
    position = end - 18
    while position > start:
        size, guid = struct.unpack_from("<H16s", image, position - 18)
        entries[guid] = image[position - size:position - 18]
        position -= size
    return entries


def mrtd(image):
    offset = struct.unpack_from("<I", footer_entries(image)[TDX_METADATA])[0]
    base = len(image) - offset
    signature, length, version, count = struct.unpack_from("<4sIII", image, base)
    if signature != b"TDVF" or version != 1:
        raise ValueError("bad TDVF header")
    digest = hashlib.sha384()
    for index in range(count):
        data_offset, raw_size, address, memory_size, kind, attributes = struct.unpack_from(
            "<IIQQII", image, base + 16 + 32 * index)
        if attributes & 2:  # PAGE.AUG: not part of MRTD
            continue
        contents = image[data_offset:data_offset + raw_size].ljust(memory_size, b"\0")
        for page in range(0, memory_size, PAGE):
            digest.update(b"MEM.PAGE.ADD".ljust(16, b"\0") + struct.pack("<Q", address + page) + bytes(104))
            if attributes & 1:
                for chunk in range(page, page + PAGE, 256):
                    digest.update(b"MR.EXTEND".ljust(16, b"\0") + struct.pack("<Q", address + chunk) + bytes(104))
                    digest.update(contents[chunk:chunk + 256])
    return digest.hexdigest()


for path in sys.argv[1:]:
    with open(path, "rb") as source:
        data = source.read()
    try:
        print(mrtd(data))
    except (ValueError, KeyError, struct.error) as problem:
        print(f"error: {problem}")
