import Firmware
import KataCore

/// The table of kernel, initrd and command-line hashes QEMU writes into guest memory at the GPA
/// OVMF reserves, byte for byte as QEMU lays it out: a GUID-tagged header, three GUID-tagged
/// SHA-256 entries (command line, initrd, kernel), padded to a multiple of 16 bytes.
public enum SEVHashTable {
    static let headerGUID = FirmwareGUID(known: "9438d606-4f22-4cc9-b479-a793d411fd21")
    static let kernelGUID = FirmwareGUID(known: "4de79437-abd2-427f-b835-d5b172d2045b")
    static let initrdGUID = FirmwareGUID(known: "44baf731-3a2f-4bd7-9af1-41e29169781d")
    static let cmdlineGUID = FirmwareGUID(known: "97d02dd8-bd20-4c94-aa78-e7714d36ab2a")

    /// GUID (16) + length (2) + SHA-256 (32).
    static let entrySize = 50
    /// GUID (16) + length (2) + three entries.
    static let tableSize = 18 + 3 * entrySize
    /// The table as measured: padded to 16 bytes.
    public static let paddedSize = (tableSize + 15) & ~15
    public static let pageSize = 4096

    /// The padded table.
    public static func table(_ hashes: KernelHashes) -> [UInt8] {
        var bytes = headerGUID.bytes + littleEndianBytes(UInt16(tableSize))
        for (guid, hash) in [
            (cmdlineGUID, hashes.cmdline), (initrdGUID, hashes.initrd), (kernelGUID, hashes.kernel),
        ] {
            bytes += guid.bytes + littleEndianBytes(UInt16(entrySize)) + hash
        }
        return bytes + [UInt8](repeating: 0, count: paddedSize - bytes.count)
    }

    /// The 4 KiB page SNP measures: the table at `offsetInPage`, zeros around it.
    public static func page(_ hashes: KernelHashes, offsetInPage: Int) throws -> [UInt8] {
        guard offsetInPage >= 0, offsetInPage + paddedSize <= pageSize else {
            throw KataError(
                .malformedInput,
                "SEV hashes table at page offset \(offsetInPage) does not fit in a page "
                    + "(\(paddedSize) bytes from offset \(offsetInPage) exceed \(pageSize))")
        }
        var page = [UInt8](repeating: 0, count: pageSize)
        page.replaceSubrange(offsetInPage..<offsetInPage + paddedSize, with: table(hashes))
        return page
    }
}

/// Little-endian bytes of a fixed-width integer.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
