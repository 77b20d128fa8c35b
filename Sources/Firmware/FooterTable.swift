import KataCore

/// The GUIDed table OVMF keeps just before the last 32 bytes of its image: entries of
/// `data, UInt16 size, GUID` read backwards from the footer entry.
public struct FooterTable: Sendable {
    /// Entry data by GUID. When a GUID appears twice, the entry nearer the image start wins,
    /// as in the reference tools that walk the table backwards into a dictionary.
    public let entries: [FirmwareGUID: [UInt8]]

    static let entryHeaderSize = 18
    /// The table ends this many bytes before the end of the image.
    static let trailerSize = 32

    /// An image without a footer GUID has an empty table.
    public init(entries: [FirmwareGUID: [UInt8]]) {
        self.entries = entries
    }

    /// The entry's first four bytes as a little-endian number (shorter entries give what they have).
    public func value32(_ guid: FirmwareGUID) -> UInt32? {
        entries[guid].map { UInt32(truncatingIfNeeded: littleEndian($0.prefix(4))) }
    }

    public var sevHashTableGPA: UInt32? { value32(.sevHashTable) }
    public var sevESResetEIP: UInt32? { value32(.sevESResetBlock) }
    public var sevMetadataOffset: UInt32? { value32(.sevMetadata) }
    public var tdxMetadataOffset: UInt32? { value32(.tdxMetadata) }

    /// Parses the table of `file`.
    public static func parse(_ file: FileReader) throws -> FooterTable {
        let size = file.size
        let footerStart = size - trailerSize - entryHeaderSize
        // Python reads the footer from `data[footerStart:]`, which for files shorter than 50
        // bytes starts elsewhere or is too short; the same slice rule decides here.
        let footerRange = pythonSliceRange(start: footerStart, end: size, count: size)
        guard footerRange.count >= entryHeaderSize else {
            throw KataError(
                .malformedInput,
                "\(file.path): \(size) bytes is too short to hold the OVMF footer table entry "
                    + "(\(entryHeaderSize) bytes ending \(trailerSize) bytes before the end)")
        }
        let footer = ByteReader(
            try file.read(at: footerRange.lowerBound, count: entryHeaderSize, what: "footer table entry"),
            path: file.path, baseOffset: footerRange.lowerBound)
        guard FirmwareGUID(imageBytes: footer.bytes[2..<18]) == .footerTable else {
            return FooterTable(entries: [:])
        }
        let tableSize = Int(try footer.uint16(at: 0, what: "footer table size")) - entryHeaderSize
        guard tableSize >= 0 else { return FooterTable(entries: [:]) }
        let tableRange = pythonSliceRange(start: footerStart - tableSize, end: footerStart, count: size)
        let table = try file.read(at: tableRange.lowerBound, count: tableRange.count, what: "footer table")
        return FooterTable(
            entries: try walk(table, path: file.path, tableOffset: tableRange.lowerBound))
    }

    private static func walk(_ table: [UInt8], path: String, tableOffset: Int) throws -> [FirmwareGUID:
        [UInt8]]
    {
        var entries: [FirmwareGUID: [UInt8]] = [:]
        var remaining = table.count
        while remaining >= entryHeaderSize {
            let header = ByteReader(table, path: path, baseOffset: tableOffset)
            let headerOffset = remaining - entryHeaderSize
            let entrySize = Int(try header.uint16(at: headerOffset, what: "footer table entry size"))
            let guid = FirmwareGUID(imageBytes: table[headerOffset + 2..<remaining])!
            guard entrySize >= entryHeaderSize else {
                throw KataError(
                    .malformedInput,
                    "\(path): OVMF footer table entry \(guid) at offset \(tableOffset + headerOffset) "
                        + "declares size \(entrySize), smaller than its \(entryHeaderSize)-byte header")
            }
            // Python indices: `table[-size:-18]` is the data, `table[:-size]` what is left.
            let dataRange = pythonSliceRange(start: -entrySize, end: -entryHeaderSize, count: remaining)
            entries[guid] = Array(table[dataRange])
            remaining = pythonSliceRange(start: 0, end: -entrySize, count: remaining).count
        }
        return entries
    }
}
