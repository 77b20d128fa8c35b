import Foundation
import GuestAgent
import Initdata
import KataCore
import TestFixtures
import Testing

/// The guest's initdata disk scan over a fake /sys/block and /dev (plain files standing in for
/// the block devices): the host writes the disk, so every length it claims is checked against
/// the disk's real size and the 1 MiB bound.
@Suite struct GuestInitdataTests {
    final class FakeDisks {
        let root = NSTemporaryDirectory() + "guest-initdata-\(UUID().uuidString)"
        var sys: String { root + "/sys/block" }
        var dev: String { root + "/dev" }

        init() throws {
            try FileManager.default.createDirectory(atPath: sys, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dev, withIntermediateDirectories: true)
        }

        /// A disk `name` holding `bytes`; `sectors` overrides the size sysfs reports.
        func add(_ name: String, _ bytes: [UInt8], sectors: UInt64? = nil) throws {
            try FileManager.default.createDirectory(
                atPath: "\(sys)/\(name)", withIntermediateDirectories: true)
            try "\(sectors ?? UInt64(bytes.count / 512))\n".write(
                toFile: "\(sys)/\(name)/size", atomically: true, encoding: .utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dev)/\(name)"))
        }

        func find() throws -> GuestInitdata.Found? { try GuestInitdata.find(sysBlock: sys, devices: dev) }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func findsTheDiskByItsMagicAndInstallsTheEntries() throws {
        let disks = try FakeDisks()
        let document = sampleInitdataDocument(algorithm: "sha512")
        try disks.add("vda", [UInt8](repeating: 0, count: 4096))
        try disks.add("vdb", InitdataDisk.image(gzip: try InitdataTool.gzip(document)))
        let found = try #require(try disks.find())
        #expect(found.device == disks.dev + "/vdb")
        #expect(hexOf(found.initdata.digest) == (try InitdataTool.openssl("sha512", Array(document.utf8))))

        let target = disks.root + "/run/confidential-containers/initdata"
        try GuestInitdata.install(found.initdata, directory: target)
        #expect(try readFileBytes(target + "/initdata.toml") == Array(document.utf8))
        #expect(try readTextFile(target + "/policy.rego").hasPrefix("package agent_policy\n"))
        let names = try FileManager.default.contentsOfDirectory(atPath: target).sorted()
        #expect(names == ["aa.toml", "cdh.toml", "initdata.toml", "policy.rego"])
        // A second delivery is refused rather than mixed into the first.
        #expect(throws: KataError.self) { try GuestInitdata.install(found.initdata, directory: target) }
    }

    @Test func noInitdataDiskIsNotAnError() throws {
        let disks = try FakeDisks()
        try disks.add("vda", [UInt8](repeating: 0x55, count: 1024))
        try disks.add("sda", InitdataDisk.image(gzip: try InitdataTool.gzip(sampleInitdataDocument())))
        #expect(try disks.find() == nil)
    }

    /// What a lying host can write, each refused with what is wrong.
    @Test func hostileDisksAreRefused() throws {
        let gzip = try InitdataTool.gzip(sampleInitdataDocument())
        func header(_ length: UInt64) -> [UInt8] {
            Array("initdata".utf8) + (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        }
        let cases: [(String, [UInt8], UInt64?, String)] = [
            (
                "longer than the disk", header(1 << 19) + gzip + [UInt8](repeating: 0, count: 400), nil,
                "holds only"
            ),
            ("over 1 MiB", header(UInt64.max) + [UInt8](repeating: 0, count: 496), nil, "at most 1048576"),
            ("sysfs size lies", header(10_000) + gzip, 100, "ends after"),
            ("not gzip", header(4) + Array("oops".utf8) + [UInt8](repeating: 0, count: 492), nil, "not gzip"),
        ]
        for (name, bytes, sectors, problem) in cases {
            let disks = try FakeDisks()
            try disks.add("vda", bytes, sectors: sectors)
            let error = try #require(throws: KataError.self, "\(name) accepted") { try disks.find() }
            #expect(error.message.contains(problem), "\(name): \(error.message)")
            #expect(error.message.contains(disks.dev + "/vda"), "\(name): \(error.message)")
        }
    }

    @Test func twoInitdataDisksAreAmbiguous() throws {
        let disks = try FakeDisks()
        let image = InitdataDisk.image(gzip: try InitdataTool.gzip(sampleInitdataDocument()))
        try disks.add("vda", image)
        try disks.add("vdb", image)
        let error = try #require(throws: KataError.self) { try disks.find() }
        #expect(error.message.contains("both"), "\(error)")
    }

    private func hexOf(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
