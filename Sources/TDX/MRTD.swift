import Firmware
import KataCore

/// MRTD, the TD's build-time measurement: SHA-384 over the TDX module's records of
/// TDH.MEM.PAGE.ADD and TDH.MR.EXTEND as the VMM adds the TDVF sections.
///
/// Order, as KVM issues the calls: section by section, page by page, the page's PAGE.ADD record
/// (unless PAGE.AUG), then for MR.EXTEND sections sixteen MR.EXTEND records of the page's 256-byte
/// chunks, each followed by the chunk. Page contents are the section's raw data from the image,
/// zero past its end (TD_HOB and TempMem content is never extended).
public enum MRTD {
    static let recordSize = 128
    static let chunkSize = 256
    static let pageSize = 4096

    public static func compute(firmwarePath: String) throws -> [UInt8] {
        try compute(firmware: FileReader(path: firmwarePath))
    }

    public static func compute(firmware: FileReader) throws -> [UInt8] {
        let image = try FirmwareImage(file: firmware)
        return try compute(image: image, sections: try TDVFMetadata.parse(image))
    }

    public static func compute(image: FirmwareImage, sections: [TDVFSection]) throws -> [UInt8] {
        let digest = StreamingDigest(.sha384)
        var page = [UInt8](repeating: 0, count: pageSize)
        for section in sections where !section.isAugmented {
            let pages = Int(section.memoryDataSize / UInt64(pageSize))
            let raw = Int(section.dataOffset)..<Int(section.dataOffset) + Int(section.rawDataSize)
            for index in 0..<pages {
                let gpa = section.memoryAddress + UInt64(index * pageSize)
                digest.update(record("MEM.PAGE.ADD", gpa: gpa))
                guard section.isExtended else { continue }
                try fill(&page, from: image, raw: raw, pageOffset: index * pageSize)
                for chunk in 0..<pageSize / chunkSize {
                    digest.update(record("MR.EXTEND", gpa: gpa + UInt64(chunk * chunkSize)))
                    page.withUnsafeBytes {
                        digest.update(
                            UnsafeRawBufferPointer(rebasing: $0[chunk * chunkSize..<(chunk + 1) * chunkSize]))
                    }
                }
            }
        }
        return digest.finalize()
    }

    /// The 128-byte record the TDX module hashes: the operation name, zero padded to 16 bytes,
    /// the GPA little-endian, zeros.
    static func record(_ operation: String, gpa: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: recordSize)
        bytes.replaceSubrange(0..<operation.utf8.count, with: operation.utf8)
        for index in 0..<8 { bytes[16 + index] = UInt8(truncatingIfNeeded: gpa >> (8 * index)) }
        return bytes
    }

    private static func fill(
        _ page: inout [UInt8], from image: FirmwareImage, raw: Range<Int>, pageOffset: Int
    ) throws {
        let start = raw.lowerBound + pageOffset
        let available = max(0, min(pageSize, raw.upperBound - start))
        if available > 0 {
            page.replaceSubrange(
                0..<available,
                with: try image.file.read(at: start, count: available, what: "TDVF section data"))
        }
        for index in available..<pageSize { page[index] = 0 }
    }
}
