import Foundation
import GuestAgent
import KataCore
import Protocols
import Testing

@testable import KataAgentService

/// What the host sends for a block root filesystem is checked in full before anything is
/// mounted (PCI path shape, verity parameters, option keys), and the disk is found through a
/// sysfs tree shaped like the guest's.
@Suite struct BlockRootStorageTests {
    static let hash = String(repeating: "0123456789abcdef", count: 4)
    static let verity =
        #"{"hashtype":"sha256","hash":"\#(hash)","blocknum":10,"blocksize":4096,"hashsize":4096,"offset":40960}"#

    func storage(
        source: String = "0f/00", fstype: String = "erofs", options: [String] = ["ro"],
        driverOptions: [String]? = nil
    )
        -> Grpc_Storage
    {
        .with {
            $0.driver = "blk"
            $0.source = source
            $0.fstype = fstype
            $0.options = options
            $0.mountPoint = "/run/kata-containers/shared/containers/c1/rootfs"
            $0.driverOptions =
                driverOptions ?? [
                    "verity_info=\(Self.verity)", "source_type=virtio_pci", "overlay_tmpfs_size=134217728",
                ]
        }
    }

    @Test func wellFormedStorageIsRead() throws {
        let parsed = try BlockRootStorage(storage(), root: "/run/kata-containers")
        #expect(parsed.pciPath.slots == [0x0f, 0])
        #expect(parsed.verity.blocknum == 10 && parsed.overlaySize == 134_217_728)
        #expect(parsed.mountComponents == ["shared", "containers", "c1", "rootfs"])
        try storage().validate(GuestPaths(), field: "storages[0]")
    }

    static let badStorages: [(String, Grpc_Storage)] = {
        let base = BlockRootStorageTests()
        func verityWith(_ replace: String, _ with: String) -> [String] {
            ["verity_info=" + BlockRootStorageTests.verity.replacingOccurrences(of: replace, with: with)]
        }
        return [
            ("PCI path", base.storage(source: "0f/")), ("PCI path", base.storage(source: "0g/00")),
            ("PCI path", base.storage(source: "20/00")), ("PCI path", base.storage(source: "/sys/../x")),
            ("fstype", base.storage(fstype: "ext4")), ("options", base.storage(options: ["rw"])),
            ("no verity", base.storage(driverOptions: [])),
            ("short hash", base.storage(driverOptions: verityWith(hash, "abcd"))),
            ("hex", base.storage(driverOptions: verityWith(hash, String(repeating: "g", count: 64)))),
            (
                "blocksize",
                base.storage(driverOptions: verityWith(#""blocksize":4096"#, #""blocksize":3000"#))
            ),
            ("hashsize", base.storage(driverOptions: verityWith(#""hashsize":4096"#, #""hashsize":8192"#))),
            (
                "offset overlaps",
                base.storage(driverOptions: verityWith(#""offset":40960"#, #""offset":4096"#))
            ),
            ("no blocks", base.storage(driverOptions: verityWith(#""blocknum":10"#, #""blocknum":0"#))),
            (
                "huge",
                base.storage(
                    driverOptions: verityWith(#""blocknum":10"#, #""blocknum":18446744073709551615"#))
            ),
            ("algorithm", base.storage(driverOptions: verityWith(#""sha256""#, #""md5""#))),
            ("unknown key", base.storage(driverOptions: ["verity_info=\(verity)", "hack=1"])),
            ("twice", base.storage(driverOptions: ["verity_info=\(verity)", "verity_info=\(verity)"])),
            ("source type", base.storage(driverOptions: ["verity_info=\(verity)", "source_type=scsi"])),
            ("overlay size", base.storage(driverOptions: ["verity_info=\(verity)", "overlay_tmpfs_size=1"])),
            ("not JSON", base.storage(driverOptions: ["verity_info={"])),
        ]
    }()

    @Test(arguments: 0..<badStorages.count) func badStorageIsRefused(_ index: Int) {
        let (what, bad) = Self.badStorages[index]
        #expect(throws: KataError.self, "\(what)") { try bad.validate(GuestPaths(), field: "storages[0]") }
    }

    @Test func mountPointOutsideTheStorageRootIsRefused() {
        var bad = storage()
        bad.mountPoint = "/etc"
        #expect(throws: KataError.self) { try bad.validate(GuestPaths(), field: "storages[0]") }
    }

    @Test func diskIsFoundBehindItsRootPort() throws {
        let sysfs = NSTemporaryDirectory() + "pci-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: sysfs) }
        let path = try GuestPCIPath(parsing: "0f/00")
        #expect(try PCIBlockDevice.find(path, sysfs: sysfs) == nil, "nothing there yet")
        let disk = sysfs + "/0000:00:0f.0/0000:01:00.0/virtio3/block/vdb"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try "254:16\n".write(toFile: disk + "/dev", atomically: true, encoding: .utf8)
        #expect(
            try PCIBlockDevice.find(path, sysfs: sysfs)
                == PCIBlockDevice.Found(name: "vdb", major: 254, minor: 16))
        try "254:x\n".write(toFile: disk + "/dev", atomically: true, encoding: .utf8)
        #expect(throws: KataError.self) { try PCIBlockDevice.find(path, sysfs: sysfs) }
        #expect(try GuestPCIPath(parsing: "0f/00").description == "0f/00")
    }

    /// A disk that never appears: a timeout naming the PCI path, within the bound.
    @Test func missingDiskTimesOutNamingThePath() async throws {
        let sysfs = NSTemporaryDirectory() + "pci-\(UUID().uuidString.prefix(8))"
        let started = ContinuousClock.now
        let error = await #expect(throws: KataError.self) {
            _ = try await PCIBlockDevice.wait(
                for: try GuestPCIPath(parsing: "11/00"), timeout: .milliseconds(300), sysfs: sysfs)
        }
        #expect(
            error?.code == .timeout && error?.message.contains("11/00") == true,
            "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
