import Firmware
import KataCore

/// The SNP launch digest: a SHA-384 chain where each SNP_LAUNCH_UPDATE page extends the digest
/// with a 112-byte PAGE_INFO record (SNP firmware ABI, "PAGE_INFO structure").
public struct SNPLaunchDigest: Sendable {
    public enum PageType: UInt8, Sendable {
        case normal = 1
        case vmsa = 2
        case zero = 3
        case unmeasured = 4
        case secrets = 5
        case cpuid = 6
    }

    public static let size = 48
    public static let pageSize = 4096
    static let pageInfoSize: UInt16 = 0x70
    /// The RMP records VMSA pages at GPA (u64)-1, page-aligned and cut to 52 bits.
    static let vmsaGPA = 0xFFFF_FFFF_F000

    public private(set) var value: [UInt8]

    /// Starts from zero, or from a precomputed digest of the firmware pages.
    public init(seed: [UInt8] = [UInt8](repeating: 0, count: size)) throws {
        guard seed.count == Self.size else {
            throw KataError(
                .invalidArgument,
                "SNP launch digest seed must be \(Self.size) bytes (\(2 * Self.size) hex digits), got \(seed.count)"
            )
        }
        value = seed
    }

    /// Extends the digest with one page: `contents` is the page's SHA-384, or zeros for page
    /// types whose contents the PSP fills in.
    public mutating func update(_ type: PageType, gpa: Int, contents: [UInt8]) throws {
        guard gpa >= 0 else {
            throw KataError(.invalidArgument, "SNP page at negative guest-physical address \(gpa)")
        }
        var record = value + contents
        record += littleEndianBytes(Self.pageInfoSize)
        record += [type.rawValue, 0]  // page type, IMI page = no
        record += [0, 0, 0, 0]  // VMPL3/2/1 permissions, reserved
        record += littleEndianBytes(UInt64(gpa))
        value = DigestAlgorithm.sha384.hash(record)
    }

    public mutating func updateNormalPage(gpa: Int, page: UnsafeRawBufferPointer) throws {
        try update(.normal, gpa: gpa, contents: DigestAlgorithm.sha384.hash(page))
    }

    /// Measures `file` page by page, streamed, starting at `gpa`.
    public mutating func updateNormalPages(gpa: Int, file: FileReader) throws {
        guard file.size % Self.pageSize == 0 else {
            throw KataError(
                .malformedInput,
                "\(file.path): size \(file.size) is not a multiple of \(Self.pageSize); SNP measures whole pages"
            )
        }
        var offset = 0
        try file.forEachChunk(chunkSize: 256 * Self.pageSize) { chunk in
            for pageStart in stride(from: 0, to: chunk.count, by: Self.pageSize) {
                let page = UnsafeRawBufferPointer(rebasing: chunk[pageStart..<pageStart + Self.pageSize])
                try updateNormalPage(gpa: gpa + offset, page: page)
                offset += Self.pageSize
            }
        }
    }

    public mutating func updateVMSAPage(_ page: [UInt8]) throws {
        try update(.vmsa, gpa: Self.vmsaGPA, contents: DigestAlgorithm.sha384.hash(page))
    }

    /// Pages of `type` with no contents of their own (zero, unmeasured), one record per page.
    public mutating func updateEmptyPages(_ type: PageType, gpa: Int, length: Int, what: String) throws {
        guard length % Self.pageSize == 0 else {
            throw KataError(
                .malformedInput, "\(what): length \(length) is not a multiple of \(Self.pageSize)")
        }
        for offset in stride(from: 0, to: length, by: Self.pageSize) {
            try update(type, gpa: gpa + offset, contents: Self.zeros)
        }
    }

    static let zeros = [UInt8](repeating: 0, count: size)
}
