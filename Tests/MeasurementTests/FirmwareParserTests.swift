import Firmware
import Foundation
import KataCore
import SEV
import TDX
import TestFixtures
import Testing

/// Parsing of images the tests build themselves (so they run in a plain clone).
@Suite struct FirmwareParserTests {
    static let everyTDVFSection: [FirmwareBuilder.TDVFEntry] = [
        .init(
            dataOffset: 0x1000, rawDataSize: 0x2000, memoryAddress: 0xffc0_0000, memoryDataSize: 0x2000,
            type: 0, attributes: 1),
        .init(
            dataOffset: 0, rawDataSize: 0x1000, memoryAddress: 0xffc0_2000, memoryDataSize: 0x2000, type: 1,
            attributes: 0),
        .init(
            dataOffset: 0, rawDataSize: 0, memoryAddress: 0x80_9000, memoryDataSize: 0x2000, type: 2,
            attributes: 0),
        .init(
            dataOffset: 0, rawDataSize: 0, memoryAddress: 0x80_0000, memoryDataSize: 0x1000, type: 3,
            attributes: 0),
        .init(
            dataOffset: 0, rawDataSize: 0, memoryAddress: 0x100_0000, memoryDataSize: 0x10000, type: 4,
            attributes: 2),
        .init(
            dataOffset: 0x3000, rawDataSize: 0x800, memoryAddress: 0x120_0000, memoryDataSize: 0x1000,
            type: 5, attributes: 1),
        .init(
            dataOffset: 0, rawDataSize: 0, memoryAddress: 0x130_0000, memoryDataSize: 0x1000, type: 6,
            attributes: 0),
    ]

    static func everySectionImage() -> FirmwareBuilder {
        var builder = FirmwareBuilder(size: 0x8000)
        builder.tableEntries = [
            (.sevHashTable, le(UInt32(0x80_fc00)) + le(UInt32(0x400))),
            (.sevESResetBlock, le(UInt32(0x80_b004))),
        ]
        builder.sevSections = [
            (0x80_0000, 0x9000, 1), (0x80_d000, 0x1000, 2), (0x80_e000, 0x1000, 3), (0x80_f000, 0x1000, 0x10),
            (0x81_0000, 0x1000, 4),
        ]
        builder.tdvfSections = everyTDVFSection
        return builder
    }

