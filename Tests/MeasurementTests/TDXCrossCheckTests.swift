import Firmware
import Foundation
import TDX
import TestFixtures
import Testing

/// MRTD against the independent Python calculation in Fixtures/tdx_mrtd.py, on the distro OVMF
/// (which carries TDVF metadata) and on random TDVF images.
@Suite struct TDXCrossCheckTests {
    static let randomImages = 50

    @Test func matchesIndependentCalculation() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededGenerator(state: seed)
        var paths = [TestSupport.distroOVMF]
        for index in 0..<Self.randomImages {
            let path = directory.appendingPathComponent("tdvf\(index).fd").path
            FileManager.default.createFile(atPath: path, contents: Data(Self.randomTDVF(using: &random)))
            paths.append(path)
        }
        let script = TestSupport.fixtures.appendingPathComponent("tdx_mrtd.py").path
        let run = try TestSupport.run(TestSupport.venvPython, [script] + paths, in: directory)
        try #require(run.status == 0, "tdx_mrtd.py failed: \(run.error)")
        let expected = run.output.split(separator: "\n").map(String.init)
        try #require(expected.count == paths.count)
        for (path, reference) in zip(paths, expected) {
            #expect(!reference.hasPrefix("error"), "seed \(seed): \(path): \(reference)")
            #expect(hexString(try MRTD.compute(firmwarePath: path)) == reference, "seed \(seed): \(path)")
        }
    }

    /// A valid TDVF image: random content, 2-7 sections of random types and attributes.
    static func randomTDVF(using random: inout SeededGenerator) -> [UInt8] {
        let pages = Int.random(in: 4...16, using: &random)
        var builder = FirmwareBuilder(size: pages * 4096)
        var sections: [FirmwareBuilder.TDVFEntry] = []
        var address: UInt64 = 0x80_0000
        for _ in 0..<Int.random(in: 2...7, using: &random) {
            let type = UInt32.random(in: 0...6, using: &random)
            let memoryPages = UInt64.random(in: 1...4, using: &random)
            var entry = FirmwareBuilder.TDVFEntry(
                dataOffset: 0, rawDataSize: 0, memoryAddress: address, memoryDataSize: memoryPages * 4096,
                type: type, attributes: 0)
            switch type {
            case 0, 1, 5:  // firmware volumes and payloads carry raw data, at most the memory size
                let size = UInt32.random(in: 1...UInt32(min(memoryPages * 4096, 2 * 4096)), using: &random)
                entry.rawDataSize = size
                entry.dataOffset = UInt32.random(in: 0...UInt32(pages * 4096) - size, using: &random)
                entry.attributes = Bool.random(using: &random) ? TDVFSection.mrExtend : 0
            case 4:
                entry.attributes = TDVFSection.pageAug
            default:
                entry.attributes = Bool.random(using: &random) ? TDVFSection.mrExtend : 0
            }
            sections.append(entry)
            address += memoryPages * 4096 + UInt64.random(in: 0...8, using: &random) * 4096
        }
        builder.tdvfSections = sections
        return builder.build(using: &random)
    }
}
