import KataCore

/// The layout of a PE/COFF image as far as Authenticode hashing needs it, read with bounds
/// checks; an image edk2 would not measure is refused with the reason.
public struct PEImage: Sendable, Equatable {
    public struct Section: Sendable, Equatable {
        public let name: String
        public let fileOffset: Int
        public let size: Int
    }

    static let pe32Magic: UInt16 = 0x10b
    static let pe32PlusMagic: UInt16 = 0x20b
    /// IMAGE_DIRECTORY_ENTRY_SECURITY: the certificate table's data-directory index.
    static let securityDirectory = 4

    public let fileSize: Int
    /// File offset of OptionalHeader.CheckSum (4 bytes, not hashed).
    public let checksumOffset: Int
    /// File offset of the certificate-table directory entry (8 bytes, not hashed); nil when the
    /// optional header has no such entry.
    public let certificateEntryOffset: Int?
    /// Bytes at the end of the file that the certificate table covers (not hashed).
    public let certificateTableSize: Int
    public let sizeOfHeaders: Int
    /// Sections with raw data, by file offset (ties keep header order, as edk2's insertion sort).
    public let sections: [Section]

    public static func parse(_ input: PatchedFile) throws -> PEImage {
        let path = input.path
        let fail = { (reason: String) in
            KataError(.malformedInput, "\(path): not a measurable PE/COFF image: \(reason)")
        }
        guard input.size >= 0x40 else { throw fail("\(input.size) bytes, shorter than a DOS header") }
        let dos = ByteReader(
            try input.read(at: 0, count: 0x40, what: "DOS header"), path: path, baseOffset: 0)
        // edk2 also takes an image without a DOS stub, its PE header at offset 0.
        let peOffset =
            dos.bytes[0] == UInt8(ascii: "M") && dos.bytes[1] == UInt8(ascii: "Z")
            ? Int(try dos.uint32(at: 0x3c, what: "e_lfanew")) : 0
        guard peOffset <= input.size - 24 - 72 else {
            throw fail("PE header offset 0x\(String(peOffset, radix: 16)) leaves no room for the headers")
        }
        let fileHeader = ByteReader(
            try input.read(at: peOffset, count: 24, what: "PE file header"), path: path, baseOffset: peOffset)
        guard fileHeader.bytes[0..<4].elementsEqual([0x50, 0x45, 0, 0]) else {
            throw fail("no PE signature at offset 0x\(String(peOffset, radix: 16))")
        }
        let sectionCount = Int(try fileHeader.uint16(at: 6, what: "NumberOfSections"))
        let optionalSize = Int(try fileHeader.uint16(at: 20, what: "SizeOfOptionalHeader"))
        let optionalOffset = peOffset + 24
        guard optionalSize >= 72, optionalSize <= input.size - optionalOffset else {
            throw fail("optional header of \(optionalSize) bytes does not fit the file")
        }
        let optional = ByteReader(
            try input.read(at: optionalOffset, count: optionalSize, what: "optional header"), path: path,
            baseOffset: optionalOffset)
        let magic = try optional.uint16(at: 0, what: "optional header magic")
        let directories: Int
        switch magic {
        case pe32Magic: directories = 96
        case pe32PlusMagic: directories = 112
        default: throw fail("optional header magic 0x\(String(magic, radix: 16)) is neither PE32 nor PE32+")
        }
        let directoryCount = Int(try optional.uint32(at: directories - 4, what: "NumberOfRvaAndSizes"))
        let sizeOfHeaders = Int(try optional.uint32(at: 60, what: "SizeOfHeaders"))
        let checksumOffset = optionalOffset + 64
        var certificateEntryOffset: Int? = nil
        var certificateTableSize = 0
        var headerEnd = checksumOffset + 4
        if directoryCount > securityDirectory {
            let entry = directories + 8 * securityDirectory
            guard entry + 8 <= optionalSize else {
                throw fail("\(directoryCount) data directories declared, the optional header holds fewer")
            }
            certificateEntryOffset = optionalOffset + entry
            certificateTableSize = Int(try optional.uint32(at: entry + 4, what: "certificate table size"))
            headerEnd = optionalOffset + entry + 8
        }
        guard sizeOfHeaders >= headerEnd, sizeOfHeaders <= input.size else {
            throw fail(
                "SizeOfHeaders 0x\(String(sizeOfHeaders, radix: 16)) does not cover the optional header "
                    + "(0x\(String(headerEnd, radix: 16))) or exceeds the \(input.size)-byte file")
        }
        let tableOffset = optionalOffset + optionalSize
        guard sectionCount * 40 <= input.size - tableOffset else {
            throw fail("\(sectionCount) section headers do not fit the file")
        }
        let table = ByteReader(
            try input.read(at: tableOffset, count: sectionCount * 40, what: "section table"), path: path,
            baseOffset: tableOffset)
        var sections: [(Int, Section)] = []
        for index in 0..<sectionCount {
            let at = index * 40
            let name = String(decoding: table.bytes[at..<at + 8].prefix { $0 != 0 }, as: UTF8.self)
            let size = Int(try table.uint32(at: at + 16, what: "section \(index) SizeOfRawData"))
            let offset = Int(try table.uint32(at: at + 20, what: "section \(index) PointerToRawData"))
            guard size > 0 else { continue }
            guard offset <= input.size, size <= input.size - offset else {
                throw fail(
                    "section \(index) (\(name)) raw data at 0x\(String(offset, radix: 16)) (\(size) bytes) lies "
                        + "outside the \(input.size)-byte file")
            }
            sections.append((index, Section(name: name, fileOffset: offset, size: size)))
        }
        sections.sort { ($0.1.fileOffset, $0.0) < ($1.1.fileOffset, $1.0) }
        let image = PEImage(
            fileSize: input.size, checksumOffset: checksumOffset,
            certificateEntryOffset: certificateEntryOffset,
            certificateTableSize: certificateTableSize, sizeOfHeaders: sizeOfHeaders,
            sections: sections.map(\.1))
        let hashed = image.sizeOfHeaders + image.sections.reduce(0) { $0 + $1.size }
        if input.size > hashed && input.size < hashed + certificateTableSize {
            throw fail(
                "certificate table of \(certificateTableSize) bytes overlaps the \(hashed) bytes of headers and sections"
            )
        }
        return image
    }

    /// The byte ranges edk2 (MeasurePeImageAndExtend) hashes, in order: the headers without
    /// CheckSum and the certificate entry, every section by file offset, then the data between
    /// SUM_OF_BYTES_HASHED and the certificate table at the end of the file.
    public var authenticodeRanges: [Range<Int>] {
        var ranges = [0..<checksumOffset]
        if let entry = certificateEntryOffset {
            ranges += [checksumOffset + 4..<entry, entry + 8..<sizeOfHeaders]
        } else {
            ranges.append(checksumOffset + 4..<sizeOfHeaders)
        }
        var hashed = sizeOfHeaders
        for section in sections {
            ranges.append(section.fileOffset..<section.fileOffset + section.size)
            hashed += section.size
        }
        if fileSize > hashed + certificateTableSize {
            ranges.append(hashed..<fileSize - certificateTableSize)
        }
        return ranges.filter { !$0.isEmpty }
    }
}

extension PEImage {
    /// Authenticode digest of `input` (patched bytes included), edk2's way.
    public static func authenticode(_ input: PatchedFile, _ algorithm: DigestAlgorithm) throws -> [UInt8] {
        let image = try parse(input)
        let digest = StreamingDigest(algorithm)
        for range in image.authenticodeRanges { try input.forEachChunk(in: range) { digest.update($0) } }
        return digest.finalize()
    }
}
