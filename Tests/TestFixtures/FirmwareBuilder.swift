import Firmware

/// Test fixture shared by the measurement, runtime and CLI tests (a library target, not a test).
/// Builds firmware images with OVMF's footer-table layout: random filler, an "ASEV" and a "TDVF"
/// metadata block, and a GUIDed table ending 32 bytes before the end of the image.
package struct FirmwareBuilder {
    package struct TDVFEntry {
        package var dataOffset: UInt32
        package var rawDataSize: UInt32
        package var memoryAddress: UInt64
        package var memoryDataSize: UInt64
        package var type: UInt32
        package var attributes: UInt32

        package init(
            dataOffset: UInt32, rawDataSize: UInt32, memoryAddress: UInt64, memoryDataSize: UInt64,
            type: UInt32,
            attributes: UInt32
        ) {
            self.dataOffset = dataOffset
            self.rawDataSize = rawDataSize
            self.memoryAddress = memoryAddress
            self.memoryDataSize = memoryDataSize
            self.type = type
            self.attributes = attributes
        }
    }

    package var size: Int
    /// Footer-table entries, in image order.
    package var tableEntries: [(FirmwareGUID, [UInt8])] = []
    /// SEV metadata sections (gpa, size, type); nil for none.
    package var sevSections: [(UInt32, UInt32, UInt32)]?
    package var sevSignature = Array("ASEV".utf8)
    package var sevVersion: UInt32 = 1
    package var tdvfSections: [TDVFEntry]?
    package var footerGUID = FirmwareGUID.footerTable

    /// The SEV block starts this far before the end; the TDVF block 1 KiB before it.
    package static let sevMetadataOffset = 0x600
    package static let tdvfMetadataOffset = 0xa00

    package init(size: Int) {
        self.size = size
    }

    package func build<R: RandomNumberGenerator>(using random: inout R) -> [UInt8] {
        var image = (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
        var entries = tableEntries
        if let sevSections {
            var block = sevSignature + le(UInt32(16 + 12 * sevSections.count)) + le(sevVersion)
            block += le(UInt32(sevSections.count))
            for (gpa, length, type) in sevSections { block += le(gpa) + le(length) + le(type) }
            put(block, at: size - Self.sevMetadataOffset, into: &image)
            entries.append((.sevMetadata, le(UInt32(Self.sevMetadataOffset))))
        }
        if let tdvfSections {
            var block = Array("TDVF".utf8) + le(UInt32(16 + 32 * tdvfSections.count)) + le(UInt32(1))
            block += le(UInt32(tdvfSections.count))
            for entry in tdvfSections {
                block += le(entry.dataOffset) + le(entry.rawDataSize) + le(entry.memoryAddress)
                block += le(entry.memoryDataSize) + le(entry.type) + le(entry.attributes)
            }
            put(block, at: size - Self.tdvfMetadataOffset, into: &image)
            entries.append((.tdxMetadata, le(UInt32(Self.tdvfMetadataOffset))))
        }
        var table: [UInt8] = []
        for (guid, data) in entries {
            table += data + le(UInt16(data.count + 18)) + guid.bytes
        }
        table += le(UInt16(table.count + 18)) + footerGUID.bytes
        put(table, at: size - 32 - table.count, into: &image)
        return image
    }

    private func put(_ bytes: [UInt8], at offset: Int, into image: inout [UInt8]) {
        image.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }
}

package func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// SplitMix64: a seeded generator so a failing case can be reproduced from its seed.
package struct SeededGenerator: RandomNumberGenerator {
    package var state: UInt64

    package init(state: UInt64) { self.state = state }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
