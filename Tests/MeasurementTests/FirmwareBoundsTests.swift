import Firmware
import Foundation
import KataCore
import TDX
import TestFixtures
import Testing

/// Offsets and sizes read from a firmware image at their extremes: each is refused with
/// `.malformedInput` saying what is out of range, without arithmetic traps.
@Suite struct FirmwareBoundsTests {
    /// Builds the image, lets `patch` change its bytes, writes it, and parses it with `parse`.
    func refusal(
        _ builder: FirmwareBuilder, patch: (inout [UInt8]) -> Void = { _ in },
        _ parse: (FirmwareImage) throws -> Void
    ) throws -> String {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = SeededGenerator(state: 11)
        var bytes = builder.build(using: &random)
        patch(&bytes)
        let path = directory.appendingPathComponent("image.fd").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            try parse(try FirmwareImage(path: path))
        } catch let error as KataError {
            #expect(error.code == .malformedInput, "\(error)")
            return error.message
        }
        Issue.record("the image was accepted")
        return ""
    }

    func tdvf(_ last: FirmwareBuilder.TDVFEntry) -> FirmwareBuilder {
        var builder = FirmwareBuilder(size: 0x4000)
        builder.tdvfSections = [
            .init(
                dataOffset: 0, rawDataSize: 0x1000, memoryAddress: 0xffc0_0000, memoryDataSize: 0x1000,
                type: 0,
                attributes: 1),
            last,
        ]
        return builder
    }

    @Test func tdvfRawDataPastTheEndOfTheImage() throws {
        let message = try refusal(
            tdvf(
                .init(
                    dataOffset: .max, rawDataSize: .max, memoryAddress: 0, memoryDataSize: 0x1_0000_0000,
                    type: 5,
                    attributes: 0))
        ) { _ = try TDVFMetadata.parse($0) }
        #expect(
            message.contains(
                "raw data at offset 4294967295 (4294967295 bytes) lies outside the 16384-byte image"))
    }

    @Test func tdvfMemoryRangeThatWrapsAround() throws {
        let message = try refusal(
            tdvf(
                .init(
                    dataOffset: 0, rawDataSize: 0, memoryAddress: 0xffff_ffff_ffff_f000,
                    memoryDataSize: 0x2000,
                    type: 3, attributes: 0))
        ) { _ = try TDVFMetadata.parse($0) }
        #expect(message.contains("memory range overflows 64 bits"))
    }

    @Test func tdvfSectionCountBeyondTheBlock() throws {
        let message = try refusal(
            tdvf(
                .init(
                    dataOffset: 0, rawDataSize: 0, memoryAddress: 0, memoryDataSize: 0x1000, type: 3,
                    attributes: 0)),
            patch: { bytes in
                let count = bytes.count - FirmwareBuilder.tdvfMetadataOffset + 12
                bytes.replaceSubrange(count..<count + 4, with: [0xff, 0xff, 0xff, 0xff])
            }
        ) { _ = try TDVFMetadata.parse($0) }
        #expect(message.contains("does not match 4294967295 sections"))
    }

    @Test func sevMetadataOffsetBeforeTheImageStart() throws {
        var builder = FirmwareBuilder(size: 0x2000)
        builder.tableEntries = [(.sevMetadata, [0xff, 0xff, 0xff, 0xff])]
        let message = try refusal(builder) { _ = try $0.sevMetadata() }
        #expect(message.contains("SEV metadata offset 4294967295 from the end lies before the start"))
    }

    @Test func sevSectionCountBeyondTheFile() throws {
        var builder = FirmwareBuilder(size: 0x2000)
        builder.sevSections = [(0x80_0000, 0x1000, 1)]
        let message = try refusal(
            builder,
            patch: { bytes in
                let header = bytes.count - FirmwareBuilder.sevMetadataOffset
                bytes.replaceSubrange(header + 4..<header + 8, with: [0xff, 0xff, 0xff, 0xff])  // size
                bytes.replaceSubrange(header + 12..<header + 16, with: [0xff, 0xff, 0xff, 0xff])  // count
            }
        ) { _ = try $0.sevMetadata() }
        #expect(message.contains("declares 4294967295 sections (51539607540 bytes)"))
    }
}
