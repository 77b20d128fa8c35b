import KataCore

/// Kinds of guest memory OVMF's "ASEV" metadata asks the VMM to prepare before an SNP launch.
public enum SEVSectionType: UInt32, Sendable, CaseIterable {
    case snpSecMem = 1
    case snpSecrets = 2
    case cpuid = 3
    case svsmCAA = 4
    case snpKernelHashes = 0x10
}

/// One section of the SEV metadata block, as stored (the type is checked only when measured, so
/// that SEV and SEV-ES launches accept what the reference tool accepts).
public struct SEVMetadataSection: Sendable, Equatable {
    public let gpa: UInt32
    public let size: UInt32
    public let rawType: UInt32

    public init(gpa: UInt32, size: UInt32, rawType: UInt32) {
        self.gpa = gpa
        self.size = size
        self.rawType = rawType
    }

    public var type: SEVSectionType? { SEVSectionType(rawValue: rawType) }
}

/// The "ASEV" metadata block OVMF points at from its footer table.
public enum SEVMetadata {
    static let headerSize = 16
    static let sectionSize = 12

    /// Sections in image order; empty when the image has no SEV metadata entry.
    public static func parse(_ file: FileReader, table: FooterTable) throws -> [SEVMetadataSection] {
        guard let offsetFromEnd = table.sevMetadataOffset else { return [] }
        let start = file.size - Int(offsetFromEnd)
        guard start >= 0 else {
            throw KataError(
                .malformedInput,
                "\(file.path): SEV metadata offset \(offsetFromEnd) from the end lies before the start "
                    + "of the \(file.size)-byte image")
        }
        let header = ByteReader(
            try file.read(at: start, count: headerSize, what: "SEV metadata header"), path: file.path,
            baseOffset: start)
        guard header.bytes[0..<4].elementsEqual("ASEV".utf8) else {
            throw KataError(
                .malformedInput,
                "\(file.path): SEV metadata at offset \(start) has signature \(hexString(header.bytes[0..<4])), "
                    + "expected \"ASEV\"")
        }
        let declaredSize = Int(try header.uint32(at: 4, what: "SEV metadata size"))
        let version = try header.uint32(at: 8, what: "SEV metadata version")
        guard version == 1 else {
            throw KataError(
                .malformedInput,
                "\(file.path): SEV metadata at offset \(start) has version \(version), expected 1")
        }
        let count = Int(try header.uint32(at: 12, what: "SEV metadata section count"))
        // The sections live in the declared size, clipped to the file.
        let available = pythonSliceRange(
            start: start + headerSize, end: start + declaredSize, count: file.size)
        let needed = count * sectionSize
        guard needed <= available.count else {
            throw KataError(
                .malformedInput,
                "\(file.path): SEV metadata at offset \(start) declares \(count) sections "
                    + "(\(needed) bytes) but only \(available.count) bytes follow its header within its "
                    + "declared size \(declaredSize) and the file")
        }
        let items = ByteReader(
            try file.read(at: start + headerSize, count: needed, what: "SEV metadata sections"),
            path: file.path, baseOffset: start + headerSize)
        return try (0..<count).map { index in
            let at = index * sectionSize
            return SEVMetadataSection(
                gpa: try items.uint32(at: at, what: "SEV metadata section \(index) GPA"),
                size: try items.uint32(at: at + 4, what: "SEV metadata section \(index) size"),
                rawType: try items.uint32(at: at + 8, what: "SEV metadata section \(index) type"))
        }
    }
}