    @Test func imageWithEverySectionType() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = SeededGenerator(state: 7)
        let path = directory.appendingPathComponent("every.fd").path
        FileManager.default.createFile(
            atPath: path, contents: Data(Self.everySectionImage().build(using: &random)))
        let image = try FirmwareImage(path: path)
        #expect(image.gpa == 0x1_0000_0000 - 0x8000)
        #expect(image.table.sevHashTableGPA == 0x80_fc00)
        #expect(try image.sevESResetEIP() == 0x80_b004)
        #expect(image.supportsSEVHashTable)
        let sections = try image.sevMetadata()
        #expect(sections.map(\.type) == [.snpSecMem, .snpSecrets, .cpuid, .snpKernelHashes, .svsmCAA])
        #expect(sections.map(\.gpa) == [0x80_0000, 0x80_d000, 0x80_e000, 0x80_f000, 0x81_0000])
        let tdvf = try TDVFMetadata.parse(image)
        #expect(tdvf.map(\.type) == TDVFSectionType.allCases)
        #expect(tdvf.map(\.isExtended) == [true, false, false, false, false, true, false])
        #expect(tdvf.map(\.isAugmented) == [false, false, false, false, true, false, false])
        #expect(tdvf[0].memoryAddress == 0xffc0_0000 && tdvf[0].rawDataSize == 0x2000)
        // Every SEV section type is measured; the kernel-hashes page sits 0xc00 into its page.
        let empty = directory.appendingPathComponent("kernel").path
        FileManager.default.createFile(atPath: empty, contents: Data([1, 2, 3]))
        let snp = try SNPMeasurement.snp(
            SEVLaunch(
                firmwarePath: path, kernelPath: empty, cmdline: "console=ttyS0", vcpus: 2,
                vcpuSignature: 0x800f12))
        #expect(snp.digest.count == 48)
        #expect(try MRTD.compute(firmwarePath: path).count == 48)
    }

    @Test func hashTablePageLayout() throws {
        let hashes = KernelHashes(
            kernel: [UInt8](repeating: 0xaa, count: 32), initrd: [UInt8](repeating: 0xbb, count: 32),
            cmdline: [UInt8](repeating: 0xcc, count: 32))
        let table = SEVHashTable.table(hashes)
        #expect(table.count == 176)
        #expect(table[16..<18] == [168, 0])  // header length excludes the padding
        #expect(Array(table[18..<34]) == FirmwareGUID("97d02dd8-bd20-4c94-aa78-e7714d36ab2a")!.bytes)
        #expect(table[36] == 0xcc && table[86] == 0xbb && table[136] == 0xaa)
        let page = try SEVHashTable.page(hashes, offsetInPage: 0xc00)
        #expect(Array(page[0xc00..<0xc00 + 176]) == table)
        #expect(throws: KataError.self) { try SEVHashTable.page(hashes, offsetInPage: 4096 - 175) }
    }

    @Test func guidTextRoundTrip() {
        let guid = FirmwareGUID("96b582de-1fb2-45f7-baea-a366c55a082d")!
        #expect(guid.bytes.prefix(4) == [0xde, 0x82, 0xb5, 0x96])
        #expect(guid.description == "96b582de-1fb2-45f7-baea-a366c55a082d")
        #expect(FirmwareGUID("96b582de-1fb2-45f7-baea-a366c55a082") == nil)
        #expect(FirmwareGUID("96b582de-1fb2-45f7-baea-a366c55a08zz") == nil)
    }

    /// Random bytes, truncated and mutated images: every outcome is a result or a KataError.
    @Test func randomAndTruncatedImagesNeverCrash() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = SeededGenerator(state: 0xfeed)
        let valid = Self.everySectionImage().build(using: &random)
        var images: [[UInt8]] = []
        for size in 0..<120 {
            images.append((0..<size).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        for cut in stride(from: 0, to: valid.count, by: 97) {
            images.append(Array(valid[cut...]))  // the table survives; offsets point before the start
            images.append(Array(valid[..<cut]))  // the table is gone or shifted
        }
        for _ in 0..<300 {
            var mutated = valid
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                mutated[valid.count - Int.random(in: 1...0xb00, using: &random)] = UInt8.random(
                    in: 0...255, using: &random)
            }
            images.append(mutated)
        }
        var refused = 0
        for (index, bytes) in images.enumerated() {
            let path = directory.appendingPathComponent("image\(index)").path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            refused += outcomes(path).filter { !$0 }.count
        }
        #expect(refused > 0)
    }

    /// Runs every parser and measurement; true where it produced a value. The measurements that
    /// hash one record per declared page run only when the sizes are small (a mutated size can
    /// declare millions of pages: correct, but slow in a debug build).
    private func outcomes(_ path: String) -> [Bool] {
        let small = { (size: UInt64) in size <= 1 << 20 }
        let attempts: [() throws -> Void] = [
            { _ = try FirmwareImage(path: path).sevMetadata() },
            { _ = try TDVFMetadata.parse(FirmwareImage(path: path)) },
            { _ = try SEVMeasurement.sevES(SEVLaunch(firmwarePath: path, vcpus: 3)) },
            {
                let image = try FirmwareImage(path: path)
                if try TDVFMetadata.parse(image).allSatisfy({ $0.isAugmented || small($0.memoryDataSize) }) {
                    _ = try MRTD.compute(firmwarePath: path)
                }
            },
            {
                if try FirmwareImage(path: path).sevMetadata().allSatisfy({ small(UInt64($0.size)) }) {
                    _ = try SNPMeasurement.snp(SEVLaunch(firmwarePath: path, vcpus: 2, vmm: .ec2))
                }
            },
        ]
        return attempts.map { attempt in
            do {
                try attempt()
                return true
            } catch let error as KataError {
                #expect(!error.message.isEmpty)
                return false
            } catch {
                Issue.record("not a KataError: \(error)")
                return false
            }
        }
    }
}
