import Initdata
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The guest's side of initdata: find the initdata disk among the virtio-blk disks, check it,
/// decode it with the host's own code (`Initdata`), and write the document and its `[data]`
/// entries under `InitdataDisk.guestDirectory` for the attestation and confidential-data agents.
///
/// The host writes the disk and may lie about every byte of it: reads are bounded by the
/// disk's real size and `Initdata.maximumSize`, never by the length the header claims.
public enum GuestInitdata {
    /// The disk found, and what it holds.
    public struct Found: Sendable {
        public var device: String
        public var initdata: Initdata
    }

    /// The one virtio-blk disk (`vd*` under `sysBlock`) that starts with the initdata magic, or
    /// nil when none does. Two such disks are refused: which one counts would be ambiguous.
    public static func find(sysBlock: String = "/sys/block", devices: String = "/dev") throws -> Found? {
        let names = ((try? directoryEntries(sysBlock)) ?? []).filter(isVirtioDiskName).sorted()
        var found: Found?
        for name in names {
            guard let initdata = try read(device: "\(devices)/\(name)", sizeFile: "\(sysBlock)/\(name)/size")
            else { continue }
            if let found {
                throw KataError(
                    .malformedInput,
                    "initdata: both \(found.device) and \(devices)/\(name) carry the initdata magic")
            }
            found = Found(device: "\(devices)/\(name)", initdata: initdata)
        }
        return found
    }

    /// `vda`, `vdb`, ... `vdaa`: the kernel's virtio-blk disk names (no partitions).
    static func isVirtioDiskName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count >= 3 && bytes.count <= 8 && bytes.starts(with: Array("vd".utf8))
            && bytes.dropFirst(2).allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
    }

    /// The initdata on one disk, nil when the disk does not start with the magic.
    static func read(device: String, sizeFile: String) throws -> Initdata? {
        let fd = open(device, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw KataError.system("initdata: open \(device)", errno: errno) }
        defer { close(fd) }
        let header = try readExactly(fd, count: InitdataDisk.headerSize, at: 0, device: device)
        guard let claimed = InitdataDisk.claimedLength(header: header) else { return nil }
        let diskBytes = try diskSize(sizeFile)
        let room = diskBytes - UInt64(InitdataDisk.headerSize)
        guard claimed <= UInt64(Initdata.maximumSize) else {
            throw KataError(
                .malformedInput,
                "initdata disk \(device): header claims \(claimed) bytes of gzip; at most \(Initdata.maximumSize) "
                    + "are allowed")
        }
        guard claimed <= room else {
            throw KataError(
                .malformedInput,
                "initdata disk \(device): header claims \(claimed) bytes of gzip, but the disk holds only \(room) "
                    + "after the header")
        }
        let gzip = try readExactly(
            fd, count: Int(claimed), at: off_t(InitdataDisk.headerSize), device: device)
        return try Initdata(gzip: gzip, origin: "initdata disk \(device)")
    }

    /// The disk's size in bytes from sysfs (512-byte sectors, whatever the logical block size).
    static func diskSize(_ sizeFile: String) throws -> UInt64 {
        let text = try readTextFile(sizeFile).filter { !$0.isWhitespace }
        guard let sectors = UInt64(text), sectors <= UInt64.max / 512, sectors * 512 >= 16 else {
            throw KataError(.malformedInput, "initdata: \(sizeFile): '\(text.prefix(32))' is not a disk size")
        }
        return sectors * 512
    }

    /// `count` bytes at `offset`; a short disk is an error, not a short read.
    static func readExactly(_ fd: Int32, count: Int, at offset: off_t, device: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + done, count - done, offset + off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw KataError.system("initdata: read \(device)", errno: errno) }
            guard n > 0 else {
                throw KataError(
                    .malformedInput, "initdata disk \(device): ends after \(Int(offset) + done) bytes")
            }
            done += n
        }
        return buffer
    }

    /// Writes `initdata.toml` (the exact decompressed bytes) and each `[data]` entry into a
    /// fresh `directory` (names were checked by the parser: one path component each), 0600.
    /// The directory must not exist yet: nothing of an earlier delivery is mixed in.
    public static func install(_ initdata: Initdata, directory: String = InitdataDisk.guestDirectory) throws {
        let parent = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        if !parent.isEmpty { try makeDirectories(parent, mode: 0o755) }
        guard mkdir(directory, 0o700) == 0 else {
            throw KataError.system("initdata: mkdir \(directory)", errno: errno)
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dir >= 0 else { throw KataError.system("initdata: open \(directory)", errno: errno) }
        defer { close(dir) }
        try writeNew(dir, Initdata.documentFileName, initdata.toml, directory: directory)
        for entry in initdata.document.entries {
            try writeNew(dir, entry.name, Array(entry.contents.utf8), directory: directory)
        }
    }

    private static func writeNew(_ dir: Int32, _ name: String, _ bytes: [UInt8], directory: String) throws {
        let fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KataError.system("initdata: create \(directory)/\(name)", errno: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KataError.system("initdata: write \(directory)/\(name)", errno: errno) }
            offset += n
        }
    }

    /// Whether this guest has a TEE attestation device (SNP's /dev/sev-guest, TDX's
    /// /dev/tdx_guest, or the kernel's configfs-tsm): without one the digest is bound to
    /// nothing a verifier could check.
    public static func hasAttestationDevice() -> Bool {
        let devices: [String] = [
            "/dev/sev-guest", "/dev/tdx_guest", "/dev/tdx-guest", "/sys/kernel/config/tsm/report",
        ]
        return devices.contains { access($0, F_OK) == 0 }
    }
}
