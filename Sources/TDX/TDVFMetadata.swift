import Firmware
import KataCore

/// Kinds of TDVF sections (TDVF design guide, "TDVF metadata").
public enum TDVFSectionType: UInt32, Sendable, CaseIterable {
    case bfv = 0
    case cfv = 1
    case tdHOB = 2
    case tempMem = 3
    case permMem = 4
    case payload = 5
    case payloadParam = 6
}

/// One TDVF section: where it lives in the image and in guest memory, and how it is added.
public struct TDVFSection: Sendable, Equatable {
    public static let mrExtend: UInt32 = 0x1
    public static let pageAug: UInt32 = 0x2

    public let dataOffset: UInt32
    public let rawDataSize: UInt32
    public let memoryAddress: UInt64
    public let memoryDataSize: UInt64
    public let type: TDVFSectionType
    public let attributes: UInt32

    public init(
        dataOffset: UInt32, rawDataSize: UInt32, memoryAddress: UInt64, memoryDataSize: UInt64,
        type: TDVFSectionType, attributes: UInt32
    ) {
        self.dataOffset = dataOffset
        self.rawDataSize = rawDataSize
        self.memoryAddress = memoryAddress
        self.memoryDataSize = memoryDataSize
        self.type = type
        self.attributes = attributes
    }

    /// Measured into MRTD page by page, contents included.
    public var isExtended: Bool { attributes & Self.mrExtend != 0 }
    /// Accepted by the guest later (TDH.MEM.PAGE.AUG), so not in MRTD at all.
    public var isAugmented: Bool { attributes & Self.pageAug != 0 }
}

/// The "TDVF" metadata block a TDX firmware points at from its footer table.
public enum TDVFMetadata {
    static let headerSize = 16
    static let sectionSize = 32
    static let pageSize: UInt64 = 4096
    static let maximumAddedSize: UInt64 = 1 << 32

    /// Parses and checks every section the way a VMM must before it can build the TD.
    public static func parse(_ image: FirmwareImage) throws -> [TDVFSection] {
        let path = image.path
        guard let offsetFromEnd = image.table.tdxMetadataOffset else {
            throw KataError(
                .malformedInput,
                "\(path): the OVMF footer table has no TDX metadata entry (\(FirmwareGUID.tdxMetadata)); "
                    + "not a TDX firmware")
        }
        let start = image.size - Int(offsetFromEnd)
        guard start >= 0 else {
            throw KataError(
                .malformedInput,
                "\(path): TDX metadata offset \(offsetFromEnd) from the end lies before the start of the "
                    + "\(image.size)-byte image")
        }
        let header = ByteReader(
            try image.file.read(at: start, count: headerSize, what: "TDVF metadata header"), path: path,
            baseOffset: start)
        guard header.bytes[0..<4].elementsEqual("TDVF".utf8) else {
            throw KataError(
                .malformedInput,
                "\(path): TDVF metadata at offset \(start) has signature \(hexString(header.bytes[0..<4])), "
                    + "expected \"TDVF\"")
        }
        let length = Int(try header.uint32(at: 4, what: "TDVF metadata length"))
        let version = try header.uint32(at: 8, what: "TDVF metadata version")
        guard version == 1 else {
            throw KataError(
                .malformedInput,
                "\(path): TDVF metadata at offset \(start) has version \(version), expected 1")
        }
        let count = Int(try header.uint32(at: 12, what: "TDVF metadata section count"))
        guard count >= 2 else {
            throw KataError(
                .malformedInput, "\(path): TDVF metadata declares \(count) sections; a TDVF has at least 2")
        }
        guard length == headerSize + count * sectionSize else {
            throw KataError(
                .malformedInput,
                "\(path): TDVF metadata length \(length) does not match \(count) sections "
                    + "(expected \(headerSize + count * sectionSize))")
        }
        let entries = ByteReader(
            try image.file.read(
                at: start + headerSize, count: count * sectionSize, what: "TDVF metadata sections"),
            path: path, baseOffset: start + headerSize)
        return try (0..<count).map { try section($0, of: entries, imageSize: image.size) }
    }

    private static func section(_ index: Int, of entries: ByteReader, imageSize: Int) throws -> TDVFSection {
        let at = index * sectionSize
        let what = "TDVF section \(index)"
        let rawType = try entries.uint32(at: at + 24, what: "\(what) type")
        let fail = { (reason: String) in KataError(.malformedInput, "\(entries.path): \(what): \(reason)") }
        guard let type = TDVFSectionType(rawValue: rawType) else { throw fail("unknown type \(rawType)") }
        let section = TDVFSection(
            dataOffset: try entries.uint32(at: at, what: "\(what) data offset"),
            rawDataSize: try entries.uint32(at: at + 4, what: "\(what) raw data size"),
            memoryAddress: try entries.uint64(at: at + 8, what: "\(what) memory address"),
            memoryDataSize: try entries.uint64(at: at + 16, what: "\(what) memory size"),
            type: type, attributes: try entries.uint32(at: at + 28, what: "\(what) attributes"))
        try check(section, imageSize: imageSize, fail: fail)
        return section
    }

    private static func check(_ section: TDVFSection, imageSize: Int, fail: (String) -> KataError) throws {
        let known = TDVFSection.mrExtend | TDVFSection.pageAug
        guard section.attributes & ~known == 0 else {
            throw fail("unknown attribute bits 0x\(String(section.attributes & ~known, radix: 16))")
        }
        guard !(section.isExtended && section.isAugmented) else {
            throw fail("MR.EXTEND and PAGE.AUG together (an augmented page cannot be extended)")
        }
        guard section.memoryAddress % pageSize == 0 else {
            throw fail("memory address 0x\(String(section.memoryAddress, radix: 16)) is not page aligned")
        }
        guard section.memoryDataSize % pageSize == 0 else {
            throw fail("memory size 0x\(String(section.memoryDataSize, radix: 16)) is not page aligned")
        }
        guard !section.memoryAddress.addingReportingOverflow(section.memoryDataSize).overflow else {
            throw fail("memory range overflows 64 bits")
        }
        // Added pages are hashed one by one; firmware sections are megabytes, so anything past
        // 4 GiB is a corrupt header, not a firmware (and would take hours to measure).
        guard section.isAugmented || section.memoryDataSize <= maximumAddedSize else {
            throw fail(
                "memory size 0x\(String(section.memoryDataSize, radix: 16)) exceeds the 4 GiB sanity limit")
        }
        guard UInt64(section.rawDataSize) <= section.memoryDataSize else {
            throw fail("raw data size \(section.rawDataSize) exceeds memory size \(section.memoryDataSize)")
        }
        guard Int(section.dataOffset) + Int(section.rawDataSize) <= imageSize else {
            throw fail(
                "raw data at offset \(section.dataOffset) (\(section.rawDataSize) bytes) lies outside "
                    + "the \(imageSize)-byte image")
        }
        switch section.type {
        case .bfv, .cfv:
            guard section.rawDataSize > 0 else { throw fail("firmware volume with no raw data") }
        case .tdHOB, .tempMem, .permMem:
            guard section.rawDataSize == 0 else { throw fail("\(section.type) section carries raw data") }
            if section.type == .permMem && !section.isAugmented {
                throw fail("PermMem section without PAGE.AUG")
            }
        case .payload, .payloadParam:
            break
        }
    }
}
