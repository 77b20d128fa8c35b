/// The dm-verity parameters of a block device, in upstream Kata's shape (kata-types
/// `DmVerityInfo`, carried as `verity_info=<JSON>` in a Storage's driver options): the hash
/// tree sits on the same device after the data, at byte `offset`, with no salt and no
/// superblock (`veritysetup format --no-superblock --salt=-`).
public struct DmVerityInfo: Sendable, Equatable, Codable {
    public var hashtype: String
    /// The root hash, hex.
    public var hash: String
    /// Data blocks covered.
    public var blocknum: UInt64
    public var blocksize: UInt64
    public var hashsize: UInt64
    /// Byte offset of the hash tree on the device.
    public var offset: UInt64

    public init(
        hashtype: String, hash: String, blocknum: UInt64, blocksize: UInt64, hashsize: UInt64, offset: UInt64
    ) {
        self.hashtype = hashtype
        self.hash = hash
        self.blocknum = blocknum
        self.blocksize = blocksize
        self.hashsize = hashsize
        self.offset = offset
    }

    /// The driver option key upstream uses (`KATA_VOLUME_DMVERITY_OPTION_VERITY_INFO`).
    public static let driverOptionKey = "verity_info"
    /// Hash algorithms and their digest sizes in bytes.
    public static let digestSizes: [String: Int] = ["sha256": 32, "sha512": 64]
    /// Block sizes dm-verity takes here: powers of two from a sector to a page.
    public static let blockSizes: ClosedRange<UInt64> = 512...4096
    /// At most 1 TiB of data.
    public static let maxDataBytes: UInt64 = 1 << 40

    /// Checks every field (they come from the other side of a trust boundary); names the field.
    public func validate() throws {
        guard let digestSize = Self.digestSizes[hashtype] else {
            throw KataError(
                .invalidArgument,
                "verity_info.hashtype \(hashtype.debugDescription): one of \(Self.digestSizes.keys.sorted())")
        }
        guard hash.utf8.count == 2 * digestSize, hash.utf8.allSatisfy(Self.isHexDigit) else {
            throw KataError(
                .invalidArgument, "verity_info.hash: \(2 * digestSize) hex digits for \(hashtype)")
        }
        for (name, size) in [("blocksize", blocksize), ("hashsize", hashsize)] {
            guard Self.blockSizes.contains(size), size & (size - 1) == 0 else {
                throw KataError(
                    .invalidArgument, "verity_info.\(name) \(size): a power of two in \(Self.blockSizes)")
            }
        }
        let (dataBytes, overflow) = blocknum.multipliedReportingOverflow(by: blocksize)
        guard blocknum > 0, !overflow, dataBytes <= Self.maxDataBytes else {
            throw KataError(
                .invalidArgument,
                "verity_info.blocknum \(blocknum): 1 or more, at most \(Self.maxDataBytes) bytes of data")
        }
        guard offset % hashsize == 0, offset >= dataBytes, offset <= 2 * Self.maxDataBytes else {
            throw KataError(
                .invalidArgument,
                "verity_info.offset \(offset): a multiple of hashsize at or after the data's end (\(dataBytes))"
            )
        }
    }

    /// The device-mapper `verity` target parameters over one device (data and hash tree on it),
    /// failing reads of corrupted blocks with EIO (the default mode).
    public func targetParameters(device: String) -> String {
        "1 \(device) \(device) \(blocksize) \(hashsize) \(blocknum) \(offset / hashsize) \(hashtype) \(hash.lowercased()) -"
    }

    /// The data size in 512-byte sectors (the dm table's length).
    public var dataSectors: UInt64 { blocknum * (blocksize / 512) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}

/// The Storage driver option keys of a block root filesystem besides `verity_info`.
public enum BlockRootOption {
    /// Where the device is (upstream's `source_type`); the only value here is `virtio_pci`.
    public static let sourceType = "source_type"
    public static let virtioPCI = "virtio_pci"
    /// Bytes of guest tmpfs for the writable layer over the read-only image (ours).
    public static let overlayTmpfsSize = "overlay_tmpfs_size"
}
